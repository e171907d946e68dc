"""Audit trail search benchmark: the /audit page's queries on a large log, as the app runs them.

    python -m bench.audit [--scale full|small] [--rows N] [--repeat 20] [--out bench/out/audit.json]

Into its own database (``zongzhi_audit_bench`` in the embedded cluster, or
ZONGZHI_BENCH_DATABASE_URL) it loads a synthetic log of ``--rows`` entries (by default the
``--scale``'s: full 2,000,000, small 20,000) over about 16 months (sign-ins, case actions, patrol
tasks, whistles, 3,000 users and ``system``), once; a log that holds more already is measured as
it is (the JSON records the scale asked and the entries found). Then, signed in as the app's
role with an administrator's scope (row-level security holds), it times one page (50 rows) of
each kind of search, the capped count, a deep page, the action list and the user list. Baselines
in the same run: every search again without the indexes of migration 0026 (dropped inside a
transaction that is rolled back), a deep page by OFFSET instead of the keyset, and the action
list by SELECT DISTINCT. Wall times of the Python call; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from bench.common import AUDIT_LOG_ROWS, SCALES, bench_app_url, bench_url, pct, timed
from domain.clock import LOCAL_TZ, midnight
from domain.scope import Scope
from geodata.db.engine import make_engine
from geodata.db.roles import APP_ROLE
from geodata.db.scope import apply_scope
from geodata.read import audit
from geodata.read import users as user_reading
from geodata.settings import Settings

AUDIT_BENCH_DATABASE = "zongzhi_audit_bench"
CITY = "150100"
INDEXES_0026 = ("ix_audit_log_action_at", "ix_audit_log_object")
# A synthetic year of a city's audit trail: shares of each kind of entry.
LOAD = """
INSERT INTO audit_log (at, user_name, role, action, object, detail)
SELECT now() - (i * interval '1 second' * :spacing),
       CASE WHEN a < 0.1 THEN 'system' ELSE 'u' || lpad(((i::bigint * 7919) % 3000)::text, 4, '0') END,
       'district',
       CASE WHEN a < 0.35 THEN 'task.handled' WHEN a < 0.50 THEN 'auth.login'
            WHEN a < 0.58 THEN 'auth.logout' WHEN a < 0.60 THEN 'auth.login_failed'
            WHEN a < 0.64 THEN 'whistle.respond' WHEN a < 0.65 THEN 'alert.acknowledge'
            WHEN a < 0.67 THEN 'key_person.unmask' WHEN a < 0.68 THEN 'report.export'
            WHEN a < 0.6801 THEN 'user.disable'
            ELSE (ARRAY['case.accept', 'case.assign', 'case.sign', 'case.resolve', 'case.evaluate',
                        'case.archive', 'case.supervise'])[1 + (i % 7)] END,
       CASE WHEN a < 0.35 THEN 'task:' || (i % 900000) WHEN a < 0.60 THEN NULL
            WHEN a < 0.64 THEN 'whistle:' || (i % 12000) WHEN a < 0.68 THEN 'area:150102'
            ELSE 'case:' || (i % 26000) END,
       jsonb_build_object('ip', '10.0.' || (i % 250) || '.' || (i % 199), 'n', i % 17)
FROM (SELECT i, random() AS a FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) i) s
"""


def ensure_log(owner_url: str, rows: int) -> int:
    """Migrate, add a city, users and log entries until the log holds ``rows``; its size."""
    from geodata.db import migrate

    engine = make_engine(Settings(), owner_url)
    migrate.upgrade(engine)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO admin_area (code, name, level, geom) VALUES (:c, '呼和浩特市', 'city',"
                " ST_Multi(ST_MakeEnvelope(111, 40, 112, 41, 4326))) ON CONFLICT DO NOTHING"
            ),
            {"c": CITY},
        )
        c.execute(
            text(
                "INSERT INTO app_user (username, display_name, password_hash, role, area_code)"
                " SELECT 'u' || lpad(i::text, 4, '0'), '用户' || i, 'x', 'city', :c"
                " FROM generate_series(0, 2999) i ON CONFLICT DO NOTHING"
            ),
            {"c": CITY},
        )
        have = c.execute(text("SELECT count(*) FROM audit_log")).scalar()
    if have < rows:
        print(f"loading {rows - have:,} audit entries once …", flush=True)
        spacing = max(1, 40_000_000 // rows)  # about 16 months whatever the size
        step = 500_000
        for first in range(have + 1, rows + 1, step):
            with engine.begin() as c:
                c.execute(text(LOAD), {"first": first, "last": min(rows, first + step - 1),
                                       "spacing": spacing})  # fmt: skip
        with engine.begin() as c:
            c.execute(text("ANALYZE audit_log"))
    with engine.connect() as c:
        size = c.execute(text("SELECT count(*) FROM audit_log")).scalar()
    engine.dispose()
    return int(size)


def searches(conn: Connection) -> dict[str, audit.AuditQuery]:
    """The searches measured, named by what they find (values taken from the loaded log)."""
    mid = conn.execute(text("SELECT min(at) + (max(at) - min(at)) / 2 FROM audit_log")).scalar()
    day = mid.astimezone(LOCAL_TZ).date()
    return {
        "newest (no filter)": audit.AuditQuery(),
        "action, rare (user.disable)": audit.AuditQuery(action="user.disable"),
        "action, common (task.handled)": audit.AuditQuery(action="task.handled"),
        "user, one of 3,000": audit.AuditQuery(user="u0042"),
        "user, common (system)": audit.AuditQuery(user="system"),
        "object, exact (whistle:11999)": audit.AuditQuery(object_prefix="whistle:11999"),
        "object prefix, 1 % (case:12)": audit.AuditQuery(object_prefix="case:12"),
        "object prefix, 30 % (case:)": audit.AuditQuery(object_prefix="case:"),
        "one day in the middle": audit.AuditQuery(
            start=midnight(day), end=midnight(day + timedelta(days=1))
        ),
        "user + action + 30 days": audit.AuditQuery(
            user="u0042", action="auth.login", start=midnight(day - timedelta(days=30))
        ),
    }


def measure(conn: Connection, named: dict[str, audit.AuditQuery], repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, search in named.items():
        page_ms, (rows, _) = timed(lambda s=search: audit.page(conn, s), repeat)
        count_ms, n = timed(lambda s=search: audit.count(conn, s), repeat)
        out[name] = {"page": pct(page_ms), "count": pct(count_ms), "rows": len(rows), "matches": n}
    return out


def without_0026(owner: Engine, admin: Scope, named: dict, repeat: int) -> dict[str, Any] | None:
    """The searches without migration 0026's indexes: dropped in a transaction that is rolled
    back, measured there as the app's role (needs a URL that may drop them and SET ROLE)."""
    with owner.connect() as c:
        tx = c.begin()
        try:
            for index in INDEXES_0026:
                c.execute(text(f"DROP INDEX {index}"))  # fixed names
            c.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
            apply_scope(c, admin)
            return measure(c, named, repeat)
        except DBAPIError as exc:
            print(f"baseline without 0026 skipped: {str(exc).splitlines()[0]}")
            return None
        finally:
            tx.rollback()


def shown(matches: int) -> str:
    """A capped count as the page shows it."""
    return f">{audit.COUNT_CAP:,}" if matches > audit.COUNT_CAP else f"{matches:,}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--scale",
        choices=SCALES,
        default="full",
        help="log entries: full 2,000,000, small 20,000 (a quick run that checks the bench works)",
    )
    ap.add_argument("--rows", type=int, default=None, help="entries instead of the scale's")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--out", default="bench/out/audit.json")
    args = ap.parse_args()
    rows = AUDIT_LOG_ROWS[args.scale] if args.rows is None else args.rows
    size = ensure_log(bench_url(AUDIT_BENCH_DATABASE), rows)
    app = make_engine(Settings(), bench_app_url(AUDIT_BENCH_DATABASE))
    owner = make_engine(Settings(), bench_url(AUDIT_BENCH_DATABASE))
    admin = Scope(user="bench_admin", role="admin", areas=(CITY,))
    n = args.repeat
    figures: dict[str, Any] = {"scale": args.scale, "rows_asked": rows, "log_rows": size,
                               "repeat": n, "machine": platform.machine()}  # fmt: skip
    print(f"audit log: {size:,} entries; app role, administrator's scope; {n} runs each")

    with app.begin() as conn:
        apply_scope(conn, admin)
        named = searches(conn)
        ours = measure(conn, named, n)
        # Deep in the log: page 201 by keyset (the cursor of row 10,000) against OFFSET 10,000.
        where, params = audit.AuditQuery().sql()
        cursor_row = conn.execute(
            text("SELECT at, id FROM audit_log ORDER BY at DESC, id DESC OFFSET 9999 LIMIT 1")
        ).one()
        keyset_ms, _ = timed(lambda: audit.page(conn, audit.AuditQuery(), tuple(cursor_row)), n)
        offset_sql = (
            "SELECT id, at, user_name, role, action, object, detail FROM audit_log"  # noqa: S608
            f" WHERE {where} ORDER BY at DESC, id DESC LIMIT 51 OFFSET 10000"
        )
        offset_ms, _ = timed(lambda: conn.execute(text(offset_sql), params).all(), n)
        actions_ms, actions = timed(lambda: audit.actions(conn), n)
        distinct_ms, _ = timed(
            lambda: conn.execute(text("SELECT DISTINCT action FROM audit_log ORDER BY 1")).all(),
            max(2, n // 4),
        )
        users_ms, (listed, total) = timed(lambda: user_reading.search_users(conn), n)

    before = without_0026(owner, admin, named, max(2, n // 4))

    print(f"\n{'search (one page of 50)':<34} {'page p50':>9} {'no 0026':>9} {'ratio':>7}"
          f" {'count p50':>10} {'no 0026':>9} {'matches':>9}")  # fmt: skip
    nothing = {"page": {"p50": float("nan")}, "count": {"p50": float("nan")}}
    for name, f in ours.items():
        b = before[name] if before else nothing
        ratio = b["page"]["p50"] / max(f["page"]["p50"], 1e-6)
        print(f"{name:<34} {f['page']['p50']:>7.1f}ms {b['page']['p50']:>7.1f}ms {ratio:>6.1f}x"
              f" {f['count']['p50']:>8.1f}ms {b['count']['p50']:>7.1f}ms"
              f" {shown(f['matches']):>9}")  # fmt: skip
    deep = statistics.median(offset_ms) / max(statistics.median(keyset_ms), 1e-6)
    skip = statistics.median(distinct_ms) / max(statistics.median(actions_ms), 1e-6)
    print(
        f"\npage 201: keyset {statistics.median(keyset_ms):.1f} ms, OFFSET 10,000"
        f" {statistics.median(offset_ms):.1f} ms — OFFSET / keyset {deep:.1f}x"
    )
    print(
        f"action list ({len(actions)} actions): skip scan {statistics.median(actions_ms):.1f} ms,"
        f" SELECT DISTINCT {statistics.median(distinct_ms):.1f} ms — ratio {skip:.1f}x"
    )
    print(f"user list ({len(listed):,} of {total:,} users, last sign-in each):"
          f" {statistics.median(users_ms):.1f} ms")  # fmt: skip
    figures |= {"searches": ours, "without_0026": before,
                "deep_page": {"keyset": pct(keyset_ms), "offset": pct(offset_ms)},
                "actions": {"skip_scan": pct(actions_ms), "distinct": pct(distinct_ms)},
                "user_list": pct(users_ms)}  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    print(f"\nfigures in {out}")
    app.dispose()
    owner.dispose()


if __name__ == "__main__":
    main()
