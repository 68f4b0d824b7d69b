"""Classroom load: N students on the app, each moving a slider for a bounded time.

    python -m bench.load --students 30 --seconds 60 [--think 2 4]
    python -m bench.load --url http://127.0.0.1:8500 --students 300 --think 10 20 --join-over 60 --seconds 180

Without --url it starts `streamlit run serve.py` (as `make run` does: warmed before it answers) on a
free loopback port; with --url it loads a server or proxy already running (`make cluster`). It opens
N websocket sessions that speak the browser's protocol: each opens a page, then moves a slider back
and forth, waiting a think time (drawn evenly between two, by default 2 and 4 s: a 3-second pace; or a
fixed one) before each move, and times every rerun from request to "script finished". A fixed think
time keeps a class in step: students who waited together move again together, so most of the class
presses within the same half second, as if a teacher said "now" every 3 seconds (`in_flight_*`: how
many moves were on the server when one was sent). Like the browser, a slider inside an
`st.fragment` asks for a rerun of that fragment, and a session whose connection drops reconnects
(through the proxy, to whichever server answers) and carries on from the page it had. Reports
p50/p95 latency, errors (exceptions on the page, requests that got no answer, connections lost) and,
for a server it started, the server's peak resident memory. The model page is in the mix, so the
figure includes MiniLM, loaded once per process."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.protocol import State

from bench.common import ROOT, percentile, report

JOIN_SPREAD_SECONDS = 0.3  # default gap between two students opening the link
ANSWER_TIMEOUT_S = 15  # a rerun with no "script finished" by then has failed (the server dropped it)
RECONNECT_FOR_S = 60  # how long a student's page keeps trying to reconnect, as the browser does
# (page url, slider key, two values to alternate). "chart key:field": an input inside a chart (ui.scrub),
# which repaints in the browser while dragged and asks the server for one rerun, with where it ended.
MOVES = [
    ("first_principles", "fp_temperature", (0.5, 1.5)),
    ("qkv", "qkv_d_k", (4, 8)),
    ("positional_encoding", "pe_positions", (40, 60)),
    ("real_model", "real_head_scrub:real_head", (0, 3)),
    ("multi_head", "mha_layers", (1, 2)),
    ("why_attention", "why_max_n", (32, 64)),
]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    by_page: dict[str, list[float]] = field(default_factory=dict)  # the same latencies, by the page moved
    first_renders: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed_requests: int = 0  # moves sent that got no answer: lost with their connection, or dropped by a server
    reconnects: int = 0
    sessions_done: int = 0
    # (seconds since the run began, seconds the move took, or None when it failed), for a timeline
    moves: list[tuple[float, float | None]] = field(default_factory=list)


@dataclass
class Page:
    """What a student's page knows after its first render: enough to send the moves a browser would."""

    name: str
    page_hash: str = ""
    slider_id: str = ""  # the slider's widget id, or the chart's for an input inside it
    fragment_id: str = ""
    scrub_field: str = ""  # the input inside the chart: its selection's field


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "serve.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(240):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                return process
        except OSError:
            time.sleep(0.25)
    process.kill()
    raise RuntimeError("the server did not start")


def peak_rss_mib(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def rerun(ws, message: BackMsg, page: Page, slider_key: str) -> tuple[float, list[str]]:
    """Send one rerun request and wait for the script to finish; note the page's hash and its slider
    (with the fragment that draws it) on the way. Returns (seconds, exceptions shown on the page)."""
    start = time.perf_counter()
    await ws.send(message.SerializeToString())
    exceptions = []
    while True:
        forward = ForwardMsg()
        forward.ParseFromString(await asyncio.wait_for(ws.recv(), ANSWER_TIMEOUT_S))
        kind = forward.WhichOneof("type")
        if kind == "navigation":  # the page's own hash (new_session names the script the run started in)
            page.page_hash = forward.navigation.page_script_hash
        elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception":
                exceptions.append(element.exception.message[:200])
            elif which == "slider" and element.slider.id.endswith(slider_key):
                page.slider_id, page.fragment_id = element.slider.id, forward.delta.fragment_id
            elif which == "vega_lite_chart" and element.vega_lite_chart.id.endswith(slider_key.split(":")[0]):
                page.slider_id, page.fragment_id = element.vega_lite_chart.id, forward.delta.fragment_id
                page.scrub_field = slider_key.split(":")[1]
        elif kind == "script_finished":
            return time.perf_counter() - start, exceptions


def move_message(page: Page, value: float) -> BackMsg:
    """The message a browser sends when the slider is moved (a fragment's slider reruns its fragment)."""
    move = BackMsg()
    move.rerun_script.page_name = page.name
    move.rerun_script.page_script_hash = page.page_hash
    move.rerun_script.fragment_id = page.fragment_id
    widget = move.rerun_script.widget_states.widgets.add()
    widget.id = page.slider_id
    if page.scrub_field:  # how a browser sends where a chart's bound input ended (its point selection)
        widget.string_value = json.dumps({"selection": {page.scrub_field: [{page.scrub_field: value}]}})
    else:
        widget.double_array_value.data.append(value)  # how a browser sends a slider
    return move


async def connect(url: str, patient: bool):
    """A websocket session; when `patient`, keep trying for a while, as a page that lost its server does."""
    deadline = time.perf_counter() + (RECONNECT_FOR_S if patient else 0)
    while True:
        try:
            return await websockets.connect(
                f"{url}/_stcore/stream", subprotocols=["streamlit"], max_size=None, open_timeout=60
            )
        except (TimeoutError, OSError, websockets.WebSocketException):
            if time.perf_counter() > deadline:
                raise
            await asyncio.sleep(1)


async def reconnect(ws, url: str, tally: Tally):
    await ws.close()
    tally.reconnects += 1
    return await connect(url, patient=True)


async def student(
    url: str, number: int, seconds: float, think: tuple[float, float], join_gap: float, tally: Tally, t0: float
) -> None:
    name, key, values = MOVES[number % len(MOVES)]
    rng = random.Random(number)
    await asyncio.sleep(number * join_gap)  # students open the link over the first seconds, not at once
    page = Page(name)
    try:
        ws = await connect(url, patient=False)
        try:
            first = BackMsg()
            first.rerun_script.page_name = name
            elapsed, exceptions = await rerun(ws, first, page, key)  # the model page may load MiniLM here
            tally.first_renders.append(elapsed)
            tally.errors.extend(exceptions)
            if not page.slider_id:
                tally.errors.append(f"{name}: slider {key} not found")
                return
            deadline, i = time.perf_counter() + seconds, 0
            while time.perf_counter() < deadline:
                await asyncio.sleep(rng.uniform(*think))  # the student looks before moving again
                if ws.state is not State.OPEN:  # lost meanwhile: the page reconnects before the next press
                    ws = await reconnect(ws, url, tally)
                try:
                    elapsed, exceptions = await rerun(ws, move_message(page, values[i % 2]), page, key)
                    tally.latencies.append(elapsed)
                    tally.by_page.setdefault(name, []).append(elapsed)
                    tally.moves.append((time.perf_counter() - t0, elapsed))
                    tally.errors.extend(exceptions)
                except (TimeoutError, OSError, websockets.WebSocketException) as error:
                    tally.failed_requests += 1
                    tally.moves.append((time.perf_counter() - t0, None))
                    tally.errors.append(f"session {number}: move lost: {type(error).__name__}: {error}")
                    if not isinstance(error, TimeoutError):  # the connection is gone: reconnect, keep the page
                        ws = await reconnect(ws, url, tally)
                i += 1
            tally.sessions_done += 1
        finally:
            await ws.close()
    except (TimeoutError, OSError, websockets.WebSocketException) as error:
        tally.errors.append(f"session {number}: {type(error).__name__}: {error}")


async def classroom(url: str, students: int, seconds: float, think: tuple[float, float], join_gap: float) -> Tally:
    tally = Tally()
    t0 = time.perf_counter()
    await asyncio.gather(*(student(url, n, seconds, think, join_gap, tally, t0) for n in range(students)))
    return tally


def figures(tally: Tally, students: int, seconds: float, think: tuple[float, float]) -> dict:
    ms = [t * 1000 for t in tally.latencies] or [float("nan")]
    first = [t * 1000 for t in tally.first_renders] or [float("nan")]
    spans = [(end - took, end) for end, took in tally.moves if took is not None]
    in_flight = [sum(start <= sent < end for start, end in spans) for sent, _ in spans]
    return {
        "students": students,
        "seconds": seconds,
        "think_s": think[0] if think[0] == think[1] else f"{think[0]:g}-{think[1]:g}",
        "reruns": len(tally.latencies),
        "sessions_completed": tally.sessions_done,
        "errors": len(tally.errors),
        "failed_requests": tally.failed_requests,
        "reconnects": tally.reconnects,
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "first_render_p95_ms": round(percentile(first, 0.95), 1),
        # how many moves were on the server when each was sent (itself included): a class in step or spread out
        "in_flight_mean": round(statistics.mean(in_flight), 1) if in_flight else None,
        "in_flight_p90": round(percentile(in_flight, 0.9)) if in_flight else None,
        # which page's rerun makes the tail: its own cost, or its wait behind others' on the server's two cores
        "p50_p95_ms_by_page": {
            page: [round(statistics.median(times) * 1000), round(percentile(times, 0.95) * 1000)]
            for page, times in sorted(tally.by_page.items())
        },
    }


def run_classroom(
    url: str, students: int, seconds: float, think: float | tuple[float, float], join_over: float | None = None
) -> tuple[dict, Tally]:
    """Load an app already running at `url` (http://host:port); the figures and the raw tally."""
    think = (think, think) if isinstance(think, (int, float)) else think
    join_gap = JOIN_SPREAD_SECONDS if join_over is None else join_over / max(students, 1)
    tally = asyncio.run(classroom(url.replace("http", "ws", 1), students, seconds, think, join_gap))
    return figures(tally, students, seconds, think), tally


def run_load(
    students: int, seconds: float, think: float | tuple[float, float] = (2.0, 4.0), join_over: float | None = None
) -> dict:
    """Start a server, run the classroom, stop the server; the figures as a dict."""
    port = free_port()
    server = start_server(port)
    try:
        result, tally = run_classroom(f"http://127.0.0.1:{port}", students, seconds, think, join_over)
        peak = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(20)
    return {**result, "server_peak_rss_mib": round(peak), "first_errors": tally.errors[:5]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60, help="how long each student keeps moving (≤ 600)")
    parser.add_argument(
        "--think", type=float, nargs="+", default=[2.0, 4.0], help="seconds between moves: a range, or one (in step)"
    )
    parser.add_argument("--join-over", type=float, help="seconds over which the students open the link")
    parser.add_argument("--url", help="a server or proxy already running, e.g. http://127.0.0.1:8500")
    args = parser.parse_args()
    think = (args.think[0], args.think[-1])
    seconds = min(args.seconds, 600)
    if args.url:
        result, tally = run_classroom(args.url, args.students, seconds, think, args.join_over)
        result = {"url": args.url, **result, "first_errors": tally.errors[:5]}
    else:
        result = run_load(args.students, seconds, think, args.join_over)
    report(
        "load",
        [{k: v for k, v in result.items() if k != "first_errors"}],
        notes="Errors: " + ("; ".join(result["first_errors"]) or "none"),
    )


if __name__ == "__main__":
    main()
