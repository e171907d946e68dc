"""What the benches share: which database they measure."""

from __future__ import annotations

import os

from geodata.settings import Settings

# The map benches read this database; bench/map.py loads the full demo into it on first use.
MAP_BENCH_DATABASE = "zongzhi_map_bench"


def bench_url(database: str) -> str:
    """ZONGZHI_BENCH_DATABASE_URL, or ``database`` in the embedded cluster (created if missing)."""
    url = os.environ.get("ZONGZHI_BENCH_DATABASE_URL")
    if url:
        return url
    from geodata.embedded import EmbeddedCluster

    cluster = EmbeddedCluster(Settings())
    cluster.start()
    cluster.ensure_database(database)
    return cluster.url(database)
