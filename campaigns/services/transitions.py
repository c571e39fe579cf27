"""Bulk, status-guarded assignment state changes that keep the progress counters exact under concurrency."""

from __future__ import annotations

from collections import Counter

from django.db import connection
from django.utils import timezone

from campaigns.models import Assignment, Wave
from campaigns.services.progress import counters_apply

TABLE = Assignment._meta.db_table


def wave_numbers(campaign_id: int) -> dict[int | None, int]:
    """Wave id → wave number for one campaign (``None`` → 0: outside any wave)."""
    numbers: dict[int | None, int] = dict(Wave.objects.filter(campaign_id=campaign_id).values_list("id", "number"))
    numbers[None] = 0
    return numbers


def assignments_transition(
    *,
    campaign_id: int,
    from_states: tuple[str, ...] | list[str],
    to_state: str,
    where: str = "",
    params: tuple | list = (),
    set_sql: str = "",
    set_params: tuple | list = (),
) -> int:
    """Move a campaign's assignments from ``from_states`` to ``to_state`` (optionally narrowed by ``where``) and
    update the counters by exactly the rows that moved. Returns how many moved.

    Each UPDATE is guarded by the old state and RETURNs the rows it changed, so a concurrent ingest or push can
    never make the counters drift. Runs in the caller's transaction.
    """
    now = timezone.now()
    numbers = wave_numbers(campaign_id)
    deltas: Counter = Counter()
    moved = 0
    extra_set = f", {set_sql}" if set_sql else ""
    extra_where = f" AND ({where})" if where else ""
    with connection.cursor() as cursor:
        for old in from_states:
            if old == to_state:
                continue
            cursor.execute(
                f"UPDATE {TABLE} SET state = %s, state_changed_at = %s, updated_at = %s{extra_set} "
                f"WHERE campaign_id = %s AND state = %s{extra_where} RETURNING wave_id",
                [to_state, now, now, *set_params, campaign_id, old, *params],
            )
            for (wave_id,) in cursor.fetchall():
                deltas[(numbers.get(wave_id, 0), old)] -= 1
                deltas[(numbers.get(wave_id, 0), to_state)] += 1
                moved += 1
    counters_apply(campaign_id=campaign_id, deltas=deltas)
    return moved
