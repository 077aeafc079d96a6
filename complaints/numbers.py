"""Tracking numbers TS-YYYYMMDD-NNNNNN, issued from a per-day counter."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from complaints.models import DailyCounter


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def next_number(day: dt.date) -> str:
    """Issue the day's next number. The upsert takes the counter row's write lock, so concurrent
    registrations never share a number; registration runs it as a statement of its own, before
    its transaction, so the lock is held for that statement only. A registration that fails
    afterwards leaves a gap, which is allowed (numbers are never reused). Past 999,999 a day the
    number simply grows a digit."""
    table = DailyCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608 (table name is ours)
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (last,) = cursor.fetchone()
    return f"TS-{day:%Y%m%d}-{last:06d}"
