"""(c) cold start to first render, (d) resident memory after loading MiniLM, one training run."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.common import ROOT, report

FIRST_RENDER = """
import sys, time
start = time.perf_counter()
sys.path.insert(0, {root!r})
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=300).run()
{switch}
assert not at.exception, at.exception
print(time.perf_counter() - start)
"""

RSS_AFTER_MODEL = """
import sys
sys.path.insert(0, {root!r})
def rss_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
before = rss_mib()
from core.model import load_encoder
encoder = load_encoder(device="cpu")
encoder.run("The animal didn't cross the road because it was tired")
print(before, rss_mib())
"""


def python(code: str) -> str:
    return (
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        )
        .stdout.strip()
        .splitlines()[-1]
    )


def main() -> None:
    rows = []
    for label, switch in (
        ("app.py, home page", ""),
        ("app.py, Inside a real model", 'at.switch_page("lessons/real_model.py").run()'),
    ):
        wall = float(python(FIRST_RENDER.format(root=str(ROOT), app=str(ROOT / "app.py"), switch=switch)))
        rows.append({"measure": f"cold start to first render: {label}", "value": f"{wall:.2f} s"})
    before, after = map(float, python(RSS_AFTER_MODEL.format(root=str(ROOT))).split())
    rows.append({"measure": "resident memory, fresh Python", "value": f"{before:.0f} MiB"})
    rows.append({"measure": "resident memory after loading MiniLM and one sentence", "value": f"{after:.0f} MiB"})

    sys.path.insert(0, str(ROOT))
    from core.training import TrainConfig, train

    start = time.perf_counter()
    train(TrainConfig())
    rows.append(
        {
            "measure": "one training run (default settings, 150 steps, CPU)",
            "value": f"{time.perf_counter() - start:.2f} s",
        }
    )
    report("startup", rows, notes="Each cold start is a new Python process (imports included).")


if __name__ == "__main__":
    main()
