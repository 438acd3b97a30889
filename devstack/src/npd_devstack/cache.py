"""Where downloaded tools and local cluster data live, and how concurrent runs share them."""

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def cache_dir() -> Path:
    """`NPD_CACHE_DIR`, else `~/.cache/npd`: outside the repo so a fresh clone reuses the downloads."""
    configured = os.environ.get("NPD_CACHE_DIR")
    root = Path(configured).expanduser() if configured else Path.home() / ".cache" / "npd"
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Serialise one-time set-up steps between processes (parallel pytest runs, two terminals)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def free_ports(count: int) -> list[int]:
    """Distinct loopback ports that were free a moment ago; good enough for throw-away test clusters."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:  # all held open at once, so the kernel cannot hand out one port twice
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
