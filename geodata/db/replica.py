"""A streaming-replication read replica of the embedded cluster, on loopback.

``zongzhi db replica start`` copies the running primary with ``pg_basebackup`` (WAL streamed
alongside, a physical replication slot so the primary keeps what the standby has not replayed,
``-R`` so the copy starts as a hot standby following the primary) and runs it on its own port.
The copy has the primary's roles and passwords, so the app signs in to it as ``zongzhi_app`` and
row-level security holds there too: the scope settings are transaction-local ``set_config``,
which a read-only transaction on a standby may call. A standby refuses every write.

The primary must send WAL for a standby (``wal_level=replica``): the embedded cluster runs with
``wal_level=minimal`` for fast loads until a replica is made, then is restarted once with WAL for
a standby and keeps it (``EmbeddedCluster.enable_replication``) until ``replica remove``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from geodata.db.embedded import (
    DATABASE,
    EmbeddedCluster,
    EmbeddedError,
    _port_open,
    find_install,
)
from geodata.settings import Settings

SLOT = "zongzhi_replica"


class EmbeddedReplica(EmbeddedCluster):
    """The hot standby of the embedded cluster of ``settings`` (port ``replica_port``)."""

    def __init__(self, settings: Settings, *, database: str = DATABASE):
        super().__init__(settings, port=settings.replica_port, database=database)
        self.primary = EmbeddedCluster(settings, database=database)

    @property
    def data_dir(self) -> Path:
        # Beside the primary's data: a place the service user may write when we are root.
        return self.primary.data_dir.parent / "replica"

    @property
    def log_file(self) -> Path:
        return self.primary.data_dir.parent / "replica.log"

    def start(self, timeout_s: float = 60.0) -> None:
        """Start the primary (with WAL for a standby), copy it on first use, start the copy."""
        self.primary.start(timeout_s)
        self.primary.enable_replication(timeout_s)
        if not self.initialised():
            self._base_backup()
        if not self.running():
            if _port_open(self.port):
                raise EmbeddedError(
                    f"port {self.port} on 127.0.0.1 is taken by another program; "
                    "set ZONGZHI_REPLICA_PORT to a free port"
                )
            self._run(
                [
                    find_install().tool("pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-o",
                    f"-p {self.port}",
                    "-w",
                    "-t",
                    str(int(timeout_s)),
                    "start",
                ],
                "pg_ctl start (replica)",
            )
        self._wait_ready(timeout_s)

    def _base_backup(self) -> None:
        """``pg_basebackup`` of the primary into ``data_dir``, made a standby of it (``-R``)."""
        import psycopg

        from geodata.db.roles import REPLICATION_ROLE, password

        with psycopg.connect(self.primary.libpq_url("postgres"), autocommit=True) as conn:
            # A slot left by a replica that was deleted by hand would hold WAL for nobody.
            conn.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                " WHERE slot_name = %s AND NOT active",
                (SLOT,),
            )
        argv = [
            find_install().tool("pg_basebackup"),
            "-D",
            str(self.data_dir),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            REPLICATION_ROLE,
            "-X",
            "stream",
            "-C",
            "-S",
            SLOT,
            "-R",
            "--checkpoint=fast",
            "--no-password",
        ]
        # The password goes in the environment, never on a command line others can list;
        # -R writes it into the standby's primary_conninfo (postgresql.auto.conf, mode 0600).
        env = {**os.environ, "PGPASSWORD": password(self.home, REPLICATION_ROLE)}
        proc = subprocess.run(
            self._as_service_user(argv),
            capture_output=True,
            text=True,
            check=False,
            cwd="/",
            env=env,
        )
        if proc.returncode != 0:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            raise EmbeddedError("pg_basebackup failed: " + " | ".join(detail))

    def remove(self) -> None:
        """Stop the replica, delete its files, drop its slot; the primary's next start is back
        to ``wal_level=minimal``."""
        import psycopg

        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.log_file.unlink(missing_ok=True)
        if self.primary.running():
            with psycopg.connect(self.primary.libpq_url("postgres"), autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                    " WHERE slot_name = %s AND NOT active",
                    (SLOT,),
                )
        self.primary.disable_replication()

    def destroy(self) -> None:
        self.remove()

    def _write_state(self) -> None:  # the primary's cluster.json describes the primary
        return None

    def status(self) -> dict[str, object]:
        """Plain facts for ``zongzhi db replica status``: running, and how far behind."""
        import psycopg

        facts: dict[str, object] = {
            "data_dir": str(self.data_dir),
            "initialised": self.initialised(),
            "running": self.running(),
            "port": self.port,
            "url": self.public_url(),
            "primary_port": self.primary.port,
        }
        if facts["running"]:
            from geodata.read.freshness import REPLICA_STATE_SQL

            with psycopg.connect(self.libpq_url("postgres"), connect_timeout=3) as conn:
                row = conn.execute(REPLICA_STATE_SQL).fetchone()
            facts.update(
                in_recovery=row[0],
                caught_up=row[1],
                last_replayed_commit=row[2].isoformat() if row[2] else None,
                behind_s=None if row[3] is None else round(float(row[3]), 3),
            )
        if self.primary.running():
            with psycopg.connect(self.primary.libpq_url("postgres"), connect_timeout=3) as conn:
                facts["primary_wal_level"] = conn.execute("SHOW wal_level").fetchone()[0]
                slot = conn.execute(
                    "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (SLOT,)
                ).fetchone()
            facts["slot_active"] = None if slot is None else slot[0]
        return facts
