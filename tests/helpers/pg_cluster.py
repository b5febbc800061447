"""A throwaway PostgreSQL server for the tests: Debian's ``postgresql`` package, started in
a temporary folder with ``initdb`` and ``pg_ctl`` on a free port, and stopped afterwards.

PostgreSQL refuses to run as root, so when the tests run as root (as CI does) the server
runs as the unprivileged ``postgres`` system user that Debian's package creates (through
``runuser``). The test process itself connects as the cluster's superuser over the
cluster's own Unix socket (trusted) to create databases, and as an ordinary user
(``kit``, password required) over TCP on 127.0.0.1, as a hub's participant servers would.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

ADMIN = "dsw_admin"
USER = "kit"
PASSWORD = "kit-test-password"
_counter = iter(range(1, 1_000_000))
_counter_lock = threading.Lock()


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's binaries folder, or ``None``."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """One PostgreSQL server in its own temporary folder."""

    def __init__(self, bindir: Path, *, durable: bool = False):
        self.bindir = bindir
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="dsw-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.run_as: str | None = None
        if os.geteuid() == 0:
            self.run_as = "postgres"
            account = pwd.getpwnam(self.run_as)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.root.chmod(0o755)
        self.running = False

    # ----------------------------------------------------------------- commands

    def _command(self, *args: str) -> list[str]:
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--", *args]
        return list(args)

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            self._command(*args), capture_output=True, text=True, cwd=self.root, check=False
        )
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n"
                f"{result.stderr}\n{log}"
            )

    def init(self) -> None:
        pwfile = self.root / "admin-password"
        pwfile.write_text("unused\n")
        if self.run_as:
            account = pwd.getpwnam(self.run_as)
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            ADMIN,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        pwfile.unlink()
        atexit.register(self.stop)

    def start(self) -> None:
        # Tests trade durability across a power cut for speed (the server is thrown away);
        # a benchmark keeps PostgreSQL's defaults.
        speed = "" if self.durable else "-c fsync=off -c full_page_writes=off "
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.root} {speed}"
            "-c max_connections=60 -c shared_buffers=16MB"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            self.running = False
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # ----------------------------------------------------------------- SQL

    def admin(self, sql: str, params: tuple[object, ...] = (), dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.root), port=self.port, user=ADMIN, dbname=dbname, autocommit=True
        ) as conn:
            conn.execute(sql, params)

    def setup_user(self) -> None:
        import psycopg
        from psycopg import sql as pgsql

        with psycopg.connect(
            host=str(self.root), port=self.port, user=ADMIN, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(
                pgsql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    pgsql.Identifier(USER), pgsql.Literal(PASSWORD)
                )
            )

    def url(self, dbname: str, user: str = USER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, prefix: str = "t") -> str:
        with _counter_lock:
            name = f"{prefix}_{os.getpid()}_{next(_counter)}"
        self.admin(f'CREATE DATABASE "{name}" OWNER "{USER}" STRATEGY FILE_COPY')
        return name

    def drop_database(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_cluster(*, durable: bool = False) -> Cluster:
    bindir = postgres_bin()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL's initdb")
    cluster = Cluster(bindir, durable=durable)
    try:
        cluster.init()
        cluster.start()
        cluster.setup_user()
    except BaseException:
        cluster.remove()
        raise
    return cluster
