"""A lecture hall through the proxy: 300 students at a lecture's pace on one server, then the same
students on two, each through `make cluster`'s nginx.

    flock /tmp/browser.lock python -m bench.hall [--port 8660] [--quick]

Each row starts a fresh cluster (deploy/cluster.py), runs `bench.load`'s students through the proxy,
and reads every server's peak resident memory (VmHWM) and the CPU seconds it used before stopping
it. Results: bench/results/hall.json.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bench.common import report
from bench.load import peak_rss_mib, run_classroom
from deploy import cluster

# (servers, students, seconds, think range, seconds over which they join)
FULL = [
    (1, 300, 50, (10.0, 20.0), 35),  # a lecture hall: a control every 10–20 s, on one server
    (2, 300, 50, (10.0, 20.0), 35),  # the same students on two
]
QUICK = [(1, 12, 15, (1.0, 1.0), 3), (2, 12, 15, (1.0, 1.0), 3)]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def run(port: int, servers: int, students: int, seconds: float, think: tuple[float, float], join: float) -> dict:
    cluster.stop(port)
    try:
        url = cluster.start(port, servers)
        pids = [cluster.replica_pid(port, p) for p in cluster.replica_ports(port, servers)]
        before = [cpu_seconds(pid) for pid in pids]
        figures, tally = run_classroom(url, students, seconds, think, join)
        memory = [round(peak_rss_mib(pid)) for pid in pids]
        cpu = [round(cpu_seconds(pid) - b, 1) for pid, b in zip(pids, before)]
    finally:
        cluster.stop(port)
    return {
        "servers": servers,
        **figures,
        "reruns_per_s": round(figures["reruns"] / seconds, 1),
        "peak_rss_mib_per_server": memory,
        "cpu_s_per_server": cpu,
        "first_errors": tally.errors[:3],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8660)
    parser.add_argument("--quick", action="store_true", help="two short rows, to try the bench")
    args = parser.parse_args(argv)
    rows = [run(args.port, *row) for row in (QUICK if args.quick else FULL)]
    errors = "; ".join(e for row in rows for e in row.pop("first_errors")) or "none"
    report("hall", rows, notes=f"Errors: {errors}")


if __name__ == "__main__":
    main()
