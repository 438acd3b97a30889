"""The image's build stages, run where no container engine is: deploy/Containerfile's COPY and `uv sync`
steps are read from the file and carried out in a scratch directory (so the test follows the file), the
migrations are copied out as the image copies them, and a service is migrated and started from that
environment alone, outside the repository, on the test suite's Kafka and PostgreSQL."""

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

from npd_devstack.cache import cache_dir, free_ports

REPO = Path(__file__).resolve().parents[2]
CONTAINERFILE = REPO / "deploy" / "Containerfile"


def build_stage() -> list[str]:
    """The build stage's instructions, continuation lines joined."""
    text = CONTAINERFILE.read_text().replace("\\\n", " ")
    stage = text.split("\nFROM ")[1]  # the first FROM line is the build stage's
    return [line.strip() for line in stage.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv") or str(cache_dir() / "uv-venv" / "bin" / "uv")
    assert Path(found).exists(), f"uv not found at {found}"
    return found


def build(into: Path) -> Path:
    """Carry out the build stage's COPY and `uv sync` steps; the environment's directory."""
    app, out = into / "app", into / "out"
    app.mkdir()
    env = os.environ | {"UV_PYTHON_DOWNLOADS": "never", "UV_PYTHON": sys.executable, "VIRTUAL_ENV": ""}
    for line in build_stage():
        if line.startswith("ENV "):
            env |= dict(re.findall(r"(\w+)=(\S+)", line))
        elif line.startswith("COPY ") and "--from" not in line:
            *sources, target = shlex.split(line)[1:]
            for source in sources:
                destination = app / target / Path(source).name if target.endswith("/") else app / target
                if (REPO / source).is_dir():
                    shutil.copytree(REPO / source, destination, dirs_exist_ok=True, ignore=_no_caches)
                else:
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(REPO / source, destination)
        elif line.startswith("RUN ") and "uv sync" in line:
            sync = re.search(r"uv sync([^&]*)", line)
            assert sync is not None
            env["UV_PROJECT_ENVIRONMENT"] = str(app / ".venv")
            done = subprocess.run(
                [uv(), "sync", *shlex.split(sync.group(1))], cwd=app, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
    for ini in (app / "services").glob("*/alembic.ini"):  # the image keeps these, and no other source
        service_dir = out / "services" / ini.parent.name
        service_dir.mkdir(parents=True)
        shutil.copy(ini, service_dir)
        shutil.copytree(ini.parent / "migrations", service_dir / "migrations", ignore=_no_caches)
    shutil.rmtree(app / "services")  # the runtime stage has no sources: only the environment and migrations
    shutil.rmtree(app / "contracts")
    shutil.rmtree(app / "runtime")
    return app / ".venv"


def _no_caches(_: str, names: list[str]) -> set[str]:
    return {n for n in names if n in ("__pycache__", ".venv", ".mypy_cache", ".ruff_cache")}


def test_the_build_steps_install_every_service_without_the_dev_tools_and_one_starts_from_them(
    tmp_path: Path, service_settings: Callable[..., dict[str, Any]], postgres_cluster: Any
) -> None:
    venv = build(tmp_path)
    python = venv / "bin" / "python"
    imports = "import npd_membership.main, npd_events.main, npd_benchmark.main, npd_notifications.main"
    assert subprocess.run([python, "-c", imports], cwd=tmp_path, capture_output=True).returncode == 0
    devstack = subprocess.run([python, "-c", "import npd_devstack"], cwd=tmp_path, capture_output=True)
    assert devstack.returncode != 0 and not (venv / "bin" / "npd-dev").exists()  # no dev issuer in the image

    settings = service_settings("membership")
    database = postgres_cluster.create_database(f"membership_image_{uuid4().hex[:8]}")
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "MEMBERSHIP_DATABASE_URL": database,
        "KAFKA_BOOTSTRAP_SERVERS": settings["kafka_bootstrap_servers"],
        "OIDC_ISSUER": settings["oidc_issuer"],
        "OIDC_AUDIENCE": settings["oidc_audience"],
        "OIDC_JWKS_URL": settings["oidc_jwks_url"],
        "LOG_LEVEL": "WARNING",
    }
    service_dir = tmp_path / "out" / "services" / "membership"
    migrated = subprocess.run(
        [python, "-m", "alembic", "-c", str(service_dir / "alembic.ini"), "upgrade", "head"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert migrated.returncode == 0, migrated.stderr
    port = free_ports(1)[0]
    command = [python, "-m", "uvicorn", "--factory", "npd_membership.main:create_app", "--port", str(port)]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert _ready(f"http://127.0.0.1:{port}/readyz", process, timeout_s=60), process.stdout
    finally:
        process.terminate()
        process.wait(timeout=15)


def _ready(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    return False
