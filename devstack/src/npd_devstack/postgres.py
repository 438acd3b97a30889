"""A private PostgreSQL cluster on a loopback port, started and stopped by us, never the system one.

Services take `<SERVICE>_DATABASE_URL` from the environment when it is set; only then do they skip
this cluster. That choice is the caller's: this module just runs a cluster and creates databases.
"""

import hashlib
import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path
from typing import Protocol

from npd_devstack.system import apt_install, is_root

USER = "npd"
_OS_USER = "postgres"  # PostgreSQL refuses to run as root; Debian's package creates this account
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresError(RuntimeError):
    pass


class DatabaseServer(Protocol):
    """What tests use of a PostgreSQL server: this module's cluster, or one in a container (containers.py)."""

    port: int

    def create_database(self, name: str) -> str: ...

    def dsn(self, database: str) -> str: ...

    def url(self, database: str) -> str: ...


def check_database_name(name: str) -> None:
    """Names go into SQL unquoted-safe: lower-case snake_case only."""
    if not _NAME.match(name):
        raise ValueError(f"database name {name!r} must be lower-case snake_case")


def find_bindir(install: bool = True) -> Path:
    """pg_config's bindir, else the newest /usr/lib/postgresql/*/bin, else PATH; apt-get as a last resort."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(Path(result.stdout.strip()))
    debian = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()]
    candidates += sorted(debian, key=lambda p: int(p.parent.name), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    if not install:
        raise PostgresError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    apt_install("postgresql")
    return find_bindir(install=False)


def _reachable_by_postgres(directory: Path) -> bool:
    probe = ["runuser", "-u", _OS_USER, "--", "test", "-x", str(directory)]
    return subprocess.run(probe, capture_output=True).returncode == 0


def placement(data_dir: Path) -> Path:
    """Where the cluster really lives.

    As root the cache is typically under /root (mode 0700), which the postgres account cannot
    traverse. Rather than loosen permissions on a home directory, such a cluster lives in
    /var/tmp/npd-postgres-<hash of data_dir> (kept across reboots, unlike /tmp) and `data_dir`
    becomes a symlink to it, so the data can still be found from the cache.
    """
    if not is_root():
        return data_dir
    if data_dir.is_symlink():
        return data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    if _reachable_by_postgres(data_dir.parent):
        return data_dir
    digest = hashlib.sha256(str(data_dir.absolute()).encode()).hexdigest()[:12]
    target = Path("/var/tmp") / f"npd-postgres-{digest}"
    if not data_dir.exists():
        data_dir.symlink_to(target, target_is_directory=True)
    return target


class PostgresCluster:
    """`initdb` once, then start/stop with pg_ctl; trust auth, loopback only, socket inside the cluster dir.

    `tls=(certificate, private key)` (PEM files) also serves TLS with them, for tests of clients' TLS options.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int,
        fsync: bool = True,
        max_connections: int = 200,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self.fsync = fsync  # off only for throw-away test clusters: a crash may corrupt them
        self.max_connections = max_connections
        self.tls = tls
        self.cluster_dir = data_dir
        self.log_file = data_dir / "postgres.log"
        self._bindir: Path | None = None

    def start(self, timeout_s: int = 60) -> None:
        self._bindir = find_bindir()
        self.cluster_dir = placement(self.data_dir)
        self.log_file = self.cluster_dir / "postgres.log"
        if not (self.cluster_dir / "PG_VERSION").is_file():
            self._initdb()
        self._write_settings()
        if self._is_running():
            return  # left over from an interrupted run on the same data: adopt it
        start = ["start", "-w", "-t", str(timeout_s), "-l", str(self.log_file)]
        result = self._pg_ctl(*start)
        if result.returncode != 0:
            raise PostgresError(f"PostgreSQL did not start: {result.stdout}{result.stderr}see {self.log_file}")

    def stop(self) -> None:
        if self._bindir is not None and self._is_running():
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")

    def destroy(self) -> None:
        """Stop and delete the cluster's files; for throw-away test clusters."""
        self.stop()
        shutil.rmtree(self.cluster_dir, ignore_errors=True)
        if self.data_dir.is_symlink():
            self.data_dir.unlink()

    def __enter__(self) -> "PostgresCluster":
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def dsn(self, database: str) -> str:
        """libpq form, for asyncpg.connect and psql."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def url(self, database: str) -> str:
        """SQLAlchemy form, which the services' settings take."""
        return f"postgresql+asyncpg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create `name` unless it exists; return its SQLAlchemy URL."""
        check_database_name(name)
        script = (
            f"SELECT format('CREATE DATABASE %I', '{name}') "
            f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{name}')\\gexec\n"
        )
        psql = [str(self._bin("psql")), "-X", "-q", "-v", "ON_ERROR_STOP=1", self.dsn("postgres")]
        result = subprocess.run(psql, input=script, capture_output=True, text=True)
        # A concurrent creator can win between the check and the CREATE; that is still success.
        if result.returncode != 0 and "already exists" not in result.stderr:
            raise PostgresError(f"creating database {name} failed: {result.stderr}")
        return self.url(name)

    def _bin(self, name: str) -> Path:
        if self._bindir is None:
            raise PostgresError("cluster not started")
        return self._bindir / name

    def _as_owner(self, *command: str) -> list[str]:
        return ["runuser", "-u", _OS_USER, "--", *command] if is_root() else list(command)

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = self._as_owner(str(self._bin("pg_ctl")), "-D", str(self.cluster_dir), *args)
        return subprocess.run(command, capture_output=True, text=True)

    def _is_running(self) -> bool:
        return self._pg_ctl("status").returncode == 0

    def _initdb(self) -> None:
        self.cluster_dir.mkdir(parents=True, exist_ok=True)
        self._hand_to_owner(self.cluster_dir)
        self.cluster_dir.chmod(0o700)
        command = [str(self._bin("initdb")), "-D", str(self.cluster_dir), "-U", USER, "--auth=trust"]
        command += ["-E", "UTF8", "--locale=C"]  # C locale exists everywhere; sorting is by bytes
        if not self.fsync:
            command.append("--no-sync")
        result = subprocess.run(self._as_owner(*command), capture_output=True, text=True)
        if result.returncode != 0:
            raise PostgresError(f"initdb failed: {result.stdout}{result.stderr}")
        with (self.cluster_dir / "postgresql.conf").open("a") as conf:
            conf.write("\ninclude_if_exists = 'npd.conf'\n")

    def _write_settings(self) -> None:
        """Rewritten on every start so the port and fsync flag follow the constructor, not initdb."""
        socket_dir = str(self.cluster_dir).replace("'", "''")
        lines = [
            "listen_addresses = '127.0.0.1'",
            f"port = {self.port}",
            f"unix_socket_directories = '{socket_dir}'",
            f"max_connections = {self.max_connections}",
        ]
        if not self.fsync:
            lines += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        if self.tls is not None:
            self._install_tls(*self.tls)
            lines += ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
        path = self.cluster_dir / "npd.conf"
        path.write_text("\n".join(lines) + "\n")
        self._hand_to_owner(path)

    def _install_tls(self, certificate: Path, key: Path) -> None:
        # PostgreSQL refuses a key that others can read or that is not the server account's own.
        for source, name in ((certificate, "server.crt"), (key, "server.key")):
            target = self.cluster_dir / name
            shutil.copyfile(source, target)
            target.chmod(0o600)
            self._hand_to_owner(target)

    @staticmethod
    def _hand_to_owner(path: Path) -> None:
        if is_root():
            account = pwd.getpwnam(_OS_USER)
            os.chown(path, account.pw_uid, account.pw_gid)
