"""Classroom load: N students on one local server, each moving a slider for a bounded time.

    python -m bench.load --students 30 --seconds 60

Starts `streamlit run app.py` on a free loopback port, opens N websocket sessions (the same
protocol the browser speaks), and in each one moves a slider back and forth, timing every rerun
from request to "script finished". Reports p50/p95 latency, errors (exceptions on the page or
dropped connections) and the server's peak resident memory. The model page is in the mix, so
the figure includes MiniLM, loaded once per process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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

from bench.common import ROOT, percentile, report

JOIN_SPREAD_SECONDS = 0.3
# (page url, slider key, two values to alternate)
MOVES = [
    ("first_principles", "fp_temperature", (0.5, 1.5)),
    ("qkv", "qkv_d_k", (4, 8)),
    ("positional_encoding", "pe_positions", (40, 60)),
    ("real_model", "real_head", (0, 3)),
    ("multi_head", "mha_layers", (1, 2)),
    ("why_attention", "why_max_n", (32, 64)),
]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sessions_done: int = 0


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
            str(ROOT / "app.py"),
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


async def rerun(ws, message: BackMsg, slider_key: str) -> tuple[float, dict]:
    """Send one rerun request; wait for the script to finish. Returns (seconds, facts)."""
    start = time.perf_counter()
    await ws.send(message.SerializeToString())
    facts: dict = {"exceptions": []}
    while True:
        forward = ForwardMsg()
        forward.ParseFromString(await ws.recv())
        kind = forward.WhichOneof("type")
        if kind == "new_session":
            facts["page_hash"] = forward.new_session.page_script_hash
        elif kind == "page_info_changed" or kind == "page_not_found":
            pass
        elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception":
                facts["exceptions"].append(element.exception.message[:200])
            elif which == "slider" and element.slider.id.endswith(slider_key):
                facts["slider_id"] = element.slider.id
        elif kind == "script_finished":
            return time.perf_counter() - start, facts


async def student(url: str, number: int, seconds: float, think: float, tally: Tally) -> None:
    page, key, values = MOVES[number % len(MOVES)]
    await asyncio.sleep(number * JOIN_SPREAD_SECONDS)  # students open the link over the first seconds, not at once
    try:
        async with websockets.connect(
            f"{url}/_stcore/stream", subprotocols=["streamlit"], max_size=None, open_timeout=60
        ) as ws:
            first = BackMsg()
            first.rerun_script.page_name = page
            _, facts = await rerun(ws, first, key)  # first render (the model page may load MiniLM here)
            tally.errors.extend(facts["exceptions"])
            if "slider_id" not in facts:
                tally.errors.append(f"{page}: slider {key} not found")
                return
            deadline, i = time.perf_counter() + seconds, 0
            while time.perf_counter() < deadline:
                move = BackMsg()
                move.rerun_script.page_name = page
                move.rerun_script.page_script_hash = facts.get("page_hash", "")
                widget = move.rerun_script.widget_states.widgets.add()
                widget.id = facts["slider_id"]
                widget.double_array_value.data.append(values[i % 2])  # how a browser sends a slider
                elapsed, moved = await rerun(ws, move, key)
                tally.latencies.append(elapsed)
                tally.errors.extend(moved["exceptions"])
                i += 1
                await asyncio.sleep(think)  # the student looks at the result before moving again
            tally.sessions_done += 1
    except (TimeoutError, OSError, websockets.WebSocketException) as error:
        tally.errors.append(f"session {number}: {type(error).__name__}: {error}")


async def classroom(url: str, students: int, seconds: float, think: float) -> Tally:
    tally = Tally()
    await asyncio.gather(*(student(url, n, seconds, think, tally) for n in range(students)))
    return tally


def run_load(students: int, seconds: float, think: float = 3.0) -> dict:
    """Start a server, run the classroom, stop the server; the figures as a dict."""
    port = free_port()
    server = start_server(port)
    try:
        tally = asyncio.run(classroom(f"ws://127.0.0.1:{port}", students, seconds, think))
        peak = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(20)
    ms = [t * 1000 for t in tally.latencies] or [float("nan")]
    return {
        "students": students,
        "seconds": seconds,
        "think_s": think,
        "reruns": len(tally.latencies),
        "sessions_completed": tally.sessions_done,
        "errors": len(tally.errors),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "server_peak_rss_mib": round(peak),
        "first_errors": tally.errors[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60, help="at most 60")
    parser.add_argument("--think", type=float, default=3.0, help="seconds a student waits between moves")
    args = parser.parse_args()
    figures = run_load(args.students, min(args.seconds, 60), args.think)
    report(
        "load",
        [{k: v for k, v in figures.items() if k != "first_errors"}],
        notes="Errors: " + ("; ".join(figures["first_errors"]) or "none"),
    )


if __name__ == "__main__":
    main()
