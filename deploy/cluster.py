"""A lecture hall on one machine: several Streamlit servers behind Debian's nginx, all on loopback.

    python deploy/cluster.py start --replicas 2 --port 8500   # make cluster
    python deploy/cluster.py stop --port 8500                 # make cluster-stop

`start` runs `streamlit run serve.py` on ports PORT+1 … PORT+REPLICAS and nginx on PORT with the
project's config (deploy/nginx/attention-lab.conf), and returns once every server and the proxy
answer /_stcore/health. Run it again to start any server that has died (it rejoins the proxy) and
leave the live ones alone. Everything it starts is written down in .cluster/PORT/ (pid files,
logs, the nginx config and the cookie secret every server shares); `stop` ends exactly those
processes, after checking each pid is still the process that was started.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE_CONFIG = ROOT / "deploy" / "nginx" / "attention-lab.conf"
HOST = "127.0.0.1"
START_TIMEOUT_S = 180  # a fresh server imports torch and the app: ~5 s alone, far more on a busy CI machine

NGINX_CONFIG = """\
# Written by deploy/cluster.py for the servers it started; the proxy itself is {site}.
daemon on;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
events {{ worker_connections 4096; }}

http {{
    access_log off;
    client_body_temp_path {run}/nginx-temp/body;
    proxy_temp_path {run}/nginx-temp/proxy;
    fastcgi_temp_path {run}/nginx-temp/fastcgi;
    uwsgi_temp_path {run}/nginx-temp/uwsgi;
    scgi_temp_path {run}/nginx-temp/scgi;
    upstream attention_lab {{
        hash $affinity consistent;
        # a server that fails once is left out for 5 s, then tried again: a restarted one rejoins
{servers}
    }}
    server {{
        listen {host}:{port};
        include {site};
    }}
}}
"""


def run_dir(port: int) -> Path:
    return ROOT / ".cluster" / str(port)


def replica_ports(port: int, replicas: int) -> list[int]:
    return [port + i for i in range(1, replicas + 1)]


def nginx_config(port: int, replicas: int) -> str:
    servers = "\n".join(
        f"        server {HOST}:{p} max_fails=1 fail_timeout=5s;" for p in replica_ports(port, replicas)
    )
    return NGINX_CONFIG.format(run=run_dir(port), site=SITE_CONFIG, servers=servers, host=HOST, port=port)


def healthy(url: str) -> bool:
    try:
        return urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok"
    except OSError:
        return False


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def ours(pid: int | None, marker: str) -> bool:
    """Whether `pid` is alive and still the process started with `marker` on its command line
    (a pid left in a file may since belong to another process)."""
    if pid is None:
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return marker in command


def replica_marker(port: int) -> str:
    return f"serve.py --server.port {port} "  # the space: 8501 is not 85011


def replica_pid(port: int, replica_port: int) -> int | None:
    """The pid of the server on `replica_port` started for the cluster on `port`, if it still runs."""
    pid = read_pid(run_dir(port) / f"replica-{replica_port}.pid")
    return pid if ours(pid, replica_marker(replica_port)) else None


def cookie_secret(port: int) -> str:
    path = run_dir(port) / "cookie-secret"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text()


def start_replica(port: int, replica_port: int) -> subprocess.Popen:
    run = run_dir(port)
    log = open(run / f"replica-{replica_port}.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(replica_port),
         "--server.address", HOST, "--server.headless", "true"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret(port)},
    )  # fmt: skip
    (run / f"replica-{replica_port}.pid").write_text(f"{process.pid}\n")
    return process


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        raise SystemExit("nginx is not installed: `make cluster` installs Debian's nginx (as root)")
    return found


def nginx_pid(port: int) -> int | None:
    pid = read_pid(run_dir(port) / "nginx.pid")
    return pid if ours(pid, str(run_dir(port) / "nginx.conf")) else None


def start_nginx(port: int, replicas: int) -> None:
    run = run_dir(port)
    config = run / "nginx.conf"
    changed = not config.exists() or config.read_text() != nginx_config(port, replicas)
    config.write_text(nginx_config(port, replicas))
    pid = nginx_pid(port)
    if pid is not None:
        if changed:
            os.kill(pid, signal.SIGHUP)  # nginx reloads its config
        return
    (run / "nginx-temp").mkdir(exist_ok=True)
    binary = nginx_binary()
    test = subprocess.run([binary, "-t", "-q", "-p", str(run), "-e", str(run / "nginx-error.log"), "-c", str(config)],
                          capture_output=True, text=True)  # fmt: skip
    if test.returncode != 0:
        raise SystemExit(f"nginx rejects {config}:\n{test.stderr}")
    subprocess.run([binary, "-p", str(run), "-e", str(run / "nginx-error.log"), "-c", str(config)], check=True)


def wait_until_healthy(port: int, replicas: int, proxy: list[str], started: dict[int, subprocess.Popen]) -> None:
    waiting = [f"http://{HOST}:{p}" for p in replica_ports(port, replicas)] + proxy
    deadline = time.monotonic() + START_TIMEOUT_S
    while waiting:
        waiting = [url for url in waiting if not healthy(url)]
        dead = [p for p, process in started.items() if process.poll() is not None]
        if dead or (waiting and time.monotonic() > deadline):
            problem = f"the server on {dead} exited" if dead else f"no answer from {', '.join(waiting)}"
            raise SystemExit(f"{problem} (logs in {run_dir(port)})")
        time.sleep(0.25)


def start(port: int, replicas: int) -> str:
    """Start what is not running yet; return the proxy's URL once it and every server answer."""
    run = run_dir(port)
    run.mkdir(parents=True, exist_ok=True)
    started = {
        replica_port: start_replica(port, replica_port)
        for replica_port in replica_ports(port, replicas)
        if replica_pid(port, replica_port) is None
    }
    # servers first: nginx leaves out for fail_timeout a server it found not yet listening
    wait_until_healthy(port, replicas, [], started)
    start_nginx(port, replicas)
    url = f"http://{HOST}:{port}"
    wait_until_healthy(port, replicas, [url], started)
    return url


def stop_process(pid: int, marker: str, grace_s: float = 15) -> None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while ours(pid, marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    if ours(pid, marker):
        os.kill(pid, signal.SIGKILL)


def stop(port: int) -> list[int]:
    """Stop the proxy and every server this cluster started; return their pids."""
    run = run_dir(port)
    stopped = []
    pid = nginx_pid(port)
    if pid is not None:
        stop_process(pid, str(run / "nginx.conf"))
        stopped.append(pid)
    for pid_file in sorted(run.glob("replica-*.pid")):
        replica_port = int(pid_file.stem.removeprefix("replica-"))
        pid = replica_pid(port, replica_port)
        if pid is not None:
            stop_process(pid, replica_marker(replica_port))
            stopped.append(pid)
        pid_file.unlink()
    return stopped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--port", type=int, default=8500, help="the proxy's port; servers use the next ones")
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()
    if args.action == "start":
        url = start(args.port, args.replicas)
        print(f"{args.replicas} servers behind nginx: {url} (stop with `make cluster-stop PORT={args.port}`)")
    else:
        stopped = stop(args.port)
        print(f"stopped {len(stopped)} processes" + (f": {', '.join(map(str, stopped))}" if stopped else ""))


if __name__ == "__main__":
    main()
