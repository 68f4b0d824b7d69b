"""Every benchmark in one go: python -m bench.run_all (or make bench)."""

from bench import browser, floor, press_profile, rerun, sdpa, startup

if __name__ == "__main__":
    sdpa.main()
    startup.main()
    rerun.main()
    browser.main([])  # starts servers and headless Chromium: on a shared machine, run under flock
    floor.main([])  # the same; reads nothing from browser's results, times the lessons again beside the floor
    press_profile.main([])  # the same; where the multi-head d_model slider's time goes in the browser
