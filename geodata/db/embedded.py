"""A private PostGIS cluster under ``.zongzhi/`` made with the system's initdb/pg_ctl.

``initdb`` and ``postgres`` refuse to run as root, so when we are root the server runs as the
unprivileged ``postgres`` system user and the data directory is made theirs. It listens on TCP
127.0.0.1 only (no Unix socket), with trust auth for that address alone.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from geodata.settings import Settings

SUPERUSER = "zongzhi"
DATABASE = "zongzhi"
SERVICE_USER = "postgres"

APT_HINT = (
    "PostgreSQL with PostGIS is not installed. On Debian/Ubuntu: "
    "sudo apt-get install -y postgresql postgresql-15-postgis-3 "
    "(or your distribution's postgresql-<version>-postgis-3), or set ZONGZHI_DATABASE_URL "
    "to an existing PostGIS database."
)


class EmbeddedError(RuntimeError):
    """The embedded cluster could not be created, started or reached."""


@dataclass(frozen=True)
class PgInstall:
    """One installed PostgreSQL server version that has the PostGIS extension."""

    version: int
    bindir: Path

    def tool(self, name: str) -> str:
        return str(self.bindir / name)


def find_install() -> PgInstall:
    """The newest system PostgreSQL whose share directory holds postgis.control."""
    found: list[PgInstall] = []
    for bindir in glob.glob("/usr/lib/postgresql/*/bin"):
        version = Path(bindir).parent.name
        if not version.isdigit() or not Path(bindir, "initdb").exists():
            continue
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            found.append(PgInstall(int(version), Path(bindir)))
    if not found:
        # Non-Debian layouts: initdb on PATH and pg_config telling the share dir.
        initdb = shutil.which("initdb")
        pg_config = shutil.which("pg_config")
        if initdb and pg_config:
            share = subprocess.run(
                [pg_config, "--sharedir"], capture_output=True, text=True, check=False
            ).stdout.strip()
            if Path(share, "extension", "postgis.control").exists():
                ver = subprocess.run(
                    [pg_config, "--version"], capture_output=True, text=True, check=False
                ).stdout.split()[1]
                return PgInstall(int(ver.split(".")[0]), Path(initdb).parent)
        raise EmbeddedError(APT_HINT)
    return max(found, key=lambda p: p.version)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


class EmbeddedCluster:
    """Create, start, stop and address the private cluster for one ``home`` directory."""

    def __init__(self, settings: Settings, *, port: int | None = None, database: str = DATABASE):
        self.home = settings.resolved_home()
        self.port = port or settings.embedded_port
        self.database = database

    # -- paths -----------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        """Where PGDATA lives: under home, unless the service user cannot reach home (root's $HOME)."""
        pointer = self.home / "pgdata.path"
        if pointer.exists():
            return Path(pointer.read_text().strip())
        return self.home / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "postgres.log"

    def url(self, database: str | None = None, *, role: str = SUPERUSER) -> str:
        """SQLAlchemy URL of a database in this cluster, signed in as ``role``."""
        return "postgresql+psycopg" + self.libpq_url(database, role=role)[len("postgresql") :]

    def libpq_url(self, database: str | None = None, *, role: str = SUPERUSER) -> str:
        """libpq URL of a database, signed in as ``role`` with its password from home."""
        from urllib.parse import quote

        from geodata.db.roles import password

        secret = quote(password(self.home, role), safe="")
        return f"postgresql://{role}:{secret}@127.0.0.1:{self.port}/{database or self.database}"

    def public_url(self, database: str | None = None, *, role: str = SUPERUSER) -> str:
        """The libpq URL without its password (for messages)."""
        return f"postgresql://{role}@127.0.0.1:{self.port}/{database or self.database}"

    def passwords(self) -> dict[str, str]:
        """Every role's password, each made on first use (``home/<role>.password``, 0600)."""
        from geodata.db.roles import APP_ROLE, OWNER_ROLE, password

        return {role: password(self.home, role) for role in (SUPERUSER, APP_ROLE, OWNER_ROLE)}

    # -- process helpers ------------------------------------------------------------------
    def _as_service_user(self, argv: list[str]) -> list[str]:
        if _is_root():
            return ["runuser", "-u", SERVICE_USER, "--", *argv]
        return argv

    def _run(self, argv: list[str], what: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            self._as_service_user(argv), capture_output=True, text=True, check=False, cwd="/"
        )
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            raise EmbeddedError(f"{what} failed: " + " | ".join(detail))
        return proc

    def _choose_data_dir(self) -> Path:
        """Pick PGDATA; as root, fall back to /var/lib/zongzhi when postgres cannot traverse home."""
        self.home.mkdir(parents=True, exist_ok=True)
        default = self.home / "pgdata"
        if not _is_root():
            return default
        shutil.chown(self.home, SERVICE_USER, SERVICE_USER)
        probe = subprocess.run(
            ["runuser", "-u", SERVICE_USER, "--", "test", "-w", str(self.home)],
            check=False,
        )
        if probe.returncode == 0:
            return default
        digest = hashlib.sha1(str(self.home).encode(), usedforsecurity=False).hexdigest()[:12]
        alt = Path("/var/lib/zongzhi") / digest / "pgdata"
        alt.parent.mkdir(parents=True, exist_ok=True)
        shutil.chown(alt.parent, SERVICE_USER, SERVICE_USER)
        (self.home / "pgdata.path").write_text(str(alt))
        return alt

    # -- lifecycle --------------------------------------------------------------------------
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialised():
            return False
        proc = subprocess.run(
            self._as_service_user(
                [find_install().tool("pg_ctl"), "-D", str(self.data_dir), "status"]
            ),
            capture_output=True,
            text=True,
            check=False,
            cwd="/",
        )
        return proc.returncode == 0

    def init(self) -> None:
        """Run initdb once (UTF-8, C.UTF-8 collation-free locale); sign-in by scram password."""
        if self.initialised():
            return
        install = find_install()
        data = self._choose_data_dir()
        if (data / "PG_VERSION").exists():
            return  # a cluster for this home already lives there (its pointer file was lost)
        data.parent.mkdir(parents=True, exist_ok=True)
        if _is_root():
            shutil.chown(data.parent, SERVICE_USER, SERVICE_USER)
        # initdb reads the superuser's password from a file the service user can read, once.
        pwfile = data.parent / ".initdb-pw"
        pwfile.write_text(self.passwords()[SUPERUSER] + "\n", encoding="utf-8")
        pwfile.chmod(0o600)
        if _is_root():
            shutil.chown(pwfile, SERVICE_USER, SERVICE_USER)
        try:
            self._initdb(install, data, pwfile)
        finally:
            pwfile.unlink(missing_ok=True)
        self._configure(data)

    def _initdb(self, install: PgInstall, data: Path, pwfile: Path) -> None:
        self._run(
            [
                install.tool("initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            "initdb",
        )

    def _configure(self, data: Path) -> None:
        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                "\n# zongzhi embedded cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "shared_buffers = '256MB'\n"
                "work_mem = '32MB'\n"
                "maintenance_work_mem = '256MB'\n"
                "max_wal_size = '2GB'\n"
                "fsync = on\n"
                "timezone = 'Asia/Shanghai'\n"
            )

    def start(self, timeout_s: float = 30.0) -> None:
        """Initialise if needed, start the server, create the database and PostGIS."""
        self.init()
        if not self.running():
            if _port_open(self.port):
                raise EmbeddedError(
                    f"port {self.port} on 127.0.0.1 is taken by another program; "
                    "set ZONGZHI_EMBEDDED_PORT to a free port"
                )
            install = find_install()
            self._run(
                [
                    install.tool("pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-o",
                    f"-p {self.port} {self._wal_options()}",
                    "-w",
                    "-t",
                    str(int(timeout_s)),
                    "start",
                ],
                "pg_ctl start",
            )
        self._wait_ready(timeout_s)
        self._ensure_auth()
        self.ensure_database(self.database)
        self._write_state()

    # -- replication (geodata/db/replica.py builds the standby) ----------------------------
    @property
    def replication_marker(self) -> Path:
        """Present while this cluster serves a streaming replica (``zongzhi db replica start``)."""
        return self.home / "replication.enabled"

    def replication_enabled(self) -> bool:
        return self.replication_marker.exists()

    def _wal_options(self) -> str:
        """``postgres`` options for WAL, given at every start so existing clusters follow."""
        if self.replication_enabled():
            # A standby streams the WAL: the whole of it, so loads write WAL as on a managed
            # server. At most 4 senders: a replica plus a pg_basebackup in flight, with room.
            return "-c wal_level=replica -c max_wal_senders=4"
        # A private, single-node cluster: no replicas and no WAL archive, so wal_level=minimal
        # lets a load write a table it truncated (or created) in the same transaction without
        # WAL — the bulk-loading advice of the PostgreSQL manual.
        return "-c wal_level=minimal -c max_wal_senders=0"

    def enable_replication(self, timeout_s: float = 30.0) -> bool:
        """Make this (started) cluster able to feed a streaming replica: the replication role
        and, when it still runs with ``wal_level=minimal``, a restart with WAL for a standby.
        True when the cluster was restarted (every open connection to it was cut)."""
        import psycopg

        from geodata.db.roles import ensure_replication_role

        self.replication_marker.touch()
        ensure_replication_role(self.libpq_url("postgres"), self.home)
        self._ensure_auth()  # the replication line in pg_hba.conf (a reload, no restart)
        with psycopg.connect(self.libpq_url("postgres")) as conn:
            level = conn.execute("SHOW wal_level").fetchone()[0]
        if level != "minimal":
            return False
        self.stop()
        self.start(timeout_s)
        return True

    def disable_replication(self) -> None:
        """Forget the replica: the next start of this cluster is back to ``wal_level=minimal``."""
        self.replication_marker.unlink(missing_ok=True)

    def _ensure_auth(self) -> None:
        """Every role signs in with its scram password over 127.0.0.1 (a cluster made before
        this trusted that address: it gets the superuser's password and the new rules)."""
        import psycopg
        from psycopg import sql

        from geodata.db.roles import REPLICATION_ROLE, ensure_roles

        hba = self.data_dir / "pg_hba.conf"
        wanted = "host all all 127.0.0.1/32 scram-sha-256\n"
        if self.replication_enabled():  # a standby streams over this line, as this role only
            wanted += f"host replication {REPLICATION_ROLE} 127.0.0.1/32 scram-sha-256\n"
        current = hba.read_text(encoding="utf-8") if os.access(hba, os.R_OK) else None
        if current is not None and current != wanted:
            with psycopg.connect(self.libpq_url("postgres"), autocommit=True) as conn:
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(SUPERUSER), sql.Literal(self.passwords()[SUPERUSER])
                    )
                )
                hba.write_text(wanted, encoding="utf-8")
                conn.execute("SELECT pg_reload_conf()")
            time.sleep(0.3)
        ensure_roles(self.libpq_url("postgres"), self.passwords())

    def stop(self) -> None:
        if self.running():
            self._run(
                [
                    find_install().tool("pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                ],
                "pg_ctl stop",
            )

    def destroy(self) -> None:
        """Stop and delete the cluster's files (tests use it to clean up)."""
        self.stop()
        data = self.data_dir
        if data.exists():
            shutil.rmtree(data.parent if data.parent != self.home else data, ignore_errors=True)
        (self.home / "pgdata.path").unlink(missing_ok=True)

    def _wait_ready(self, timeout_s: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout_s
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(self.libpq_url("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError as exc:
                last = exc
                time.sleep(0.2)
        raise EmbeddedError(f"server did not accept connections on port {self.port}: {last}")

    def ensure_database(self, name: str) -> None:
        """Create database ``name`` with PostGIS if it does not exist yet."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.libpq_url("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with psycopg.connect(self.libpq_url(name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        from geodata.db.roles import prepare_database

        prepare_database(self.libpq_url(name), name)

    def drop_database(self, name: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.libpq_url("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def _write_state(self) -> None:
        # No passwords here: they stay in their own 0600 files.
        state = {
            "port": self.port,
            "data_dir": str(self.data_dir),
            "url": f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{self.database}",
        }
        (self.home / "cluster.json").write_text(json.dumps(state, indent=2))

    def status(self) -> dict[str, object]:
        """Plain facts for ``zongzhi db status``."""
        return {
            "data_dir": str(self.data_dir),
            "initialised": self.initialised(),
            "running": self.running(),
            "port": self.port,
            "url": self.public_url(),
            "passwords": f"{self.home}/<role>.password (mode 0600)",
        }
