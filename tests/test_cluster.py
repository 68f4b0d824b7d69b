"""A lecture hall on this machine: `make cluster` behind Debian's nginx, sessions on every server, a
server lost mid-class (SIGKILL) and a page whose controls work again on the server it reconnects to,
fragments included; `make cluster-stop` ends exactly what was started."""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState

from bench.failover import LINK, established, holder, press_until_redrawn, sessions_reach
from bench.load import Page, connect, move_message, rerun
from deploy import cluster
from ui.reconnect import as_whole_page_rerun

ROOT = Path(__file__).resolve().parents[1]
HAS_NGINX = bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists())
needs_nginx = pytest.mark.skipif(not HAS_NGINX, reason="nginx not installed (make test installs it as root)")


class Session:
    """A stand-in for AppSession with only what ui.reconnect asks."""

    def __init__(self, page_script_hash: str, fragments: set[str]):
        self.page_script_hash, self.fragments = page_script_hash, fragments

    def has_fragment(self, fragment_id: str) -> bool:
        return fragment_id in self.fragments


def fragment_request(fragment_id: str) -> ClientState:
    state = ClientState(fragment_id=fragment_id, page_script_hash="page", query_string="pe_positions=57")
    state.widget_states.widgets.add(id="slider").double_array_value.data.append(58)
    return state


def test_a_fragment_a_fresh_session_never_ran_becomes_a_whole_page_run():
    whole = as_whole_page_rerun(Session("", set()), fragment_request("f1"))
    assert whole.fragment_id == ""
    assert (whole.page_script_hash, whole.query_string) == ("page", "pe_positions=57")
    assert list(whole.widget_states.widgets[0].double_array_value.data) == [58]


def test_streamlit_keeps_its_own_answer_for_every_other_request():
    ran = Session("page", set())  # a fragment dropped by a later full run stays dropped
    assert as_whole_page_rerun(ran, fragment_request("f1")).fragment_id == "f1"
    known = Session("", {"f1"})
    assert as_whole_page_rerun(known, fragment_request("f1")).fragment_id == "f1"
    full = ClientState(page_script_hash="page")
    assert as_whole_page_rerun(Session("", set()), full) is full
    assert as_whole_page_rerun(Session("", set()), None) is None


def free_block(size: int) -> int:
    """A port whose next `size` ports are free too (the proxy and its servers)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + size < 65535 and all(_free(base + i) for i in range(size + 1)):
            return base
    raise RuntimeError("no block of free ports")


def alive(pid: int) -> bool:
    """Running, not a zombie (a container's first process may never reap what it inherits)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def hall():
    if not HAS_NGINX:
        pytest.skip("nginx not installed (make test installs it as root)")
    port = free_block(2)
    try:
        yield port, cluster.start(port, 2)
    finally:
        cluster.stop(port)


def first_render(url: str, page: Page, key: str):
    async def go():
        ws = await connect(url, patient=False)
        first = BackMsg()
        first.rerun_script.page_name = page.name
        await rerun(ws, first, page, key)
        await ws.close()

    asyncio.run(go())


def test_a_fragment_press_reaching_a_server_that_never_ran_the_page_redraws_it(hall):
    """What a page does after its server died: its next press is a fragment rerun, sent to a server
    that has no session for it. That server must run the page and then answer fragment reruns."""
    port, _ = hall
    first, other = (f"ws://127.0.0.1:{p}" for p in cluster.replica_ports(port, 2))
    page = Page("positional_encoding")
    first_render(first, page, "pe_positions")
    assert page.fragment_id, "the Positions slider is drawn by a fragment"

    async def on_the_other_server() -> list[list[str]]:
        ws = await connect(other, patient=False)
        try:
            answers = []
            for value in (60, 61):
                fresh = Page(page.name)
                _, exceptions = await rerun(ws, move_message(page, value), fresh, "pe_positions")
                assert fresh.slider_id == page.slider_id and fresh.fragment_id == page.fragment_id
                answers.append(exceptions)
            return answers
        finally:
            await ws.close()

    assert asyncio.run(on_the_other_server()) == [[], []]


def test_the_proxy_spreads_sessions_and_pins_each_browser_by_cookie(hall):
    port, url = hall
    with urllib.request.urlopen(f"{url}/_stcore/health") as answer:
        assert answer.read() == b"ok"
        cookie = next(c for c in answer.headers.get_all("Set-Cookie") if c.startswith("lab_affinity="))
    assert "HttpOnly" in cookie
    request = urllib.request.Request(f"{url}/", headers={"Cookie": cookie.split(";")[0]})
    with urllib.request.urlopen(request) as answer:  # a browser keeps the cookie it has
        assert not [c for c in answer.headers.get_all("Set-Cookie") or [] if c.startswith("lab_affinity=")]
    for replica in cluster.replica_ports(port, 2):  # cookie-less sessions reach every server
        sessions_reach(url, replica, port, 2, timeout=15)


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")), reason="no chromium")
def test_a_server_killed_mid_class_the_page_reconnects_and_its_controls_work(hall, tmp_path):
    from bench.look import chromium, settle

    port, url = hall
    with chromium(1400, 1000, profile=str(tmp_path / "chromium")) as driver:
        before = established(cluster.replica_ports(port, 2))
        driver.get(f"{url}/{LINK}")
        settle(driver)
        victim = holder(port, 2, before)
        os.kill(cluster.replica_pid(port, victim), signal.SIGKILL)
        redrawn = press_until_redrawn(driver, timeout=30)
        assert redrawn is not None, "no press redrew the page on the server it reconnected to"
        assert redrawn[1] == [], redrawn[1]
        moved = driver.current_url  # the view is in the link: a reload through the proxy shows it again
        assert "pe_positions=" in moved and "pe_positions=57" not in moved, moved
        driver.get(moved)
        settle(driver)
        thumbs = driver.find_elements("css selector", '[data-testid="stMain"] [data-testid="stSliderThumbValue"]')
        assert moved.split("pe_positions=")[1].split("&")[0] in [t.text for t in thumbs]
    cluster.start(port, 2)  # what `make cluster` does again: the killed server starts and rejoins
    assert cluster.replica_pid(port, victim) is not None
    sessions_reach(url, victim, port, 2, timeout=20)


@needs_nginx
def test_make_cluster_starts_servers_behind_nginx_and_cluster_stop_ends_only_them():
    port = free_block(1)
    bystander = subprocess.Popen(["sleep", "60"])  # a stale pid file must not make stop kill another process
    try:
        run = subprocess.run(["make", "-s", "cluster", "REPLICAS=1", f"PORT={port}"], cwd=ROOT, timeout=240)
        assert run.returncode == 0
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health").read() == b"ok"
        started = [cluster.nginx_pid(port), cluster.replica_pid(port, port + 1)]
        assert None not in started
        (cluster.run_dir(port) / f"replica-{port + 9}.pid").write_text(f"{bystander.pid}\n")
        stop = subprocess.run(["make", "-s", "cluster-stop", f"PORT={port}"], cwd=ROOT, timeout=60)
        assert stop.returncode == 0
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in started)
        assert bystander.poll() is None
        assert _free(port) and _free(port + 1)
    finally:
        bystander.kill()
        cluster.stop(port)
