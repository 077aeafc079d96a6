"""Project-wide checks: migrations match the models; settings fail fast on bad values."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from tousu.envconf import database_from_url, env_bool, env_int


@pytest.mark.django_db
def test_migrations_match_the_models() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_settings_helpers_fail_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "maybe")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_BOOL", False)
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 1)
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://x/y")
    with pytest.raises(ImproperlyConfigured, match="port must be a number"):
        database_from_url("postgres://tousu:pw@db:54x32/tousu")


def test_sqlite_runs_in_wal_mode_with_immediate_writes() -> None:
    db = database_from_url("sqlite:///var/x.sqlite3")
    options = db["OPTIONS"]
    assert isinstance(options, dict)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    pg = database_from_url("postgres://u:p%40ss@db:5433/tousu")
    assert (pg["HOST"], pg["PORT"], pg["PASSWORD"], pg["NAME"]) == ("db", "5433", "p@ss", "tousu")
    assert pg["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}


def test_prepared_statements_can_be_turned_off_for_a_pooler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOUSU_PG_PREPARED", "false")
    assert database_from_url("postgres://db/tousu")["OPTIONS"] == {"server_side_binding": False}


@pytest.mark.django_db
def test_postgresql_prepares_the_statements_it_runs_often() -> None:
    from django.db import connection

    from org.models import OrgUnit

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    for _ in range(6):  # psycopg prepares a statement on its fifth run
        list(OrgUnit.objects.filter(code="prepared-probe"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"org_orgunit"' in sql and "$1" in sql for sql in prepared), prepared


@pytest.mark.django_db
def test_the_live_connection_is_in_wal_mode() -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 5  # the backend itself waits (tousu/sqlite)


@pytest.mark.django_db(transaction=True)
def test_a_writer_waits_for_the_lock_instead_of_failing() -> None:
    """One connection holds the write lock for 300 ms (far past the 5 ms driver timeout); a
    second writer, in autocommit and in a transaction, waits and succeeds."""
    import sqlite3
    import threading
    import time

    from django.db import connection, transaction

    from complaints.models import DailyCounter

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None,
                             check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    released.start()
    started = time.monotonic()
    try:
        import datetime as dt

        DailyCounter.objects.create(day=dt.date(2026, 1, 1), last=1)  # autocommit write
        with transaction.atomic():  # BEGIN IMMEDIATE
            DailyCounter.objects.create(day=dt.date(2026, 1, 2), last=1)
    finally:
        released.join()
        holder.close()
    assert time.monotonic() - started >= 0.25
    assert DailyCounter.objects.count() == 2
