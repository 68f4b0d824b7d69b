"""bench/rerun.py runs a press inside a fragment as the server does: only that fragment. Run in a process of
its own, because the bench patches AppTest's script runner (a shared script cache, scoped reruns)."""

import json
import subprocess
import sys

from bench.common import ROOT

SCRIPT = """
import json
from bench.rerun import _LAST_MESSAGES, AppTest, ROOT, fragment_of, time_moves

at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
at.switch_page("lessons/cost.py").run()
fragment = fragment_of("cost_d")
whole = len(_LAST_MESSAGES)
time_moves(at, "slider", "cost_d", (128, 256), 2, fragment)
drawn_by = sorted({m.delta.fragment_id for m in _LAST_MESSAGES if m.HasField("delta")})
print(json.dumps({"fragment": fragment, "whole": whole, "scoped": len(_LAST_MESSAGES), "drawn_by": drawn_by,
                  "d": at.session_state["cost_d"]}))
"""


def test_a_press_inside_a_fragment_reruns_only_that_fragment():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    run = json.loads(done.stdout.strip().splitlines()[-1])
    assert run["fragment"], "cost's d slider is drawn inside a fragment"
    assert run["drawn_by"] == [run["fragment"]], run  # nothing of the page outside the fragment ran
    assert 0 < run["scoped"] < run["whole"]
    assert run["d"] == 256  # the presses reached the session: the second of the two moves
