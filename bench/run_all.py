"""Every benchmark in one go: python -m bench.run_all (or make bench)."""

from bench import rerun, sdpa, startup

if __name__ == "__main__":
    sdpa.main()
    startup.main()
    rerun.main()
