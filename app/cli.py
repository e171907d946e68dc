"""The ``zongzhi`` command: database, demo data and the web server."""

from __future__ import annotations

import json
import os
import sys
import time

import click

from etl.aliases import KINDS
from geodata.settings import Settings


def _settings() -> Settings:
    return Settings()


def _fail(message: str) -> None:
    click.echo(f"错误 / error: {message}", err=True)
    sys.exit(1)


def _embedded(settings: Settings):  # noqa: ANN202
    from geodata.db.embedded import EmbeddedCluster

    return EmbeddedCluster(settings)


def ensure_database(settings: Settings, *, migrate: bool = True):  # noqa: ANN201
    """Start the embedded cluster when no URL is configured, migrate, and return an engine."""
    from geodata.db import migrate as migrations
    from geodata.db.embedded import EmbeddedError
    from geodata.db.engine import make_engine

    if not settings.database_url:
        try:
            _embedded(settings).start()
        except EmbeddedError as exc:
            _fail(str(exc))
    engine = make_engine(settings)
    if migrate:
        try:
            migrations.upgrade(engine)
        except migrations.MigrationError as exc:
            _fail(str(exc))
    return engine


@click.group(help="zongzhi — 综治中心态势感知系统 (geospatial situational awareness).")
def main() -> None:
    pass


@main.group(help="Manage the database (the embedded PostGIS unless ZONGZHI_DATABASE_URL is set).")
def db() -> None:
    pass


@db.command("start", help="Start the embedded PostGIS cluster (creating it on first use).")
def db_start() -> None:
    settings = _settings()
    if settings.database_url:
        _fail("ZONGZHI_DATABASE_URL is set: the embedded cluster is not used")
    from geodata.db.embedded import EmbeddedError

    started = time.monotonic()
    try:
        cluster = _embedded(settings)
        cluster.start()
    except EmbeddedError as exc:
        _fail(str(exc))
    click.echo(f"PostGIS running at {cluster.libpq_url()} ({time.monotonic() - started:.1f} s)")


@db.command("stop", help="Stop the embedded PostGIS cluster.")
def db_stop() -> None:
    _embedded(_settings()).stop()
    click.echo("stopped")


@db.command("status", help="Show where the database is and whether it answers.")
def db_status() -> None:
    settings = _settings()
    if settings.database_url:
        from geodata.db.engine import make_engine
        from geodata.read.areas import health

        info = {"url": settings.database_url, **health(make_engine(settings))}
    else:
        info = _embedded(settings).status()
    click.echo(json.dumps(info, ensure_ascii=False, indent=2, default=str))


@db.command("migrate", help="Apply all migrations (starts the embedded cluster if needed).")
def db_migrate() -> None:
    from geodata.db import migrate as migrations

    engine = ensure_database(_settings())
    click.echo(f"database at revision {migrations.current(engine)}")


@db.command("reset", help="Drop every table and migrate again from scratch (data is lost).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_reset(yes: bool) -> None:
    from geodata.db import migrate as migrations

    if not yes:
        click.confirm("This deletes all data in the database. Continue?", abort=True)
    engine = ensure_database(_settings(), migrate=False)
    migrations.downgrade(engine)
    migrations.upgrade(engine)
    click.echo(f"database reset to revision {migrations.current(engine)}")


@db.command("url", help="Print the database URL (libpq form).")
def db_url() -> None:
    settings = _settings()
    click.echo(settings.database_url or _embedded(settings).libpq_url())


@main.group(help="Demo data.")
def demo() -> None:
    pass


@demo.command("load", help="Generate and load deterministic demo data for Hohhot.")
@click.option("--scale", type=click.Choice(["small", "full"]), default="small", show_default=True)
@click.option("--seed", type=int, default=20261128, show_default=True)
@click.option("--if-empty", is_flag=True, help="Skip when demo data is already loaded.")
def demo_load(scale: str, seed: int, if_empty: bool) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from etl.demo import DemoConfig, generate
    from etl.demo_load import KIND_ORDER, RELATED_ORDER, already_loaded, load_data, table_counts

    engine = ensure_database(_settings())
    if if_empty and already_loaded(engine):
        click.echo("demo data already loaded; reusing it")
        _demo_users(engine)
        return
    cfg = DemoConfig.for_scale(scale, seed)
    started = time.monotonic()
    steps = ["generate", *KIND_ORDER, *RELATED_ORDER]
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=True
    ) as bar:
        task = bar.add_task(f"demo {scale}: generate", total=len(steps))
        data = generate(cfg)
        bar.advance(task)

        def progress(name: str, seconds: float, rows: int) -> None:
            bar.update(task, advance=1, description=f"demo {scale}: {name} ({rows:,} rows)")

        with engine.begin() as conn:
            report = load_data(conn, cfg, data, progress)
    click.echo(json.dumps(table_counts(report), ensure_ascii=False))
    click.echo(f"loaded in {time.monotonic() - started:.1f} s")
    _demo_users(engine)


def _demo_users(engine) -> None:  # noqa: ANN001
    """Demo accounts leader / analyst / admin; a generated password is shown once, here."""
    from geodata.write.users import ensure_demo_users

    with engine.begin() as conn:
        password = ensure_demo_users(conn)
    if password:
        click.echo(f"演示账号 demo accounts: leader, analyst, admin — password {password}")
        click.echo("  (shown once; set ZONGZHI_DEMO_PASSWORD to choose it)")


@main.command(
    help="Load a departmental file (SHP/GPKG/GeoJSON/FGB/CSV/XLSX). Every row is loaded, "
    "updated, unchanged or quarantined with a reason; re-loading the same file changes nothing."
)
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--crs",
    help="Source CRS when the file has none or it is wrong: EPSG:4490, 4546, gcj02, bd09 ...",
)
@click.option(
    "--encoding",
    type=click.Choice(["auto", "utf-8", "gbk", "gb18030"]),
    default="auto",
    show_default=True,
)
@click.option(
    "--mapping", type=click.Path(dir_okay=False, exists=True), help="YAML column/value mapping."
)
@click.option("--layer", help="Layer (GPKG) or sheet (XLSX) to read.")
@click.option("--dry-run", is_flag=True, help="Validate and count, then roll everything back.")
@click.option(
    "--quarantine-out", type=click.Path(dir_okay=False), help="Write quarantined rows to CSV."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def load(kind, path, crs, encoding, mapping, layer, dry_run, quarantine_out, as_json) -> None:  # noqa: ANN001
    from rich.console import Console

    from etl.load import REASONS, LoadError, load_file
    from etl.readers import ReadError

    engine = ensure_database(_settings())
    try:
        with Console(stderr=True).status(f"loading {kind} ← {path} …"):
            summary = load_file(
                engine,
                kind,
                path,
                crs=crs,
                encoding=encoding,
                mapping=mapping,
                layer=layer,
                dry_run=dry_run,
                quarantine_out=quarantine_out,
            )
    except (ReadError, LoadError) as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
        return
    mode = "（试运行，已回滚 / dry run, rolled back）" if dry_run else ""
    click.echo(f"{kind} ← {path} {mode}")
    click.echo(
        f"读取 read {summary.read} = 新增 inserted {summary.inserted} + 更新 updated "
        f"{summary.updated} + 未变 unchanged {summary.unchanged} + 隔离 quarantined "
        f"{summary.quarantined}"
    )
    if summary.repaired:
        click.echo(f"已修复几何 repaired geometries: {summary.repaired}")
    for reason, n in sorted(summary.by_reason.items(), key=lambda kv: -kv[1]):
        zh, en = REASONS.get(reason, (reason, reason))
        click.echo(f"  {reason:<20} {n:>7}  {zh} / {en}")
    click.echo(f"batch {summary.batch_id}, {summary.seconds:.1f} s")


@main.group(help="Users who sign in to the dashboard (roles: viewer, leader, analyst, admin).")
def user() -> None:
    pass


@user.command("add", help="Create a user; the password is asked for twice, or read from stdin.")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "leader", "analyst", "admin"]), required=True)
@click.option("--district", help="Limit the user to one county-level district (6-digit code).")
@click.option("--display-name", help="Name shown in the app (default: NAME).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first stdin line.")
def user_add(
    name: str, role: str, district: str | None, display_name: str | None, password_stdin: bool
) -> None:
    from geodata.write import users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    engine = ensure_database(_settings())
    try:
        with engine.begin() as conn:
            created = users.add_user(
                conn, name, password, role, display_name=display_name, district_code=district
            )
    except ValueError as exc:
        _fail(str(exc))
    scope = created["district_code"] or "全市 / whole city"
    click.echo(f"user {created['username']} added: role {created['role']}, {scope}")


@user.command("list", help="List users (never their passwords).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def user_list(as_json: bool) -> None:
    from geodata.write import users

    engine = ensure_database(_settings())
    with engine.connect() as conn:
        rows = users.list_users(conn)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, default=str))
        return
    for row in rows:
        state = "active" if row["active"] else "disabled"
        click.echo(
            f"{row['username']:<20} {row['role']:<8} {row['district_code'] or '-':<7} "
            f"{state:<8} {row['display_name']}"
        )


@main.command(help="Serve the dashboard (gunicorn unless --debug).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8050, show_default=True)
@click.option("--debug", is_flag=True, help="Dash dev server with hot reload.")
@click.option("--workers", type=int, default=2, show_default=True)
def serve(host: str, port: int, debug: bool, workers: int) -> None:
    settings = _settings()
    ensure_database(settings)
    if debug:
        from app.main import create_app

        create_app(settings).run(host=host, port=port, debug=True)
        return
    # gunicorn re-imports the factory in each worker; settings come from the environment.
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    argv = [
        gunicorn,
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--timeout",
        "120",
        "app.main:server()",
    ]
    click.echo(f"serving on http://{host}:{port}")
    os.execv(gunicorn, argv)


if __name__ == "__main__":
    main()
