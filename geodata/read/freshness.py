"""How fresh the data a connection reads is: now on a primary, the last replayed commit on a
streaming replica that has not yet replayed everything it received (replica lag)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

# In recovery; caught up (replayed all it received — true on a primary, where both are NULL);
# the primary's commit time of the last transaction replayed; seconds since then.
REPLICA_STATE_SQL = (
    "SELECT pg_is_in_recovery(),"
    " pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn(),"
    " pg_last_xact_replay_timestamp(),"
    " extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())"
)


def data_as_of(conn: Connection, now: datetime) -> datetime:
    """``now``, or the last replayed commit's time when ``conn`` reads a replica still behind."""
    in_recovery, caught_up, replayed, _ = conn.execute(text(REPLICA_STATE_SQL)).one()
    if not in_recovery or caught_up or replayed is None:
        return now
    return min(now, replayed.astimezone(now.tzinfo))
