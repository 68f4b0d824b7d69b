"""Every benchmark in one go: python -m bench.run_all (or make bench)."""

from bench import browser, rerun, sdpa, startup

if __name__ == "__main__":
    sdpa.main()
    startup.main()
    rerun.main()
    browser.main([])  # starts a server and headless Chromium: on a shared machine, run under flock
