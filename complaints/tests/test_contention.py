"""Registration keeps the locks every registration needs short: the day's tracking number is
issued in a statement of its own before the registration's transaction, triage reads the text
before it too, and the shared statistics cells are the transaction's last write — so that
concurrent registrations do not queue behind each other's CPU work (bench/load.py)."""

from typing import Any

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_shared_rows_are_locked_outside_the_transaction_or_last(register: Any) -> None:
    register()  # the first registration of a process also builds the duplicate index
    statements: list[tuple[str, bool]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        register()
    counter = [inside for sql, inside in statements if "complaints_dailycounter" in sql]
    assert counter == [False]
    inside = [sql for sql, within in statements if within]
    assert any(sql.startswith('INSERT INTO "complaints_complaint"') for sql in inside)
    assert inside[-1].startswith('INSERT INTO "reports_tally"')
    assert not [sql for sql in inside if "triage_triagerecord" in sql and sql.startswith("SELECT")]
