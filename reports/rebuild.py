"""Recompute the rollups from the complaints, month by month (memory stays bounded by one
month of complaints), and compare them with the stored cells or replace them."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Min

from complaints.models import Complaint
from reports.choices import DAY, DIMS, MEASURES
from reports.facts import EMPTY, Facts, compute, local_day, zone
from reports.models import Fact, Spread, Tally
from reports.rollups import ROW_FIELDS, Delta, contributions, fact_row, facts_of_row

CHUNK = 2000


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _months() -> list[dt.date]:
    """Every month with a complaint received in it or a stored cell."""
    bounds = Complaint.objects.aggregate(lo=Min("received_at"), hi=Max("received_at"))
    months: set[dt.date] = set(
        Tally.objects.filter(grain="m").values_list("period", flat=True).distinct()
    )
    if bounds["lo"] is not None:
        month = local_day(bounds["lo"]).replace(day=1)
        last = local_day(bounds["hi"]).replace(day=1)
        while month <= last:
            months.add(month)
            month = _next_month(month)
    months |= {
        p.replace(day=1)
        for p in Tally.objects.filter(grain=DAY).values_list("period", flat=True).distinct()
    }
    return sorted(months)


def _month_complaints(month: dt.date) -> Iterator[list[Any]]:
    tz = zone()
    lo = dt.datetime.combine(month, dt.time(), tz)
    hi = dt.datetime.combine(_next_month(month), dt.time(), tz)
    queryset = (
        Complaint.objects.filter(received_at__gte=lo, received_at__lt=hi)
        .only(*ROW_FIELDS)
        .order_by("pk")
    )
    chunk: list[Any] = []
    for complaint in queryset.iterator(chunk_size=CHUNK):
        chunk.append(complaint)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class MonthResult:
    delta: Delta
    facts: dict[int, Facts]
    registered: dict[int, Facts]  # what each complaint contributed when registered


def recompute(month: dt.date) -> MonthResult:
    delta, facts, registered = Delta(), {}, {}
    for chunk in _month_complaints(month):
        for pk, f in contributions(chunk).items():
            delta.add(f)
            facts[pk] = f
        for c in chunk:
            registered[c.pk] = compute(c, EMPTY)
    return MonthResult(delta, facts, registered)


def _stored(month: dt.date) -> tuple[dict[tuple[Any, ...], list[int]], dict[tuple[Any, ...], int]]:
    end = _next_month(month) - dt.timedelta(days=1)
    cells = Tally.objects.filter(grain="m", period=month) | Tally.objects.filter(
        grain=DAY, period__range=(month, end)
    )
    tallies: dict[tuple[Any, ...], list[int]] = {}
    for row in cells.values_list("grain", "cube", "period", "unit_id", *DIMS, *MEASURES):
        key, measures = tuple(row[: 4 + len(DIMS)]), list(row[4 + len(DIMS) :])
        summed = tallies.get(key)  # a cell's slots (reports.rollups.slot_of) add up
        tallies[key] = measures if summed is None else [a + b for a, b in
                                                         zip(summed, measures, strict=True)]
    tallies = {k: v for k, v in tallies.items() if any(v)}
    spread_rows = Spread.objects.filter(grain="m", period=month) | Spread.objects.filter(
        grain=DAY, period__range=(month, end)
    )
    spreads = {
        tuple(r[:-1]): r[-1]
        for r in spread_rows.values_list(
            "grain", "period", "unit_id", "business", "metric", "value", "n"
        )
        if r[-1]
    }
    return tallies, spreads


@dataclass
class CheckResult:
    months: int = 0
    complaints: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def check(limit: int = 50) -> CheckResult:
    """Compare every stored cell and Fact with a full recomputation."""
    result = CheckResult()
    for month in _months():
        result.months += 1
        fresh = recompute(month)
        result.complaints += len(fresh.facts)
        expected_tallies, expected_spreads = fresh.delta.nonzero()
        tallies, spreads = _stored(month)
        for key in sorted(set(tallies) | set(expected_tallies), key=str):
            if tallies.get(key) != expected_tallies.get(key):
                result.differences.append(
                    f"tally {key}: stored {tallies.get(key)}, expected {expected_tallies.get(key)}"
                )
        for key in sorted(set(spreads) | set(expected_spreads), key=str):
            if spreads.get(key) != expected_spreads.get(key):
                result.differences.append(
                    f"spread {key}: stored {spreads.get(key)}, expected {expected_spreads.get(key)}"
                )
        stored_facts = {
            f.pk: facts_of_row(f) for f in Fact.objects.filter(complaint_id__in=list(fresh.facts))
        }
        for pk, f in fresh.facts.items():
            stored = stored_facts.get(pk, fresh.registered[pk])
            if stored != f:
                result.differences.append(f"complaint {pk}: stored facts {stored}, expected {f}")
        if len(result.differences) > limit:
            result.differences = result.differences[:limit]
            break
    return result


def rebuild() -> int:
    """Replace every cell and Fact by a full recomputation, in one transaction (writers wait
    for it). Returns the number of complaints counted."""
    counted = 0
    with transaction.atomic():
        months = _months()
        Tally.objects.all().delete()
        Spread.objects.all().delete()
        Fact.objects.all().delete()
        for month in months:
            fresh = recompute(month)
            counted += len(fresh.facts)
            tallies, spreads = fresh.delta.nonzero()
            Tally.objects.bulk_create(
                [
                    Tally(
                        **dict(zip(("grain", "cube", "period", "unit_id", *DIMS), k, strict=True)),
                        **dict(zip(MEASURES, v, strict=True)),
                    )
                    for k, v in tallies.items()
                ],
                batch_size=500,
            )
            Spread.objects.bulk_create(
                [
                    Spread(
                        grain=k[0],
                        period=k[1],
                        unit_id=k[2],
                        business=k[3],
                        metric=k[4],
                        value=k[5],
                        n=n,
                    )
                    for k, n in spreads.items()
                ],
                batch_size=1000,
            )
            Fact.objects.bulk_create(
                [fact_row(pk, f) for pk, f in fresh.facts.items() if f != fresh.registered[pk]],
                batch_size=500,
            )
    return counted
