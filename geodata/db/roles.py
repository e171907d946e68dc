"""The database roles: the app's own role (``zongzhi_app``) and the owner that migrates and loads.

The app's role is not superuser, owns nothing and lacks BYPASSRLS, so row-level security
(migration 0013) holds for every request; ``check_app_role`` refuses to serve otherwise. The
owner role (``zongzhi_owner``, BYPASSRLS) runs migrations and loads. In the embedded cluster
both sign in with scram passwords generated into the private home folder (mode 0600); on a
managed PostGIS an administrator creates them (README, docker-compose.yml).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

APP_ROLE = "zongzhi_app"
OWNER_ROLE = "zongzhi_owner"
# Streams WAL to a read replica (``zongzhi db replica start``); it can sign in to no database.
REPLICATION_ROLE = "zongzhi_replicator"


class PrivilegedRoleError(RuntimeError):
    """The app would connect with a role that row-level security does not hold."""


def password(home: Path, role: str) -> str:
    """The role's password kept in ``home`` (``<role>.password``, mode 0600), made on first use."""
    path = home / f"{role}.password"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    home.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(value + "\n")
    return value


def as_role(url: str, role: str, home: Path) -> str:
    """``url`` signed in as ``role`` instead, with the role's password from ``home``."""
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url)
    secret = quote(password(home, role), safe="")
    host = (parts.hostname or "127.0.0.1") + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=f"{role}:{secret}@{host}"))


def ensure_roles(superuser_libpq_url: str, passwords: dict[str, str]) -> None:
    """Create (or update the passwords of) the app and owner roles, as a superuser."""
    import psycopg
    from psycopg import sql

    attributes = {APP_ROLE: "NOSUPERUSER NOBYPASSRLS", OWNER_ROLE: "NOSUPERUSER BYPASSRLS"}
    with psycopg.connect(superuser_libpq_url, autocommit=True) as conn:
        for role, attrs in attributes.items():
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(
                sql.SQL(verb + " ROLE {} LOGIN " + attrs + " PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(passwords[role])
                )
            )


def ensure_replication_role(superuser_libpq_url: str, home: Path) -> None:
    """Create (or update the password of) the replication role, as a superuser."""
    import psycopg
    from psycopg import sql

    secret = password(home, REPLICATION_ROLE)
    with psycopg.connect(superuser_libpq_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (REPLICATION_ROLE,)
        ).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN REPLICATION NOSUPERUSER NOBYPASSRLS PASSWORD {}").format(
                sql.Identifier(REPLICATION_ROLE), sql.Literal(secret)
            )
        )


def prepare_database(superuser_libpq_url: str, database: str) -> None:
    """Give ``database`` and the tables of its public schema to the owner role; let the app in.

    Databases made before the owner role existed belonged to the superuser: their tables move to
    the owner (extension objects stay where they are)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(superuser_libpq_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(database), sql.Identifier(OWNER_ROLE)
            )
        )
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(APP_ROLE)
            )
        )
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(OWNER_ROLE)))
        owned = conn.execute(
            "SELECT c.oid::regclass::text, c.relkind FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
            " AND pg_get_userbyid(c.relowner) <> %s"
            " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid"
            " AND d.deptype = 'e')"
            " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid"
            " AND d.deptype IN ('a', 'i') AND c.relkind = 'S')",
            (OWNER_ROLE,),
        ).fetchall()
        for name, _kind in owned:
            conn.execute(
                sql.SQL("ALTER TABLE " + name + " OWNER TO {}").format(sql.Identifier(OWNER_ROLE))
            )
        functions = conn.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p"
            " JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public' AND p.proname LIKE 'zongzhi%%'"
            " AND pg_get_userbyid(p.proowner) <> %s",
            (OWNER_ROLE,),
        ).fetchall()
        for (signature,) in functions:
            conn.execute(
                sql.SQL("ALTER FUNCTION " + signature + " OWNER TO {}").format(
                    sql.Identifier(OWNER_ROLE)
                )
            )


def check_app_role(engine: Engine) -> None:
    """PrivilegedRoleError when ``engine`` signs in as a superuser, a BYPASSRLS role or the owner
    of any table; an unreachable database is left for the health check to report."""
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT r.rolname, r.rolsuper, r.rolbypassrls,"
                    " (SELECT count(*) FROM pg_class c JOIN pg_namespace n"
                    "   ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
                    "   AND c.relowner = r.oid) AS owned"
                    " FROM pg_roles r WHERE r.rolname = current_user"
                )
            ).one()
    except OperationalError:
        return
    name, superuser, bypass, owned = row
    why = [
        w
        for w, bad in (
            ("is a superuser", superuser),
            ("has BYPASSRLS", bypass),
            (f"owns {owned} table(s)", owned),
        )
        if bad
    ]
    if why:
        raise PrivilegedRoleError(
            f"the app's database role {name!r} {', '.join(why)}: row-level security would not "
            f"hold. Connect as {APP_ROLE!r} (ZONGZHI_DATABASE_URL); migrations and loads use "
            "ZONGZHI_OWNER_DATABASE_URL."
        )
