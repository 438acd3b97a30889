"""Finding (and on a fresh root machine installing) the system tools the launcher drives."""

import os
import shutil
import subprocess


class ToolMissingError(RuntimeError):
    pass


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(package: str) -> None:
    """Install a Debian package; only as root, because a developer's own machine is theirs to manage."""
    if not is_root() or shutil.which("apt-get") is None:
        raise ToolMissingError(f"{package} is not installed; install it (Debian: apt-get install {package})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env)


def require_tool(name: str, apt_package: str) -> str:
    """Path of an executable on PATH, installing its Debian package first if it is missing."""
    found = shutil.which(name)
    if found is None:
        apt_install(apt_package)
        found = shutil.which(name)
    if found is None:
        raise ToolMissingError(f"{name} still not found after installing {apt_package}")
    return found
