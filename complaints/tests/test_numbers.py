"""Tracking numbers: the format, and no two alike under concurrent registration."""

import json
import re
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from complaints.models import Complaint
from conftest import complaint_body
from org.keys import issue_key


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_registrations_get_fifty_distinct_numbers(cast: Any) -> None:
    _, token = issue_key("cti", ["complaints:create"], cast.bj)
    results: list[int] = []
    barrier = threading.Barrier(10)

    def worker(start: int) -> None:
        client = Client(headers={"Authorization": f"Bearer {token}"})
        barrier.wait()
        try:
            for i in range(start, start + 5):
                response = client.post(
                    "/api/v1/complaints", data=json.dumps(complaint_body(content=f"第{i}件投诉")),
                    content_type="application/json", headers={"Idempotency-Key": f"c-{i}"},
                )
                results.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n * 5,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [201] * 50
    numbers = list(Complaint.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 50
    assert all(re.fullmatch(r"TS-\d{8}-\d{6}", n) for n in numbers)
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 51))


@pytest.mark.django_db
def test_numbers_grow_a_digit_after_999999_in_a_day() -> None:
    import datetime as dt

    from complaints.models import DailyCounter
    from complaints.numbers import next_number

    day = dt.date(2026, 11, 22)
    DailyCounter.objects.create(day=day, last=999_999)
    assert next_number(day) == "TS-20261122-1000000"
    assert next_number(dt.date(2026, 11, 23)) == "TS-20261123-000001"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_retries_with_one_key_give_one_complaint(cast: Any) -> None:
    _, token = issue_key("cti", ["complaints:create"], cast.bj)
    answers: list[tuple[int, str]] = []
    barrier = threading.Barrier(20)
    body = json.dumps(complaint_body())

    def worker() -> None:
        client = Client(headers={"Authorization": f"Bearer {token}"})
        barrier.wait()
        try:
            response = client.post("/api/v1/complaints", data=body,
                                   content_type="application/json",
                                   headers={"Idempotency-Key": "one-key"})
            answers.append((response.status_code, response.json()["number"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _ in answers) == [200] * 19 + [201]
    assert len({number for _, number in answers}) == 1
    assert Complaint.objects.count() == 1
