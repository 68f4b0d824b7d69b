import cProfile
import os
import runpy
import time

profile = cProfile.Profile()
profile.enable()
try:
    runpy.run_path(os.path.join(os.path.dirname(__file__), "app.py"))
finally:
    profile.disable()
    profile.dump_stats(f"/tmp/profs/{time.time():.6f}.prof")
