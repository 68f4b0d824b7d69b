"""A server lost mid-class: SIGKILL the server holding a browser's page while students use the hall.

    flock /tmp/browser.lock python -m bench.failover [--students 60] [--seconds 60] [--port 8670]

Starts a cluster (deploy/cluster.py: two servers behind nginx), opens a lesson through the proxy in
headless Chromium from a link (`?pe_positions=57`) and starts `bench.load`'s students through the
proxy. Once every student is in, it kills the server that holds the browser's websocket, then presses
the page's first slider once a second until a press makes the server run the page again: the figure
is the time from the kill to that redraw. Then it starts the killed server again (`make cluster`
does the same) and checks that new sessions reach it. The load's figures say how many of the
students' requests failed. Results: bench/results/failover.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import tempfile
import threading
import time

import websockets

from bench.common import report
from bench.load import run_classroom
from bench.look import chromium, settle
from deploy import cluster

MAIN_SLIDER = '[data-testid="stMain"] [data-testid="stSlider"] input'
REDRAW_TIMEOUT_S = 120
LINK = "positional_encoding?pe_positions=57"  # the page's first live slider is Positions
# Records the script states the page goes through after it is armed (Streamlit's app root attribute).
ARM_JS = """
window.__runs = [];
if (!window.__runWatch) {
  window.__runWatch = new MutationObserver((records) => {
    for (const r of records) {
      const state = r.target.getAttribute('data-test-script-state');
      if (r.attributeName === 'data-test-script-state') window.__runs.push(state);
    }
  });
  window.__runWatch.observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
}
window.__runs = [];
"""
RAN_JS = "return window.__runs.includes('running') && window.__runs.at(-1) === 'notRunning';"


def established(ports: list[int]) -> dict[int, int]:
    """How many TCP connections each of these local ports has open (this machine's /proc/net/tcp)."""
    counts = dict.fromkeys(ports, 0)
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            port = int(local.rsplit(":", 1)[1], 16)
            if state == "01" and port in counts:  # 01: ESTABLISHED
                counts[port] += 1
    return counts


def holder(port: int, replicas: int, before: dict[int, int]) -> int:
    """The server that took a new long-lived connection since `before` (a page's websocket)."""
    now = established(cluster.replica_ports(port, replicas))
    gained = [p for p in now if now[p] > before.get(p, 0)]
    if len(gained) != 1:
        raise RuntimeError(f"cannot tell which server holds the page: {before} → {now}")
    return gained[0]


def press(driver, key) -> None:
    """Press `key` on the page's first slider that is not disabled."""
    slider = next(s for s in driver.find_elements("css selector", MAIN_SLIDER) if s.is_enabled())
    driver.execute_script("arguments[0].focus();", slider)
    driver.switch_to.active_element.send_keys(key)


def press_until_redrawn(driver, timeout: float, wait_per_press: float = 1.0) -> tuple[int, list[str]] | None:
    """Press the page's first slider to the right until a press makes the server run the page; returns
    the number of presses and the exceptions on the page after that run (None: no press did).

    Always to the right: a press lost while the page reconnects still moves the slider in the browser,
    so a left press after it would send the value the page started with, and the link could not show
    that the press arrived."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.keys import Keys

    deadline, presses = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        driver.execute_script(ARM_JS)
        try:
            press(driver, Keys.ARROW_RIGHT)
        except (WebDriverException, StopIteration):
            pass  # the page is reconnecting: its widgets may be disabled or redrawn
        presses += 1
        until = time.monotonic() + wait_per_press
        while time.monotonic() < until:
            if driver.execute_script(RAN_JS):
                settle(driver, quiet=0.3)
                errors = [e.text[:300] for e in driver.find_elements("css selector", '[data-testid="stException"]')]
                return presses, errors
            time.sleep(0.05)
    return None


def sessions_reach(url: str, server_port: int, port: int, replicas: int, timeout: float = 30) -> float:
    """Open cookie-less websockets through the proxy (each hashed to a server afresh) until one lands
    on `server_port`; returns the seconds that took."""

    async def attempt() -> bool:
        before = established([server_port])[server_port]
        sockets = [
            await websockets.connect(f"{url.replace('http', 'ws', 1)}/_stcore/stream", subprotocols=["streamlit"])
            for _ in range(6)
        ]
        try:
            await asyncio.sleep(0.2)
            return established([server_port])[server_port] > before
        finally:
            for ws in sockets:
                await ws.close()

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if asyncio.run(attempt()):
            return time.monotonic() - start
        time.sleep(1)
    raise AssertionError(f"no new session reached the restarted server on {server_port} in {timeout:.0f} s")


def run(port: int, students: int, seconds: float, think: float) -> dict:
    replicas = 2
    cluster.stop(port)
    load: dict = {}
    try:
        url = cluster.start(port, replicas)
        with chromium(1400, 1000, profile=tempfile.mkdtemp(prefix="failover-chromium-")) as driver:
            before = established(cluster.replica_ports(port, replicas))
            driver.get(f"{url}/{LINK}")
            settle(driver)
            victim = holder(port, replicas, before)
            students_thread = threading.Thread(
                target=lambda: load.update(zip(("figures", "tally"), run_classroom(url, students, seconds, think)))
            )
            load_started = time.perf_counter()  # bench.load's moves are timed from about here
            students_thread.start()
            time.sleep(min(seconds / 3, students * 0.3 + 5))  # every student has opened the page
            killed_at = time.perf_counter()
            os.kill(cluster.replica_pid(port, victim), signal.SIGKILL)
            # under load a run starts seconds after its press: wait that long before pressing again
            redrawn = press_until_redrawn(driver, timeout=REDRAW_TIMEOUT_S, wait_per_press=5.0)
            redrawn_s = time.perf_counter() - killed_at
            start = time.monotonic()
            cluster.start(port, replicas)  # starts the killed server again
            restarted_s = time.monotonic() - start
            rejoined_s = sessions_reach(url, victim, port, replicas)
            students_thread.join()
    finally:
        cluster.stop(port)
    tally = load["tally"]
    failed_at = [round(load_started + t - killed_at, 1) for t, took in tally.moves if took is None]
    return {
        "kill_to_redraw_s": round(redrawn_s, 1) if redrawn else f"none within {REDRAW_TIMEOUT_S} s",
        "presses": redrawn[0] if redrawn else None,
        "page_errors": len(redrawn[1]) if redrawn else None,
        "restart_s": round(restarted_s, 1),
        "rejoin_s": round(rejoined_s, 1),
        **{f"load_{k}": v for k, v in load["figures"].items()},
        "failed_moves_s_after_kill": failed_at[:20],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8670)
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=3.0)
    args = parser.parse_args(argv)
    row = run(args.port, args.students, args.seconds, args.think)
    report("failover", [row])


if __name__ == "__main__":
    main()
