"""The /admin/users page over HTTP, as the browser calls it: the administrator lists (compared
with plain SQL), adds, disables, enables and resets — each change in the database, audited under
the command line's action names, sessions ended where it says so; every other role gets nothing
and changes nothing; forged and garbage calls answer cleanly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.main import create_app
from domain.i18n import t
from domain.scope import ROLES
from geodata.settings import Settings
from geodata.write import sessions, users
from tests.integration.dash_calls import SAME_ORIGIN, call, components, signed_in, strings

pytestmark = pytest.mark.db

ADMIN = "adm_admin"
FILTERS = {"users-role-filter.value": None, "users-area-filter.value": None,
           "users-text-filter.value": None}  # fmt: skip
OTHER_ROLES = tuple(r for r in ROLES if r != "admin")


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    yield create_app(Settings(), engine=app_engine)
    with engine.begin() as c:
        c.execute(text("DELETE FROM app_user WHERE username LIKE 'adm\\_%'"))


@pytest.fixture(scope="module")
def admin(app, engine):  # noqa: ANN001, ANN201
    return signed_in(app, engine, ADMIN, "admin")


def _scalar(engine, sql: str, **params):  # noqa: ANN001, ANN202
    with engine.connect() as c:
        return c.execute(text(sql), params).scalar()


def _listed(out: dict) -> list[str]:
    """The user names in the table a callback returned, in order."""
    tree = out.get("users-table.children")
    return [
        c["props"]["children"]
        for c in components(tree)
        if c["type"] == "Td" and c["props"].get("className") == "users-name"
    ]


def _list(app, client, **filters):  # noqa: ANN001, ANN202
    values = {**FILTERS, **{f"users-{k}-filter.value": v for k, v in filters.items()}}
    return call(app, client, "users-table.children", values, trigger="users-role-filter.value")


def _add(app, client, **form):  # noqa: ANN001, ANN202
    values = {"user-add.n_clicks": 1, "user-new-name.value": None, "user-new-display.value": None,
              "user-new-role.value": None, "user-new-area.value": None,
              "user-new-department.value": None, "user-new-password.value": None,
              "user-new-generate.value": [], **FILTERS}  # fmt: skip
    values.update({f"user-new-{k}.value": v for k, v in form.items()})
    return call(app, client, "user-add-message.children", values, trigger="user-add.n_clicks")


def _toggle(app, client, name, action: str, clicks=1):  # noqa: ANN001, ANN202
    key, spec = next((k, s) for k, s in app.callback_map.items()
                     if any("user-act" in i["id"] for i in s["inputs"]))  # fmt: skip
    ident = {"action": action, "index": name, "type": "user-act"}
    body = {
        "output": key,
        "outputs": [{"id": o.component_id, "property": o.component_property} for o in spec["output"]],
        "inputs": [[{"id": ident, "property": "n_clicks", "value": clicks}],
                   *[{"id": i["id"], "property": i["property"], "value": None}
                     for i in spec["inputs"][1:]]],
        "state": [{"id": s["id"], "property": s["property"], "value": None} for s in spec["state"]],
        "changedPropIds": [f'{{"action":"{action}","index":"{name}","type":"user-act"}}.n_clicks'],
    }  # fmt: skip
    return client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)


def _reset(app, client, name, password=None, generate=False):  # noqa: ANN001, ANN202
    values = {"user-reset.n_clicks": 1, "user-reset-name.value": name,
              "user-reset-password.value": password,
              "user-reset-generate.value": ["generate"] if generate else []}  # fmt: skip
    return call(app, client, "user-reset-message.children", values, trigger="user-reset.n_clicks")


def _audits(engine, action: str, obj: str) -> list[tuple]:  # noqa: ANN001
    with engine.connect() as c:
        rows = c.execute(
            text("SELECT user_name, detail FROM audit_log WHERE action = :a AND object = :o"
                 " ORDER BY id"), {"a": action, "o": obj}
        )  # fmt: skip
        return [tuple(r) for r in rows]


def _target(engine, name: str, role: str = "city", **where) -> str:  # noqa: ANN001
    """A user ``name`` with one live session; its token."""
    with engine.begin() as c:
        if users.get_user(c, name) is None:
            users.add_user(c, name, "target-password-1", role, **where)
        return sessions.start(c, name, lifetime=timedelta(hours=1))


def _live_sessions(engine, name: str) -> int:  # noqa: ANN001
    return _scalar(engine, "SELECT count(*) FROM app_session WHERE username = :u"
                   " AND revoked_at IS NULL", u=name)  # fmt: skip


def test_adm001_the_list_is_every_user_as_plain_sql_counts(app, admin, engine) -> None:  # noqa: ANN001
    _target(engine, "adm_listed", "district", area_code="150102")
    every = _listed(_list(app, admin))
    with engine.connect() as c:
        names = list(c.execute(text("SELECT username FROM app_user ORDER BY username")).scalars())
        district = list(c.execute(text("SELECT username FROM app_user WHERE role = 'district'"
                                        " ORDER BY username")).scalars())  # fmt: skip
        inside = list(c.execute(text("SELECT username FROM app_user WHERE area_code LIKE"
                                      " '150102%' ORDER BY username")).scalars())  # fmt: skip
    assert every == names and ADMIN in every and "adm_listed" in every
    assert _listed(_list(app, admin, role="district")) == district and district
    assert _listed(_list(app, admin, area="150102")) == inside and "adm_listed" in inside
    assert _listed(_list(app, admin, text="ADM_LIST")) == ["adm_listed"]  # any case
    count = " ".join(strings(_list(app, admin)["users-table.children"]))
    assert t("users.count", "zh").format(total=len(names)) in count
    # The jurisdiction shows its code and name; the role its Chinese name.
    row = " ".join(strings(_list(app, admin, text="adm_listed")["users-table.children"]))
    name = _scalar(engine, "SELECT name FROM admin_area WHERE code = '150102'")
    assert "150102" in row and name in row and "区县" in row


def test_adm002_add_checks_the_jurisdiction_and_audits(app, admin, engine) -> None:  # noqa: ANN001
    township = _scalar(engine, "SELECT code FROM admin_area WHERE level = 'township' ORDER BY code"
                       " LIMIT 1")  # fmt: skip
    district = township[:6]
    # A township user bound to a district is refused, in Chinese, and nothing is written.
    out = _add(app, admin, name="adm_new", role="township", area=district, password="long-enough-1")
    assert "乡镇街道" in out["user-add-message.children"]
    assert _scalar(engine, "SELECT count(*) FROM app_user WHERE username = 'adm_new'") == 0
    out = _add(app, admin, name="adm_new", role="district", area="159999", password="long-enough-1")
    assert out["user-add-message.children"] == "没有区划 159999"
    out = _add(app, admin, name="adm_new", role="department", department="NOPE",
               password="long-enough-1")  # fmt: skip
    assert out["user-add-message.children"] == "没有部门 NOPE"
    out = _add(app, admin, name="adm_new", role="township", area=township, password="short")
    assert "8" in out["user-add-message.children"]
    out = _add(app, admin, name="adm_new", role="township", area=township)
    assert out["user-add-message.children"] == t("users.error.need_password", "zh")
    assert _scalar(engine, "SELECT count(*) FROM app_user WHERE username = 'adm_new'") == 0
    # Generated: shown once, and it signs in.
    out = _add(app, admin, name="adm_new", display="新街道值班", role="township", area=township,
               generate=["generate"])  # fmt: skip
    secret = next(c["props"]["children"] for c in components(out["user-add-message.children"])
                  if c["type"] == "Code")  # fmt: skip
    assert "adm_new" in _listed(out)
    with engine.begin() as c:
        made, why = users.authenticate(c, "adm_new", secret)
    assert why == "ok" and (made["role"], made["area_code"], made["display_name"]) == (
        "township",
        township,
        "新街道值班",
    )
    assert _audits(engine, "user.add", "adm_new") == [
        (ADMIN, {"role": "township", "area_code": township, "department_code": None})
    ]
    # Taken name; a department user gets its department (a left-over area is ignored).
    out = _add(app, admin, name="adm_new", role="city", password="long-enough-1")
    assert (
        "adm_new" in out["user-add-message.children"]
        and "已存在" in out["user-add-message.children"]
    )
    dept = _scalar(engine, "SELECT code FROM department ORDER BY code LIMIT 1")
    out = _add(app, admin, name="adm_dept", role="department", area=township,
               department=dept, password="long-enough-1")  # fmt: skip
    with engine.connect() as c:
        row = users.get_user(c, "adm_dept")
    assert (row["area_code"], row["department_code"]) == (None, dept), out
    # The area picker offers areas of the role's level only.
    options = call(app, admin, "user-new-area.options", {"user-new-role.value": "district",
                   "user-new-area.search_value": None, "user-new-area.value": None})["user-new-area.options"]  # fmt: skip
    districts = _scalar(engine, "SELECT count(*) FROM admin_area WHERE level = 'district'")
    assert len(options) == districts and all(len(o["value"]) == 6 for o in options)


def test_adm003_disable_ends_sessions_enable_and_never_oneself(app, admin, engine) -> None:  # noqa: ANN001
    _target(engine, "adm_target")
    target = signed_in(app, engine, "adm_target", "city")
    assert _list(app, target)  # signed in: the callback answers
    assert _live_sessions(engine, "adm_target") >= 2
    resp = _toggle(app, admin, "adm_target", "disable")
    assert resp.status_code == 200 and "adm_target" in " ".join(strings(resp.get_json()))
    assert _scalar(engine, "SELECT active FROM app_user WHERE username = 'adm_target'") is False
    assert _live_sessions(engine, "adm_target") == 0
    ((by, detail),) = _audits(engine, "user.disable", "adm_target")
    assert by == ADMIN and detail["sessions_ended"] >= 2
    # The disabled user's session stops working at once.
    body = {"output": "x.y", "outputs": [], "inputs": []}
    assert target.post("/_dash-update-component", json=body, headers=SAME_ORIGIN).status_code == 401
    assert target.get("/").status_code == 303
    resp = _toggle(app, admin, "adm_target", "enable")
    assert _scalar(engine, "SELECT active FROM app_user WHERE username = 'adm_target'") is True
    assert [a[0] for a in _audits(engine, "user.enable", "adm_target")] == [ADMIN]
    # Never oneself: refused, with a message, nothing changed.
    resp = _toggle(app, admin, ADMIN, "disable")
    assert t("users.error.self_disable", "zh") in " ".join(strings(resp.get_json()))
    assert _scalar(engine, "SELECT active FROM app_user WHERE username = :u", u=ADMIN) is True
    assert _audits(engine, "user.disable", ADMIN) == []
    # A click that is not a click (a re-rendered button) does nothing.
    before = _scalar(engine, "SELECT count(*) FROM audit_log")
    assert _toggle(app, admin, "adm_target", "disable", clicks=0).status_code in (200, 204)
    assert _scalar(engine, "SELECT active FROM app_user WHERE username = 'adm_target'") is True
    assert _scalar(engine, "SELECT count(*) FROM audit_log") == before


def test_adm004_reset_sets_the_password_and_ends_sessions(app, admin, engine) -> None:  # noqa: ANN001
    _target(engine, "adm_reset")
    out = _reset(app, admin, "adm_reset", "a-new-password-9")
    assert "adm_reset" in " ".join(strings(out["user-reset-message.children"]))
    with engine.begin() as c:
        assert users.authenticate(c, "adm_reset", "a-new-password-9")[1] == "ok"
        assert users.authenticate(c, "adm_reset", "target-password-1")[1] == "bad_credentials"
    assert _live_sessions(engine, "adm_reset") == 0
    ((by, detail),) = _audits(engine, "user.passwd", "adm_reset")
    assert by == ADMIN and detail == {"sessions_ended": 1}
    out = _reset(app, admin, "adm_reset", generate=True)
    secret = next(c["props"]["children"] for c in components(out["user-reset-message.children"])
                  if c["type"] == "Code")  # fmt: skip
    with engine.begin() as c:
        assert users.authenticate(c, "adm_reset", secret)[1] == "ok"
    # Refusals: too short, unknown user, oneself — nothing changes.
    hashes = _scalar(
        engine, "SELECT string_agg(password_hash, ',' ORDER BY username) FROM app_user"
    )
    assert "8" in " ".join(strings(_reset(app, admin, "adm_reset", "short")))
    assert "adm_nobody" in " ".join(strings(_reset(app, admin, "adm_nobody", "long-enough-1")))
    out = _reset(app, admin, ADMIN, "long-enough-1")
    assert out["user-reset-message.children"] == t("users.error.self_reset", "zh")
    assert (
        _scalar(engine, "SELECT string_agg(password_hash, ',' ORDER BY username) FROM app_user")
        == hashes
    )


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_adm005_every_other_role_gets_nothing_and_changes_nothing(app, engine, role) -> None:  # noqa: ANN001
    _target(engine, "adm_victim")
    client = signed_in(app, engine, f"adm_as_{role}", role)
    with engine.connect() as c:
        before = c.execute(text("SELECT username, active, password_hash FROM app_user"
                                " ORDER BY username")).all()  # fmt: skip
        audits = c.execute(text("SELECT count(*) FROM audit_log")).scalar()
    out = _list(app, client)
    assert _listed(out) == [] and "adm_victim" not in " ".join(strings(out))
    out = _add(app, client, name="adm_by_" + role, role="admin", password="long-enough-1")
    assert out["user-add-message.children"] == t("auth.no_permission", "zh")
    _toggle(app, client, "adm_victim", "disable")
    _reset(app, client, "adm_victim", "long-enough-1")
    options = call(app, client, "user-new-area.options", {"user-new-role.value": "district",
                   "user-new-area.search_value": None, "user-new-area.value": None})  # fmt: skip
    assert options["user-new-area.options"] == []
    with engine.connect() as c:
        after = c.execute(text("SELECT username, active, password_hash FROM app_user"
                               " WHERE username <> :me ORDER BY username"),
                          {"me": f"adm_as_{role}"}).all()  # fmt: skip
        assert c.execute(text("SELECT count(*) FROM audit_log")).scalar() == audits
    assert after == [r for r in before if r[0] != f"adm_as_{role}"]
    # The page itself: a friendly refusal and no data.
    page = call(app, client, "_pages_content.children",
                {"_pages_location.pathname": "/admin/users", "_pages_location.search": ""})  # fmt: skip
    shown = " ".join(strings(page))
    assert t("auth.no_permission", "zh") in shown and "adm_victim" not in shown
    assert not any(c["props"].get("id") == "users-table" for c in components(page))


def test_adm006_forged_and_garbage_calls_answer_cleanly(app, admin, engine) -> None:  # noqa: ANN001
    _target(engine, "adm_forged")
    with engine.connect() as c:
        before = c.execute(text("SELECT username, active FROM app_user ORDER BY 1")).all()
    for name, action in ((["x"], "disable"), ("adm_forged", "delete"), (10**20, "disable"),
                         ("x" * 500, "disable"), ({"a": 1}, "enable")):  # fmt: skip
        key, spec = next((k, s) for k, s in app.callback_map.items()
                         if any("user-act" in i["id"] for i in s["inputs"]))  # fmt: skip
        ident = {"action": action, "index": name, "type": "user-act"}
        body = {"output": key, "outputs": [{"id": o.component_id, "property": o.component_property}
                                           for o in spec["output"]],
                "inputs": [[{"id": ident, "property": "n_clicks", "value": 1}]],
                "state": [{"id": s["id"], "property": s["property"], "value": None}
                          for s in spec["state"]],
                "changedPropIds": ["x.n_clicks"]}  # fmt: skip
        resp = admin.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)
        assert resp.status_code < 500
    for garbage in ([1], {"a": 1}, "x" * 100, 5):
        _list(app, admin, role=garbage, area=garbage, text=garbage)
        _add(app, admin, name=garbage, role=garbage, area=garbage, department=garbage,
             password=garbage, generate=garbage)  # fmt: skip
        _reset(app, admin, garbage, garbage)
    out = _add(app, admin, name="adm_both", role="city", password="long-enough-1",
               generate=["generate"])  # fmt: skip
    assert out["user-add-message.children"] == t("users.error.password_both", "zh")
    with engine.connect() as c:
        assert c.execute(text("SELECT username, active FROM app_user ORDER BY 1")).all() == before


@pytest.mark.parametrize("role", ["city", "district"])
def test_adm007_the_database_refuses_user_changes_below_an_administrator(
    app_engine, engine, demo_db, role
) -> None:  # noqa: ANN001
    """Past the page's own check, row-level security still holds: the app's role changes users
    and their sessions for an administrator's scope only."""
    from sqlalchemy.exc import DBAPIError

    from domain.scope import Scope
    from geodata.db.scope import apply_scope

    _target(engine, "adm_guarded")
    with engine.connect() as c:
        area = users.demo_jurisdiction(c, role)["area_code"] or users.city_code(c)
        before = c.execute(text("SELECT active, password_hash FROM app_user"
                                " WHERE username = 'adm_guarded'")).one()  # fmt: skip
    who = Scope(user=f"adm_db_{role}", role=role, areas=(area,))
    with app_engine.begin() as c:
        apply_scope(c, who)
        with pytest.raises(users.UserError, match="no user"):  # the row is not theirs to see
            users.set_active(c, "adm_guarded", False, by=who.user)
        with pytest.raises(users.UserError, match="no user"):
            users.set_password(c, "adm_guarded", "long-enough-1", by=who.user)
        assert sessions.revoke_user(c, "adm_guarded") == 0
    with app_engine.begin() as c, pytest.raises(DBAPIError, match="row-level security"):
        apply_scope(c, who)
        users.add_user(c, f"adm_db_new_{role}", "long-enough-1", "admin")
    with engine.connect() as c:
        after = c.execute(text("SELECT active, password_hash FROM app_user"
                               " WHERE username = 'adm_guarded'")).one()  # fmt: skip
    assert after == before and _live_sessions(engine, "adm_guarded") >= 1
