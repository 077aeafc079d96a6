"""The portal's rate limits: counted in a cache every process shares, per customer address
behind trusted proxies, and answered with when to try again."""

import ipaddress
import re
from typing import Any

import pytest
from django.test import Client, RequestFactory

from portal.ratelimit import allow, client_ip
from tousu.envconf import CACHE_TABLE, cache_settings

pytestmark = pytest.mark.django_db


def test_the_cache_is_shared_by_processes_redis_or_a_database_table() -> None:
    from django.db import connection

    redis = cache_settings("redis://127.0.0.1:6379/0")["default"]
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    local = cache_settings("")["default"]
    assert local["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert CACHE_TABLE in connection.introspection.table_names()  # made by migrate


def test_a_hung_redis_fails_a_cache_read_quickly_instead_of_holding_the_request() -> None:
    import socket
    import threading

    from django.core.cache.backends.redis import RedisCache

    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
    params = cache_settings(url)["default"]
    cache = RedisCache(url, {"KEY_PREFIX": params["KEY_PREFIX"], "OPTIONS": params["OPTIONS"]})
    failures: list[Exception] = []

    def read() -> None:
        try:
            cache.get("anything")
        except Exception as exc:
            failures.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=5)  # without a socket timeout it would wait for ever
    silent.close()
    assert not reader.is_alive()
    assert failures and "imeout" in repr(failures[0]) + str(failures[0])


def test_the_configured_cache_is_never_one_process_memory() -> None:
    import tousu.settings

    assert tousu.settings.CACHES["default"]["BACKEND"].rsplit(".", 2)[-2] in {"db", "redis"}


def test_the_counts_are_kept_in_the_shared_table() -> None:
    from django.db import connection

    for _ in range(3):
        assert allow("t", "k", 3, 600)
    assert not allow("t", "k", 3, 600)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {CACHE_TABLE}")
        assert cursor.fetchone()[0] == 1


PROXY = (ipaddress.ip_network("10.0.0.1"),)


def test_client_ip_takes_the_hop_the_trusted_proxy_added(settings: Any) -> None:
    settings.TOUSU_PROXY_ADDRESSES = PROXY
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1",
                                   HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.TOUSU_TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.1"  # no proxy declared: the header is not trusted
    settings.TOUSU_TRUSTED_PROXIES = 1
    assert client_ip(request) == "203.0.113.7"  # not the spoofable left-most entry
    settings.TOUSU_TRUSTED_PROXIES = 2
    assert client_ip(request) == "6.6.6.6"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"


def test_a_forwarded_address_counts_only_from_the_proxy_itself(settings: Any) -> None:
    """A client reaching a web server directly (not through the proxy) cannot pick its own
    rate-limit key or the address the log shows."""
    settings.TOUSU_TRUSTED_PROXIES = 1
    settings.TOUSU_PROXY_ADDRESSES = PROXY
    forged = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(forged) == "10.0.0.9"
    settings.TOUSU_PROXY_ADDRESSES = (ipaddress.ip_network("10.0.0.0/24"),)
    assert client_ip(forged) == "1.2.3.4"


def test_customers_behind_the_proxy_have_their_own_buckets(cast: Any, settings: Any) -> None:
    settings.TOUSU_TRUSTED_PROXIES = 1
    settings.TOUSU_PROXY_ADDRESSES = PROXY
    client = Client(REMOTE_ADDR="10.0.0.1")
    for i in range(10):
        assert client.post("/portal/track/", {"number": f"TS-20000101-{i:06d}"},
                           HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 200
    assert client.post("/portal/track/", {"number": "TS-20000101-000099"},
                       HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    assert client.post("/portal/track/", {"number": "TS-20000101-000099"},
                       HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 200


def test_over_the_check_limit_the_answer_says_when_to_try_again(cast: Any) -> None:
    client = Client()
    for i in range(20):
        client.post("/portal/verify/", {"number": "TS-20000101-000001", "code": f"{i:06d}"})
    response = client.post("/portal/verify/", {"number": "TS-20000101-000001",
                                                "code": "000000"})
    assert response.status_code == 429
    assert re.search(r"尝试次数过多，请\d+分钟后再试", response.content.decode())
    assert "验证码错误或已过期" not in response.content.decode()


def test_a_code_out_of_attempts_says_to_ask_for_a_new_one(cast: Any) -> None:
    from portal.access import MAX_ATTEMPTS, send_code
    from portal.tests.test_portal import _code, _file

    number = _file(Client())
    send_code(number)
    code = _code(number)
    client = Client()
    for _ in range(MAX_ATTEMPTS):
        client.post("/portal/verify/", {"number": number, "code": "x" + code[1:]})
    response = client.post("/portal/verify/", {"number": number, "code": code})
    assert "请重新获取验证码" in response.content.decode()


@pytest.mark.parametrize("phone, ok", [("010-12345678", False), ("+86 10 1234 5678", False),
                                       ("+86 139 1234 5678", True), ("13912345678", True),
                                       ("+44 7700 900123", True)])
def test_the_mobile_phone_field_takes_only_a_number_a_text_can_reach(
        cast: Any, phone: str, ok: bool) -> None:
    from complaints.models import Customer

    response = Client().post("/portal/file/", {
        "name": "李四", "phone": phone, "account_branch": "BJ01", "product": "借记卡",
        "content": "借记卡被盗刷5000元", "claim": "赔偿损失"})
    assert (response.status_code == 302) is ok
    if ok and phone.startswith("+86"):
        assert Customer.objects.get().phone == "13912345678"
