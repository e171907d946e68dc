"""The ``zongzhi`` command: database, demo data and the web server."""

from __future__ import annotations

import json
import os
import sys
import time

import click

from domain.scope import ROLES
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
    """Start the embedded cluster when no URL is configured, migrate, and return an engine
    signed in as the owner role (migrations, loads and user administration run as the owner)."""
    from geodata.db import migrate as migrations
    from geodata.db.embedded import EmbeddedError
    from geodata.db.engine import make_owner_engine

    if not settings.database_url:
        try:
            _embedded(settings).start()
        except EmbeddedError as exc:
            _fail(str(exc))
    engine = make_owner_engine(settings)
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
    click.echo(f"PostGIS running at {cluster.public_url()} ({time.monotonic() - started:.1f} s)")


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


@db.command("url", help="Print the database URL (libpq form; passwords stay in their files).")
def db_url() -> None:
    settings = _settings()
    click.echo(settings.database_url or _embedded(settings).public_url())


@db.group(
    help="A streaming read replica of the embedded cluster on loopback (pg_basebackup); the app "
    "reads pages and tiles from it with ZONGZHI_READ_FROM_REPLICA=true."
)
def replica() -> None:
    pass


def _replica(settings: Settings):  # noqa: ANN202
    if settings.database_url:
        _fail(
            "ZONGZHI_DATABASE_URL is set: make the managed server's replica with its own tools "
            "and point ZONGZHI_REPLICA_DATABASE_URL at it"
        )
    from geodata.db.replica import EmbeddedReplica

    return EmbeddedReplica(settings)


@replica.command(
    "start",
    help="Start the replica, copying the primary on first use. The first time, the primary is "
    "restarted once with wal_level=replica (its loads then write WAL too).",
)
def replica_start() -> None:
    from geodata.db.embedded import EmbeddedError

    started = time.monotonic()
    try:
        standby = _replica(_settings())
        standby.start()
    except EmbeddedError as exc:
        _fail(str(exc))
    click.echo(
        f"replica running at {standby.public_url()} following {standby.primary.public_url()} "
        f"({time.monotonic() - started:.1f} s); serve with ZONGZHI_READ_FROM_REPLICA=true"
    )


@replica.command("stop", help="Stop the replica (its copy and the primary's slot stay).")
def replica_stop() -> None:
    _replica(_settings()).stop()
    click.echo("stopped")


@replica.command(
    "remove",
    help="Stop the replica, delete its copy and slot; the primary goes back to minimal WAL.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def replica_remove(yes: bool) -> None:
    if not yes:
        click.confirm("Delete the replica's files?", abort=True)
    _replica(_settings()).remove()
    click.echo("removed (the primary keeps wal_level=replica until its next restart)")


@replica.command("status", help="Whether the replica runs and how far behind the primary it is.")
def replica_status() -> None:
    click.echo(json.dumps(_replica(_settings()).status(), ensure_ascii=False, indent=2))


@main.group(help="Move old data out of the live tables (owner role).")
def archive() -> None:
    pass


@archive.command(
    "patrols",
    help="Detach the monthly patrol_visit partitions before DAY (a month's first day) into the "
    "archive schema; then `pg_dump -t 'archive.patrol_visit_*'` and drop them.",
)
@click.option("--before", "before", required=True, help="YYYY-MM-DD: months wholly before it go")
@click.option("--dry-run", is_flag=True, help="Only list the partitions and their rows.")
@click.option("--json", "as_json", is_flag=True)
def archive_patrols(before: str, dry_run: bool, as_json: bool) -> None:
    from datetime import date

    from geodata.write.archive import detach_patrol_months

    try:
        day = date.fromisoformat(before)
    except ValueError:
        _fail(f"--before {before!r} is not a date (YYYY-MM-DD)")
    engine = ensure_database(_settings())
    with engine.begin() as conn:
        moved = detach_patrol_months(conn, day, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps({"dry_run": dry_run, "partitions": moved}, ensure_ascii=False))
        return
    for item in moved:
        click.echo(f"{item['partition']}: {item['rows']:,} visits")
    verb = "would move" if dry_run else "moved to the archive schema"
    click.echo(f"{len(moved)} month(s) {verb}")


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
    _after_load(engine, cfg.as_of)
    _demo_users(engine)


def _after_load(engine, as_of) -> None:  # noqa: ANN001
    """What the app's jobs keep up to date, done once for freshly loaded data: every case's
    risk colour, the day's patrol tasks and the early-warning episodes."""
    from datetime import datetime, time

    from domain.clock import LOCAL_TZ
    from geodata.write import risk as risk_writes
    from geodata.write import tasks as task_writes
    from geodata.write import warnings as warning_writes

    moment = datetime.combine(as_of, time(7), LOCAL_TZ)
    with engine.begin() as conn:
        coloured = risk_writes.refresh(conn, everything=True, now=moment)
        made = task_writes.generate(conn, as_of, moment)
        alerts = warning_writes.refresh(conn, as_of)
    click.echo(
        f"risk colours: {coloured} · tasks: {made['created']} · alerts: {alerts['open']} open"
    )


def _demo_users(engine) -> None:  # noqa: ANN001
    """The demo accounts, one per role; a generated password is shown once, here."""
    from geodata.write.users import DEMO_USERS, ensure_demo_users

    with engine.begin() as conn:
        password = ensure_demo_users(conn)
    if password:
        names = ", ".join(u[0] for u in DEMO_USERS)
        click.echo(f"演示账号 demo accounts: {names} — password {password}")
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


@main.group(
    help="Users who sign in. Roles: city, district, township, grid_worker (--area CODE of that"
    " level), department (--department CODE), analyst (--area optional), display (the wall), admin."
)
def user() -> None:
    pass


def _read_password(from_stdin: bool, prompt: str) -> str:
    """The first stdin line, or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


@user.command("add", help="Create a user; the password is asked for twice, or read from stdin.")
@click.argument("name")
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--area", help="Jurisdiction: a district, township or grid code (default: the city).")
@click.option("--department", help="A department user's department code.")
@click.option("--display-name", help="Name shown in the app (default: NAME).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first stdin line.")
def user_add(
    name: str,
    role: str,
    area: str | None,
    department: str | None,
    display_name: str | None,
    password_stdin: bool,
) -> None:
    from geodata.write import users

    password = _read_password(password_stdin, "密码 / password")
    engine = ensure_database(_settings())
    try:
        with engine.begin() as conn:
            created = users.create_user(
                conn,
                name,
                password,
                role,
                display_name=display_name,
                area_code=area,
                department_code=department,
            )
    except ValueError as exc:
        _fail(str(exc))
    scope = created["department_code"] or created["area_code"]
    click.echo(f"user {created['username']} added: role {created['role']}, {scope}")


@user.command("disable", help="Disable a user: every session ends at once.")
@click.argument("name")
def user_disable(name: str) -> None:
    _set_active(name, False)


@user.command("enable", help="Enable a disabled user again (old sessions stay ended).")
@click.argument("name")
def user_enable(name: str) -> None:
    _set_active(name, True)


def _set_active(name: str, active: bool) -> None:
    from geodata.write import users

    engine = ensure_database(_settings())
    try:
        with engine.begin() as conn:
            ended = users.set_active(conn, name, active)
    except ValueError as exc:
        _fail(str(exc))
    state = "enabled" if active else f"disabled, {ended} session(s) ended"
    click.echo(f"user {name} {state}")


@user.command("passwd", help="Set a new password (asked twice, or --password-stdin); sessions end.")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first stdin line.")
def user_passwd(name: str, password_stdin: bool) -> None:
    from geodata.write import users

    password = _read_password(password_stdin, "新密码 / new password")
    engine = ensure_database(_settings())
    try:
        with engine.begin() as conn:
            ended = users.set_password(conn, name, password)
    except ValueError as exc:
        _fail(str(exc))
    click.echo(f"user {name}: password changed, {ended} session(s) ended")


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
            f"{row['username']:<20} {row['role']:<12} "
            f"{row['area_code'] or row['department_code'] or '-':<16} "
            f"{state:<8} {row['display_name']}"
        )


@main.command(help="Serve the dashboard (gunicorn unless --debug).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8050, show_default=True)
@click.option("--debug", is_flag=True, help="Dash dev server with hot reload.")
@click.option("--workers", type=int, default=2, show_default=True)
def serve(host: str, port: int, debug: bool, workers: int) -> None:
    from app.web import secret

    settings = _settings()
    try:
        secret.resolve(settings)  # before anything starts: one clear line instead of a worker crash
    except secret.SecretKeyError as exc:
        _fail(str(exc))
    ensure_database(settings)
    from geodata.db.engine import make_engine
    from geodata.db.roles import PrivilegedRoleError, check_app_role

    try:
        check_app_role(make_engine(settings))
    except PrivilegedRoleError as exc:
        _fail(str(exc))
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
        # Longer than the database's statement timeout: a slow query is cancelled and answered
        # before gunicorn would kill the worker.
        "--timeout",
        str(max(120, settings.statement_timeout_ms // 1000 + 30)),
        "--graceful-timeout",
        "30",
        "app.main:server()",
    ]
    click.echo(f"serving on http://{host}:{port}")
    os.execv(gunicorn, argv)


if __name__ == "__main__":
    main()


@main.command(
    "escalate",
    help="Automatic 督办 now: every open case whose deadlines call for 提醒, 督办 or 挂牌督办 gets it"
    " (the app does this every ZONGZHI_ESCALATION_INTERVAL_S seconds; this is for cron).",
)
@click.option("--at", "at", help="Act as of this local time (YYYY-MM-DDTHH:MM), not now.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def escalate(at: str | None, as_json: bool) -> None:
    from datetime import datetime

    from domain.clock import LOCAL_TZ
    from geodata.write import cases
    from geodata.write.cases import SYSTEM_ACTOR

    moment = None
    if at:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            _fail(f"--at must look like 2026-12-04T09:00, not {at!r}")
        moment = moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)
    settings = _settings()
    engine = ensure_database(settings)
    with engine.begin() as conn:
        done = cases.escalate(conn, SYSTEM_ACTOR, now=moment, thresholds=settings.sla_thresholds())
    levels: dict[int, int] = {}
    for outcome in done:
        levels[outcome.level] = levels.get(outcome.level, 0) + 1
    if as_json:
        click.echo(json.dumps({"escalated": len(done), "by_level": levels}))
    else:
        click.echo(f"督办: {len(done)} case(s) escalated " + json.dumps(levels))


@main.command(
    "warnings",
    help="Early warning (研判预警): the alerts open as of a day — area × dispute type whose cases"
    " rose above what their own history expects (EARS C2 / negative-binomial CUSUM).",
)
@click.option("--area", help="Only areas under this code (district, township or community).")
@click.option("--as-of", "as_of", help="The day to judge (YYYY-MM-DD; default today).")
@click.option("--json", "as_json", is_flag=True, help="One JSON array.")
@click.option("--store", is_flag=True, help="Also store the episodes for the desk (alert_episode).")
def warnings_(area: str | None, as_of: str | None, as_json: bool, store: bool) -> None:
    from datetime import date

    from domain.clock import today
    from geodata.read import warnings as reading
    from geodata.write import warnings as writing

    if area is not None and (not area.isdigit() or len(area) not in (6, 9, 12)):
        _fail(f"--area must be a district, township or community code, not {area!r}")
    try:
        day = date.fromisoformat(as_of) if as_of else today()
    except ValueError:
        _fail(f"--as-of must look like 2026-12-04, not {as_of!r}")
    engine = ensure_database(_settings())
    with engine.begin() as conn:
        found = reading.episodes_as_of(conn, day, area)
        stored = writing.refresh(conn, day) if store else None
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    click.echo(f"预警 / open alerts as of {day}: {len(found)}")
    for e in found:
        click.echo(
            f"{e['area_code']:<12} {e['type_code']:<14} opened {e['opened']}  observed"
            f" {e['observed']:>4.0f}  expected {e['expected']:>6.2f}  statistic"
            f" {e['statistic']:>6.2f}  {e['method']}"
        )
    if stored is not None:
        click.echo(f"stored: {json.dumps(stored)}")


@main.group(help="Patrol tasks (巡查任务): the morning's list per grid, closed by covering visits.")
def tasks() -> None:
    pass


@tasks.command(
    "generate", help="Make the day's tasks (kept once per target) and close covered ones."
)
@click.option("--date", "day", help="The day (YYYY-MM-DD; default today).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def tasks_generate(day: str | None, as_json: bool) -> None:
    from datetime import date, datetime, time

    from domain.clock import LOCAL_TZ, today
    from geodata.write import tasks as task_writes

    try:
        when = date.fromisoformat(day) if day else today()
    except ValueError:
        _fail(f"--date must look like 2026-12-04, not {day!r}")
    engine = ensure_database(_settings())
    now = datetime.now(LOCAL_TZ) if when == today() else datetime.combine(when, time(7), LOCAL_TZ)
    with engine.begin() as conn:
        out = task_writes.generate(conn, when, now)
    click.echo(json.dumps(out) if as_json else f"巡查任务 {when}: " + json.dumps(out))


@main.group(help="Case risk colours 红/橙/黄/蓝 (domain.risk): which rules fired for each case.")
def risk() -> None:
    pass


@risk.command("refresh", help="Assess the open cases again (--all: every case).")
@click.option("--all", "everything", is_flag=True, help="Every case, closed ones too.")
def risk_refresh(everything: bool) -> None:
    from geodata.write import risk as risk_writes

    engine = ensure_database(_settings())
    with engine.begin() as conn:
        changed = risk_writes.refresh(conn, everything=everything)
    click.echo(f"风险等级 / risk colours changed: {changed}")


@main.command(
    "report",
    help="An area report from the map's filters: PDF, XLSX, GeoPackage or CSV. Runs as the named"
    " user (--as; their jurisdiction and masking apply) and leaves an audit row.",
)
@click.option("--area", required=True, help="Area code (the city's own code for the whole city).")
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day, YYYY-MM-DD.")
@click.option("--types", default="", help="Dispute types, comma-separated (default all).")
@click.option("--sources", default="", help="Sources, comma-separated (default all).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "gpkg", "csv"]), required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--as", "as_user", help="Run as this user (default: the owner, whole city, unmasked"
              " reads are still masked in the report).")  # fmt: skip
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def report(area, start, end, types, sources, fmt, output, as_user, lang) -> None:  # noqa: ANN001, PLR0913
    from datetime import date

    from domain.scope import Scope
    from geodata.db.engine import make_engine
    from geodata.db.scope import apply_scope
    from geodata.write.users import get_user
    from reports.build import build
    from reports.data import ReportRequest

    try:
        request = ReportRequest(
            area, date.fromisoformat(start), date.fromisoformat(end),
            tuple(x for x in types.split(",") if x), tuple(x for x in sources.split(",") if x),
        )  # fmt: skip
    except ValueError:
        _fail("--from and --to must look like 2026-12-04")
    settings = _settings()
    owner = ensure_database(settings)
    user, role = "cli", "admin"
    engine = owner
    scope = None
    if as_user:
        with owner.connect() as conn:
            found = get_user(conn, as_user)
        if found is None or not found["active"]:
            _fail(f"no active user {as_user!r}")
        scope = Scope.of_user(found)
        if not scope.may("reports.export"):
            _fail(f"user {as_user!r} ({found['role']}) may not export reports")
        user, role = found["username"], found["role"]
        engine = make_engine(settings)  # the app's own role: row-level security applies
    started = time.monotonic()
    try:
        with engine.begin() as conn:
            if scope is not None:
                apply_scope(conn, scope)
            out = build(conn, request, fmt, output, user=user, role=role, lang=lang)
    except ValueError as exc:
        _fail(str(exc))
    click.echo(f"{fmt}: {output} ({time.monotonic() - started:.1f} s) " + json.dumps(
        {k: v for k, v in out.items() if k not in ("path", "format")}, ensure_ascii=False))  # fmt: skip


class _ClassifyGroup(click.Group):
    """``zongzhi classify train`` trains; any other first word (or none) classifies: the
    arguments go to the ``text`` command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["text", *args]
        return super().parse_args(ctx, args)


@main.group(
    "classify",
    cls=_ClassifyGroup,
    help="Dispute type from a complaint's text (诉求内容): `zongzhi classify train` learns it from"
    " the labelled cases in the database; `zongzhi classify [--top N] [--json] [TEXT ...]`"
    " classifies the texts given, or one text per line of standard input.",
)
def classify_() -> None:
    pass


@classify_.command(
    "train",
    help="Learn type (and so lead department) from every labelled case's title and description;"
    " store the model as the active one with its held-out metrics.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
@click.option("--if-missing", is_flag=True, help="Do nothing when a model is already trained.")
def classify_train(as_json: bool, if_missing: bool) -> None:
    from classify.model import KIND
    from classify.train import NoTrainingData, train
    from geodata.read.texts import active_text_model

    engine = ensure_database(_settings())
    if if_missing:
        with engine.connect() as conn:
            found = active_text_model(conn, KIND)
        if found is not None:
            click.echo(f"text model {found['id']} already trained at {found['trained_at']}")
            return
    try:
        result = train(engine)
    except NoTrainingData as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    f1, top1, top3 = (result[k] for k in ("macro_f1", "top1_accuracy", "top3_accuracy"))
    click.echo(
        f"text model {result['id']}: {result['cases']} cases, {len(result['types'])} types,"
        f" {result['features']}, {result['seconds']} s"
    )
    if f1 is None:
        click.echo("too few cases to hold any out: no held-out metrics")
        return
    click.echo(
        f"held out {result['test_size']} (trained on {result['train_size']}):"
        f" macro-F1 {f1:.3f}  top-1 {top1:.3f}  top-3 {top3:.3f}"
    )
    for code, value in sorted(result["per_type_f1"].items(), key=lambda kv: kv[1]):
        click.echo(f"  {code:<16} F1 {value:.3f}")


_CLASSIFY_BATCH = 2_000


@classify_.command(
    "text",
    help="Classify each TEXT (or, without one, each line of standard input): the most likely"
    " types with probabilities and the lead department. `zongzhi classify TEXT` is the same.",
)
@click.argument("texts", nargs=-1)
@click.option("--top", type=click.IntRange(1, 50), default=3, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per text, one per line.")
def classify_text(texts: tuple[str, ...], top: int, as_json: bool) -> None:
    from itertools import islice

    from classify.active import ModelUnusable, load_active, records

    engine = ensure_database(_settings())
    try:
        with engine.connect() as conn:
            model = load_active(conn)
    except ModelUnusable as exc:
        _fail(str(exc))
    if model is None:
        _fail("no trained text model: run `zongzhi classify train` first")
    lines = iter(texts) if texts else (line.rstrip("\r\n") for line in sys.stdin)
    items = (t for t in lines if t.strip())
    while batch := list(islice(items, _CLASSIFY_BATCH)):
        for record in records(model, batch, top):
            if as_json:
                click.echo(json.dumps(record, ensure_ascii=False))
                continue
            guesses = "  ".join(f"{g['name']} {g['p']:.2f}" for g in record["types"])
            click.echo(f"{guesses}  → {record['department']}\t{record['text']}")


@main.group(
    help="API keys of the source systems that post cases (Open311 intake, /open311/v2/): one per"
    " source (hotline/12345, police/110, court, petition, grid_worker, walk_in, other)."
)
def token() -> None:
    pass


@token.command("add", help="Make a key for SRC and print it once (only its SHA-256 is kept).")
@click.option(
    "--source", "source", required=True, help="The source: a code or its spelling (12345)."
)
@click.option("--name", help="What the key is for (default: the source).")
def token_add(source: str, name: str | None) -> None:
    from geodata.write import tokens

    engine = ensure_database(_settings())
    try:
        with engine.begin() as conn:
            token_id, key = tokens.add(conn, source, name)
    except ValueError as exc:
        _fail(str(exc))
    click.echo(f"token {token_id} for {tokens.source_code(source)} (shown once; keep it safe):")
    click.echo(key)


@token.command("list", help="List keys: id, source, name, dates (never a key or its hash).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def token_list(as_json: bool) -> None:
    from geodata.write import tokens

    engine = ensure_database(_settings())
    with engine.connect() as conn:
        rows = tokens.list_tokens(conn)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, default=str))
        return
    for row in rows:
        state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "active"
        used = f"{row['last_used_at']:%Y-%m-%d %H:%M}" if row["last_used_at"] else "never used"
        click.echo(f"{row['id']:<5} {row['source']:<12} {state:<24} {used:<18} {row['name']}")


@token.command("revoke", help="Revoke key ID at once.")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    from geodata.write import tokens

    engine = ensure_database(_settings())
    try:
        with engine.begin() as conn:
            tokens.revoke(conn, token_id)
    except ValueError as exc:
        _fail(str(exc))
    click.echo(f"token {token_id} revoked")
