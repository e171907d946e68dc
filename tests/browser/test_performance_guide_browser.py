"""Smoke tests in headless system Chromium: /performance signed in (table, sorting by a header
without Dash's page router rebuilding the page, chart, mediation) and /guide anonymous (every
type's flow, a lookup) — each failing on any browser console error."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from tests.integration import perf_cases as pc

pytestmark = [pytest.mark.db, pytest.mark.browser]
JUNE = "period=custom&from=2026-06-01&to=2026-06-30"


@pytest.fixture(scope="module")
def planted(engine, demo_db) -> Iterator[dict]:  # noqa: ANN001
    yield pc.plant(engine)
    pc.cleanup(engine)


def test_perfbrowser001_table_sorting_chart_and_mediation(live_server, page, planted) -> None:  # noqa: ANN001
    p = page.page
    p.goto(f"{live_server}/performance?{JUNE}")
    row = p.locator(f'#perf-table tr[data-code="{pc.DEPT_A}"]')
    row.wait_for(timeout=30_000)
    assert row.locator('td[data-key="cases_led"]').inner_text() == "7"
    p.locator("#perf-chart g.bars path").first.wait_for(timeout=30_000)  # plotly loads lazily
    assert p.locator(f'#perf-rooms tr[data-id="{planted["room"]}"]').is_visible()
    p.wait_for_load_state("networkidle")
    posted: list[str] = []
    p.on(
        "request",
        lambda r: posted.append(r.post_data or "") if "_dash-update-component" in r.url else None,
    )
    p.locator("#perf-table th button", has_text="按期办结率").click()
    p.wait_for_function("() => location.search.includes('sort=on_time_rate')", timeout=15_000)
    p.locator("#perf-table th[aria-sort=descending]").wait_for(timeout=15_000)
    assert parse_qs(urlparse(p.url).query)["sort"] == ["on_time_rate"]
    assert not [o for o in posted if "_pages_content" in o]  # the page itself was not rebuilt
    assert row.is_visible()
    assert page.errors == []


def test_guidebrowser001_anonymous_guide_and_lookup(
    live_server, anonymous_page, planted, engine
) -> None:  # noqa: ANN001
    from sqlalchemy import text

    with engine.connect() as c:
        types = c.execute(text("SELECT count(*) FROM dispute_type")).scalar()
    p = anonymous_page.page
    p.goto(f"{live_server}/guide")
    assert p.locator("article.guide-path").count() == types
    assert p.locator("article.guide-path ol.guide-flow").count() == types
    p.locator("#guide-ref").fill(pc.REF + "A5")
    p.locator("#guide-last4").fill(pc.PHONE[-4:])
    p.locator("form.guide-form button").click()
    p.locator("#guide-result").wait_for(timeout=15_000)
    assert p.locator(".guide-result-due").inner_text() == "2026-06-15"
    assert p.locator("#guide-result .guide-step.current").count() == 1
    assert urlparse(p.url).path == "/guide/lookup"
    assert not any("/_dash" in r for r in anonymous_page.requests)
    assert all(r.startswith(live_server) for r in anonymous_page.requests)
    assert anonymous_page.errors == []
