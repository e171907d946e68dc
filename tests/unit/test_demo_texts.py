"""The demo's complaint texts: varied, never the catalogue's type name, ambiguous and multi-issue
at their shares, recurring problems where they concentrate, deterministic per seed."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from difflib import SequenceMatcher

import numpy as np
import pytest

from etl.demo import DemoConfig, generate
from etl.demo import phrases as ph
from etl.demo import texts as tx
from geodata.load.seed import DISPUTE_TYPES

CODES = [t[0] for t in DISPUTE_TYPES]
NAMES = {t[0]: t[1] for t in DISPUTE_TYPES}
SOURCES = ("hotline", "grid_worker", "police", "walk_in", "petition", "court", "other")
N = 6_000


def _inputs(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    comms = np.array(
        [f"{a}{b}社区" for a in "东西南北中" for b in "光明安和兴"]
        + [f"{a}{b}村" for a in "东西南北" for b in "苑桥湖"],
        dtype=object,
    )
    pick = rng.integers(0, len(comms), n)
    return {
        "types": np.array(CODES, dtype=object)[rng.integers(0, len(CODES), n)],
        "sources": np.array(SOURCES, dtype=object)[rng.integers(0, len(SOURCES), n)],
        "addresses": np.array(
            [f"赛罕区金泉路{k}号" for k in rng.integers(1, 300, n)], dtype=object
        ),
        "communities": comms[pick],
        "urban": np.array([c.endswith("社区") for c in comms])[pick],
    }


@pytest.fixture(scope="module")
def many() -> tuple[dict[str, np.ndarray], tx.Texts]:
    args = _inputs(N)
    return args, tx.compose(np.random.default_rng(5), **args)


def _pattern(template: str) -> re.Pattern[str]:
    """A phrase template as a regular expression: each slot matches any short run."""
    parts = re.split(r"\{\w+\}", template)
    return re.compile(".{1,12}?".join(re.escape(p) for p in parts))


def _says(text: str, templates: tuple[str, ...]) -> bool:
    # Punctuation may have been dropped and one typo made: compare the longest clean stretch.
    plain = re.sub(r"[，。：；！？、,.;: ]", "", text)
    for t in templates:
        for piece in re.split(r"[，。：；！？、]", t):
            body = re.sub(r"\{\w+\}", "", piece)
            if len(body) >= 6 and _pattern(piece.replace("，", "")).search(plain):
                return True
    return False


def test_txt001_same_seed_same_texts_other_seed_others() -> None:
    args = _inputs(500)
    a = tx.compose(np.random.default_rng(9), **args)
    b = tx.compose(np.random.default_rng(9), **args)
    c = tx.compose(np.random.default_rng(10), **args)
    for field in ("title", "description", "kind", "second", "theme"):
        assert getattr(a, field).tolist() == getattr(b, field).tolist()
    assert sum(x != y for x, y in zip(a.description, c.description, strict=True)) > 490


def test_txt002_texts_are_varied(many) -> None:  # noqa: ANN001
    args, out = many
    assert len(set(out.description)) / N > 0.99
    for code in CODES:
        mine = out.description[args["types"] == code]
        titles = out.title[args["types"] == code]
        # Hundreds of distinct openings of the problem itself (after the channel's framing).
        cores = {re.sub(r"^.*?[：，]", "", d)[:14] for d in mine}
        assert len(mine) > 300 and len(cores) > 250, (code, len(cores))
        assert len(set(titles)) > 40, code
        # Every problem of the phrase book is told (plain texts: the type's own facts).
        plain = out.description[(args["types"] == code) & (out.kind == "plain")][:300]
        facts = [f[0] for f in ph.FACTS[code]]
        told = {f for f in facts if any(_says(d, (f,)) for d in plain)}
        assert len(told) >= 0.9 * len(facts), (code, set(facts) - told)
        assert len(set(mine)) == len(mine), code
    lengths = np.array([len(d) for d in out.description])
    assert 30 < np.median(lengths) < 160


def test_txt003_never_the_catalogue_name(many) -> None:  # noqa: ANN001
    _, out = many
    names = set(NAMES.values()) | {n + "纠纷" for n in NAMES.values()}
    for text in (*out.title, *out.description):
        assert not any(name in text for name in names), text
    # The phrase book itself, so a phrase no draw reached is checked too.
    book = [*ph.URBAN_PLACES, *ph.RURAL_PLACES, *ph.DETAILS_SHARED, *ph.EMOTIONS]
    for table in (ph.FACTS, ph.DETAILS, ph.DEMANDS, ph.CONTEXT):
        for entries in table.values():
            for e in entries:
                book.extend(e if isinstance(e, tuple) else (e,))
    for _types, facts in ph.THEMES.values():
        book.extend(x for f in facts for x in f)
    assert not [p for p in book if any(name in p for name in names)]


def test_txt004_ambiguous_and_multi_issue_shares(many) -> None:  # noqa: ANN001
    args, out = many
    kinds = Counter(out.kind.tolist())
    assert abs(kinds["ambiguous"] / N - tx.AMBIGUOUS_SHARE) < 0.02
    assert abs(kinds["multi"] / N - tx.MULTI_SHARE) < 0.015
    assert kinds["plain"] + kinds["ambiguous"] + kinds["multi"] == N
    two = out.kind != "plain"
    assert (out.second[two] != args["types"][two]).all()
    assert (out.second[~two] == None).all()  # noqa: E711
    # An ambiguous text speaks in both types' words: the second's facts or its own clauses.
    said_both = 0
    for i in np.flatnonzero(out.kind == "ambiguous"):
        t, s = args["types"][i], out.second[i]
        own = tuple(f[0] for f in ph.FACTS[t]) + ph.CONTEXT[t]
        other = tuple(f[0] for f in ph.FACTS[s]) + ph.CONTEXT[s]
        said_both += _says(out.description[i], own) and _says(out.description[i], other)
    assert said_both / kinds["ambiguous"] > 0.9
    # A multi-issue text tells two problems and asks for both.
    tells_both = asks_both = 0
    for i in np.flatnonzero(out.kind == "multi"):
        s, d = out.second[i], out.description[i]
        tells_both += _says(d, tuple(f[0] for f in ph.FACTS[s]))
        asks = ph.DEMANDS[s] + tuple(f[2] for f in ph.FACTS[s] if len(f) > 2)
        asks_both += any(a in d for a in asks)
    # (A typo can hide a phrase: nearly all, not all.)
    assert tells_both / kinds["multi"] > 0.95 and asks_both / kinds["multi"] > 0.9


def test_txt005_plain_texts_tell_their_own_type(many) -> None:  # noqa: ANN001
    args, out = many
    plain = np.flatnonzero((out.kind == "plain") & (out.theme == None))  # noqa: E711
    told = sum(
        _says(out.description[i], tuple(f[0] for f in ph.FACTS[args["types"][i]])) for i in plain
    )
    assert told / len(plain) > 0.97


def test_txt006_records_are_noisy_like_real_ones(many) -> None:  # noqa: ANN001
    _, out = many
    unpunctuated = np.mean(["，" not in d and "。" not in d for d in out.description])
    assert 0.06 < unpunctuated < 0.14
    # Misspellings no careful operator writes (the colloquial swaps like 没有 → 没 are words too).
    typos = ("以经", "反应", "现再", "连系", "得时候", "一值", "搭复", "他门")
    assert 0.05 < np.mean([any(w in d for w in typos) for d in out.description]) < 0.25
    # Every channel opens its own way.
    openings = {s: Counter() for s in SOURCES}
    args, _ = many
    for s, d in zip(args["sources"], out.description, strict=True):
        openings[s][d[:4]] += 1
    assert "市民来电" in "".join(openings["hotline"]) and "网格员" in "".join(
        openings["grid_worker"]
    )


def test_txt007_recurring_problems_concentrate_in_a_few_communities(many) -> None:  # noqa: ANN001
    args, out = many
    for theme, (types, facts) in ph.THEMES.items():
        mine = out.theme == theme
        assert mine.sum() > 20, theme
        assert np.isin(args["types"][mine], types).all()
        titles = {re.sub(r"\{\w+\}", "", f[1]) for f in facts}
        assert any(t in title for title in out.title[mine] for t in titles)
        # The communities holding most of the theme's texts hold far fewer of all texts.
        counts = Counter(args["communities"][mine].tolist())
        top = [c for c, _ in counts.most_common(2)]
        share_theme = sum(counts[c] for c in top) / mine.sum()
        share_all = np.isin(args["communities"], top).mean()
        assert share_theme > 3 * share_all, (theme, share_theme, share_all)


def test_txt008_a_repeat_call_retells_the_first(many) -> None:  # noqa: ANN001
    args = _inputs(300, seed=4)
    repeat = np.full(300, -1)
    repeat[200:210] = np.arange(10)
    out = tx.compose(np.random.default_rng(3), **args, repeat_of=repeat)
    plain = tx.compose(np.random.default_rng(3), **args)
    assert out.description[:200].tolist() == plain.description[:200].tolist()
    for i in range(200, 210):
        first = out.description[i - 200]
        assert out.kind[i] == "repeat" and out.title[i].startswith(out.title[i - 200])
        # The same problem in the same words (whatever the punctuation of either record).
        strip = re.compile(r"[，。：；！？、,.;: ]")
        a, b = strip.sub("", first), strip.sub("", out.description[i])
        same = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
        assert same.size >= 20, (first, out.description[i])


def test_txt009_the_demo_cases_say_where_and_what() -> None:
    cfg = DemoConfig.for_scale("small", 11, date(2026, 11, 28))
    data = generate(cfg)
    disputes = data.kinds["disputes"]
    # Not the old '{type}：{address}' template.
    old = [f"{NAMES[t]}：" for t in CODES] + [f"{NAMES[t]}纠纷：" for t in CODES]
    assert not disputes["title"].map(lambda s: any(s.startswith(o) for o in old)).any()
    assert disputes["description"].is_unique
    # The place is the case's own: its address, or its community (小区 or village by name).
    grid_of = data.kinds["buildings"].set_index("address")["grid_code"]
    community_of = data.kinds["grids"].set_index("code")["community_code"]
    name_of = data.kinds["areas"].set_index("code")["name"]
    # Cases waiting for their location have an address no building has: judged on the rest.
    located = disputes[disputes["address"].isin(grid_of.index)]
    community = located["address"].map(grid_of).map(community_of).map(name_of)
    stem = community.str.replace(r"(社区|村)$", "", regex=True)
    own_place = [
        a in d or s in d
        for a, s, d in zip(located["address"], stem, located["description"], strict=True)
    ]
    assert 0.75 < np.mean(own_place) < 0.95
