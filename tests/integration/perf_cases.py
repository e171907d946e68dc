"""Planted cases for the performance and guide tests: two departments, a mediation room with two
mediators and a dozen cases with hand-picked times in June 2026 (端午节: 19–21 June off), so
every figure can be worked out by hand. Committed with the source_ref prefix ``PFT-`` (the page
and guide tests need them in real transactions) and removed afterwards, with the departments,
room, mediators and any user of those departments, so the demo stays as loaded.

Hand figures for department ``pft_a`` over June 2026 at ``NOW`` (25 June, 12:00) are in
``EXPECTED_A``; mediation room and mediators in ``EXPECTED_ROOM`` / ``EXPECTED_MEDIATORS``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, text

from domain.clock import LOCAL_TZ

REF = "PFT-"
DEPT_A, DEPT_B = "pft_a", "pft_b"
NOW = datetime(2026, 6, 25, 12, 0, tzinfo=LOCAL_TZ)
JUNE = (datetime(2026, 6, 1, tzinfo=LOCAL_TZ), datetime(2026, 7, 1, tzinfo=LOCAL_TZ))
PHONE = "13800009876"  # the guide's planted reporter: last four 9876


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LOCAL_TZ)


# ref → fields (lead department, status, times, outcome …); "far" puts it in the other district.
CASES: dict[str, dict] = {
    # On time, agreement, 5 ★, signed on time. 3 days 22.5 h; 4 working days (resolved on
    # 5 June local time, still 4 June in UTC).
    "A1": dict(lead=DEPT_A, status="archived", assigned=at(6, 1, 9), due=at(6, 10),
               resolved=at(6, 5, 7, 30), outcome="agreement", sat=5, sign_due=at(6, 2),
               signed=at(6, 1, 15)),
    # Late, withdrawn, 4 ★, signed half an hour late. 6 days 3 h; 4 working days (handed
    # over on 2 June local time, still 1 June in UTC).
    "A2": dict(lead=DEPT_A, status="resolved", assigned=at(6, 2, 7), due=at(6, 5),
               resolved=at(6, 8, 10), outcome="withdrawn", sat=4, sign_due=at(6, 3),
               signed=at(6, 3, 0, 30)),
    # Resolved at the very moment it fell due (on time), litigation (unresolved), 3 ★,
    # reopened once before. 8 days 16 h, 7 working days.
    "A3": dict(lead=DEPT_A, status="unresolved", assigned=at(6, 3, 8), due=at(6, 12),
               resolved=at(6, 12), outcome="litigation", sat=3, reopen=1, sign_due=at(6, 4),
               signed=at(6, 3, 9)),
    # Reopened after a 1 ★ call, open past due: late. Holds a planned lock.
    "A4": dict(lead=DEPT_A, status="in_progress", assigned=at(6, 5, 9), due=at(6, 12),
               sat=1, reopen=1, sign_due=at(6, 6), signed=at(6, 5, 10)),
    # Open, not yet due; never signed, past its sign-for deadline.
    "A5": dict(lead=DEPT_A, status="assigned", assigned=at(6, 15, 9), due=at(6, 30),
               sign_due=at(6, 16)),
    # Open, neither due nor past its sign-for deadline: counts in no rate.
    "A6": dict(lead=DEPT_A, status="assigned", assigned=at(6, 24, 9), due=at(7, 15),
               sign_due=at(6, 26)),
    # Handed over in May: only in the load (open and overdue now).
    "A7": dict(lead=DEPT_A, status="in_progress", assigned=at(5, 20, 9), due=at(6, 1),
               sign_due=at(5, 21), signed=at(5, 20, 11)),
    # A duplicate merged into A1: counts nowhere.
    "A8": dict(lead=DEPT_A, status="merged", assigned=at(6, 3, 9), due=at(6, 20),
               merged_into="A1"),
    # In the other district: on time, agreement, no return call. 12 days, 7 working days
    # (19 June is 端午节).
    "A9": dict(lead=DEPT_A, status="resolved", assigned=at(6, 10, 9), due=at(6, 24),
               resolved=at(6, 22, 9), outcome="agreement", sign_due=at(6, 11),
               signed=at(6, 10, 11), far=True),
    # Mediated (room R): open, mediator M1. pft_a holds an open and a done lock on it.
    "B1": dict(lead=DEPT_B, status="in_progress", assigned=at(6, 4, 9), due=at(7, 1),
               room="R", mediator="M1", sign_due=at(6, 5), signed=at(6, 4, 10)),
    # M1: agreement, 5 ★. 10 days, 7 working days (6 June is a Saturday).
    "B2": dict(lead=DEPT_B, status="resolved", assigned=at(6, 6, 9), due=at(7, 1),
               resolved=at(6, 16, 9), outcome="agreement", sat=5, room="R", mediator="M1"),
    # M2: not resolved. 1 day, 1 working day.
    "B3": dict(lead=DEPT_B, status="unresolved", assigned=at(6, 8, 9), due=at(7, 1),
               resolved=at(6, 9, 9), outcome="not_resolved", room="R", mediator="M2"),
    # The room without a mediator: withdrawn. 2 days, 2 working days.
    "B4": dict(lead=DEPT_B, status="resolved", assigned=at(6, 10, 9), due=at(7, 1),
               resolved=at(6, 12, 9), outcome="withdrawn", room="R"),
    # Handed on to a department, the room left behind on the row: not the room's any more.
    "B6": dict(lead=DEPT_B, status="in_progress", assigned=at(6, 20, 9), due=at(7, 1),
               room="R", mediator="M1", kind="department"),
    # Handed to the room in May: outside June.
    "B5": dict(lead=DEPT_B, status="resolved", assigned=at(5, 10, 9), due=at(6, 1),
               resolved=at(5, 12, 9), outcome="agreement", room="R", mediator="M2"),
}  # fmt: skip
LOCKS = (("B1", DEPT_A, "open"), ("B1", DEPT_A, "done"), ("A4", DEPT_A, "planned"))

# Calendar days from 交办 to 化解 of A1, A2, A3 and A9.
A_DAYS = (3 + 22.5 / 24) + (6 + 3 / 24) + (8 + 16 / 24) + 12
EXPECTED_A = {
    "cases_led": 7, "on_time": 3, "on_time_of": 5, "closed": 4, "resolved": 3, "handled": 4,
    "days_sum": A_DAYS, "workdays_sum": 22, "workdays_n": 4, "rated": 4, "satisfaction_sum": 13,
    "satisfied": 2, "reached": 5, "reopened": 2, "signed_on_time": 4, "sign_of": 6,
    "open_now": 4, "overdue_now": 2, "locks_held": 2,
    "on_time_rate": 0.6, "resolution_rate": 0.75, "avg_days": A_DAYS / 4, "avg_workdays": 5.5,
    "satisfaction": 3.25, "satisfied_share": 0.5, "reopen_rate": 0.4, "sign_rate": 4 / 6,
}  # fmt: skip
# Without A9 (the other district), as its own district's desk sees pft_a.
EXPECTED_A_HOME = {
    "cases_led": 6, "on_time": 2, "on_time_of": 4, "closed": 3, "resolved": 2, "handled": 3,
    "days_sum": A_DAYS - 12, "workdays_sum": 15, "reopened": 2, "reached": 4, "signed_on_time": 3,
    "sign_of": 5, "open_now": 4, "overdue_now": 2, "locks_held": 2,
}  # fmt: skip
EXPECTED_ROOM = {
    "cases": 4, "open": 1, "closed": 3, "agreements": 1, "handled": 3, "days_sum": 13.0,
    "workdays_sum": 10, "workdays_n": 3, "rated": 1, "satisfaction_sum": 5,
    "success_rate": 1 / 3, "avg_days": 13 / 3, "avg_workdays": 10 / 3, "satisfaction": 5.0,
}  # fmt: skip
EXPECTED_MEDIATORS = {
    "M1": {"cases": 2, "open": 1, "closed": 1, "agreements": 1, "success_rate": 1.0,
           "avg_days": 10.0, "avg_workdays": 7.0, "satisfaction": 5.0},
    "M2": {"cases": 1, "open": 0, "closed": 1, "agreements": 0, "success_rate": 0.0,
           "avg_days": 1.0, "avg_workdays": 1.0, "satisfaction": None},
}  # fmt: skip


def cleanup(engine: Engine) -> None:
    """Remove every planted row (cases, locks, room, mediators, users, departments)."""
    ids = f"SELECT id FROM dispute WHERE source_ref LIKE '{REF}%'"
    with engine.begin() as c:
        c.execute(text(f"UPDATE dispute SET merged_into = NULL, status = 'received' WHERE id IN ({ids})"))  # fmt: skip
        c.execute(text(f"DELETE FROM dispute WHERE id IN ({ids})"))
        c.execute(text("DELETE FROM mediator WHERE name LIKE 'PFT调解员%'"))
        c.execute(text("DELETE FROM mediation_room WHERE name LIKE 'PFT调解室%'"))
        c.execute(
            text("DELETE FROM app_user WHERE department_code IN (:a, :b)"),
            {"a": DEPT_A, "b": DEPT_B},
        )
        c.execute(text("DELETE FROM department WHERE code IN (:a, :b)"), {"a": DEPT_A, "b": DEPT_B})


def plant(engine: Engine) -> dict:
    """Plant everything (after a cleanup); returns ids and places: case ids by ref, room and
    mediator ids, the home and far districts and grids, the city's code."""
    cleanup(engine)
    with engine.begin() as c:
        home = c.execute(
            text("SELECT district_code FROM dispute GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar()
        grid = {}
        for key, op in (("home", "="), ("far", "<>")):
            grid[key] = c.execute(
                text(
                    "SELECT code, district_code, ST_AsText(ST_PointOnSurface(geom)) FROM grid"  # noqa: S608 — constant operator
                    f" WHERE district_code {op} :d ORDER BY code LIMIT 1"
                ),
                {"d": home},
            ).one()
        city = c.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
        for code, name in ((DEPT_A, "PFT甲局"), (DEPT_B, "PFT乙局")):
            c.execute(
                text(
                    "INSERT INTO department (code, name, level, residency)"
                    " VALUES (:c, :n, 'district', 'resident')"
                ),
                {"c": code, "n": name},
            )
        room = c.execute(
            text(
                "INSERT INTO mediation_room (name, kind, area_code, district_code, geom)"
                " VALUES ('PFT调解室', 'expert', :d, :d, ST_GeomFromText(:p, 4326)) RETURNING id"
            ),
            {"d": home, "p": grid["home"][2]},
        ).scalar()
        mediators = {
            key: c.execute(
                text(
                    "INSERT INTO mediator (name, room_id, district_code, specialty)"
                    " VALUES (:n, :r, :d, '婚姻家庭') RETURNING id"
                ),
                {"n": f"PFT调解员{key}", "r": room, "d": home},
            ).scalar()
            for key in ("M1", "M2")
        }
        ids: dict[str, int] = {}
        for ref, f in CASES.items():
            g = grid["far" if f.get("far") else "home"]
            ids[ref] = c.execute(
                text(
                    "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
                    " grid_code, district_code, risk_level, status, lead_department,"
                    " assignee_kind, mediation_room_id, mediator_id, assigned_at, due_at,"
                    " sign_due_at, signed_at, resolved_at, outcome_code, satisfaction,"
                    " reopen_count, reporter_name, reporter_phone, description, address)"
                    " VALUES ('hotline', :ref, 'family', :title, :reported,"
                    " ST_GeomFromText(:p, 4326), :g, :d, 'low', :status, :lead, :kind, :room,"
                    " :mediator, :assigned, :due, :sign_due, :signed, :resolved, :outcome, :sat,"
                    " :reopen, '测试反映人', :phone, '秘密描述PFT', '秘密地址PFT') RETURNING id"
                ),
                {
                    "ref": REF + ref,
                    "title": f"PFT案件{ref}",
                    "reported": f["assigned"].replace(hour=0),
                    "p": g[2],
                    "g": g[0],
                    "d": g[1],
                    "status": "received" if f["status"] == "merged" else f["status"],
                    "lead": f["lead"],
                    "kind": f.get("kind") or ("mediation" if f.get("room") else "department"),
                    "room": room if f.get("room") else None,
                    "mediator": mediators.get(f.get("mediator")),
                    "assigned": f["assigned"],
                    "due": f["due"],
                    "sign_due": f.get("sign_due"),
                    "signed": f.get("signed"),
                    "resolved": f.get("resolved"),
                    "outcome": f.get("outcome"),
                    "sat": f.get("sat"),
                    "reopen": f.get("reopen", 0),
                    "phone": PHONE,
                },  # fmt: skip
            ).scalar()
        for ref, f in CASES.items():
            if f.get("merged_into"):
                c.execute(
                    text("UPDATE dispute SET status = 'merged', merged_into = :m WHERE id = :id"),
                    {"m": ids[f["merged_into"]], "id": ids[ref]},
                )
        for ref, dept, status in LOCKS:
            c.execute(
                text(
                    "INSERT INTO dispute_sub_case (dispute_id, district_code, department_code,"
                    " task, status, created_at) VALUES (:id, :d, :dept, 'PFT锁', :s, :at)"
                ),
                {
                    "id": ids[ref],
                    "d": home,
                    "dept": dept,
                    "s": status,
                    "at": CASES[ref]["assigned"],
                },
            )
    return {
        "ids": ids, "room": room, "mediators": mediators, "home": home,
        "far": grid["far"][1], "home_grid": grid["home"][0], "city": city,
    }  # fmt: skip
