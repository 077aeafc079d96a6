"""The rollup tables, kept in step with the complaints.

`on_register` and `on_action` are called inside the transaction of every registration and every
lifecycle action, so a cell changes if and only if the complaint change commits. Registration is
on the hot path: it writes its cells with one statement and no read (a complaint with no `Fact`
row still contributes what it did at registration). An action compares what the complaint
contributes now with what it contributed before and adds the difference to the cells, in one
upsert per table; cells are written in key order so that concurrent writers on PostgreSQL lock
them in the same order. `manage.py rebuild_rollups --check` recomputes everything and compares.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection

from reports.choices import ALL, CUBES, DAY, DIMS, GRAINS, MEASURES
from reports.facts import EMPTY, Facts, compute, load_related
from reports.models import Fact, Spread, Tally

TallyKey = tuple[Any, ...]  # (grain, cube, period, unit_id, *DIMS)
SpreadKey = tuple[Any, ...]  # (grain, period, unit_id, business, metric, value)
TALLY_KEY = ("grain", "cube", "period", "unit_id", *DIMS)
SPREAD_KEY = ("grain", "period", "unit_id", "business", "metric", "value")
ROW_FIELDS = (
    "received_at",
    "registered_at",
    "unit_id",
    "codes",
    "channel",
    "source",
    "severity",
    "state",
    "validity",
    "tags",
)


def period_of(grain: str, day: date) -> date:
    return day if grain == DAY else day.replace(day=1)


@dataclass
class Delta:
    """Changes to add to the cells: measure vectors per tally cell, counts per spread cell."""

    tallies: dict[TallyKey, list[int]] = field(default_factory=dict)
    spreads: dict[SpreadKey, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, f: Facts, sign: int = 1) -> None:
        for grain in GRAINS:
            period = period_of(grain, f.day)
            for cube, kept in CUBES.items():
                dims = tuple(v if d in kept else ALL for d, v in zip(DIMS, f.dims, strict=True))
                key = (grain, cube, period, f.unit_id, *dims)
                cell = self.tallies.get(key)
                if cell is None:
                    self.tallies[key] = [sign * v for v in f.measures]
                else:
                    for i, v in enumerate(f.measures):
                        cell[i] += sign * v
            for metric, value in f.spreads():
                self.spreads[(grain, period, f.unit_id, f.business, metric, value)] += sign

    def nonzero(self) -> tuple[dict[TallyKey, list[int]], dict[SpreadKey, int]]:
        return (
            {k: v for k, v in self.tallies.items() if any(v)},
            {k: v for k, v in self.spreads.items() if v},
        )


def _upsert(
    table: str, keys: tuple[str, ...], sums: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT … ON CONFLICT DO UPDATE adding the sums (SQLite ≥ 3.24 and PostgreSQL)."""
    if not rows:
        return
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in (*keys, *sums))
    marks = "(" + ", ".join(["%s"] * (len(keys) + len(sums))) + ")"
    updates = ", ".join(f"{q(s)} = {q(table)}.{q(s)} + excluded.{q(s)}" for s in sums)
    # Names come from the models, every value is a parameter.
    values = ", ".join([marks] * len(rows))
    sql = (
        f"INSERT INTO {q(table)} ({columns}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({', '.join(q(k) for k in keys)}) DO UPDATE SET {updates}"
    )
    params: list[Any] = []
    adapt = connection.ops.adapt_datefield_value
    for row in rows:
        params.extend(adapt(v) if isinstance(v, date) else v for v in row)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def slot_of(complaint_id: int) -> int:
    """The row of each tally cell a complaint's changes go to. Every registration and action
    adds to the cells of its day, so on PostgreSQL, where writers lock the rows they upsert
    until they commit, one row per cell would queue them all behind each other: the cell is
    kept as TOUSU_ROLLUP_SLOTS rows instead, which readers sum. SQLite has one writer at a
    time anyway, and one row."""
    if connection.vendor == "sqlite":
        return 0
    return complaint_id % max(1, settings.TOUSU_ROLLUP_SLOTS)


def write(delta: Delta, slot: int = 0) -> None:
    tallies, spreads = delta.nonzero()
    _upsert(Tally._meta.db_table, (*TALLY_KEY, "slot"), MEASURES,
            [(*k, slot, *tallies[k]) for k in sorted(tallies)])
    _upsert(Spread._meta.db_table, SPREAD_KEY, ("n",), [(*k, spreads[k]) for k in sorted(spreads)])


def on_register(complaint: Any) -> None:
    """Count a newly registered complaint: one statement, no read."""
    delta = Delta()
    delta.add(compute(complaint, EMPTY))
    write(delta, slot_of(complaint.pk))


def on_action(complaint: Any) -> None:
    """Move the complaint's contribution to what it is now. Called by run_action after the
    handler and before the complaint is saved (so that, for a complaint with no Fact row yet,
    the stored row still holds what it was registered with). A merge also refreshes the primary,
    whose clock the merge may restart."""
    _refresh(complaint)
    if complaint.state == "merged" and complaint.primary_id:
        from complaints.models import Complaint

        primary = Complaint.objects.only(*ROW_FIELDS).filter(pk=complaint.primary_id).first()
        if primary is not None:
            _refresh(primary)


def facts_of_row(fact: Fact) -> Facts:
    return Facts(
        day=fact.day,
        unit_id=fact.unit_id,
        dims=tuple(getattr(fact, d) for d in DIMS),
        measures=tuple(getattr(fact, m) for m in MEASURES),
    )


def fact_row(complaint_id: int, f: Facts) -> Fact:
    return Fact(
        complaint_id=complaint_id,
        day=f.day,
        unit_id=f.unit_id,
        **dict(zip(DIMS, f.dims, strict=True)),
        **dict(zip(MEASURES, f.measures, strict=True)),
    )


def _refresh(complaint: Any) -> None:
    from complaints.models import Complaint

    stored = Fact.objects.filter(pk=complaint.pk).first()
    if stored is not None:
        old = facts_of_row(stored)
    else:
        as_registered = Complaint.objects.only(*ROW_FIELDS).get(pk=complaint.pk)
        old = compute(as_registered, EMPTY)
    withdrawn = [complaint.pk] if complaint.state == "withdrawn" else []
    new = compute(complaint, load_related([complaint.pk], withdrawn)[complaint.pk])
    if new == old:
        return
    delta = Delta()
    delta.add(old, -1)
    delta.add(new, +1)
    write(delta, slot_of(complaint.pk))
    fact_row(complaint.pk, new).save(force_insert=stored is None, force_update=stored is not None)


def contributions(complaints: Iterable[Any]) -> dict[int, Facts]:
    """The facts of many complaints (with ROW_FIELDS loaded), reading their records in bulk."""
    rows = list(complaints)
    related = load_related([c.pk for c in rows], [c.pk for c in rows if c.state == "withdrawn"])
    return {c.pk: compute(c, related[c.pk]) for c in rows}
