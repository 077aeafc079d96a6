"""A real Redis and a real Celery worker for the production profile's tests: a private
redis-server on a free loopback port (never the shared one), and `celery -A tousu worker` as a
subprocess on the test database (the SQLite file or the PostgreSQL test database)."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tousu.envconf import database_url

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (tools/services.sh install)")
    import redis

    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)

    def up() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        wait_for(up, 10, "redis-server")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def celery_redis(redis_url: str, settings: Any) -> Iterator[Any]:
    """This process talks to the private Redis: the outbox kick and the Celery producer."""
    import redis

    from tousu.celery import app

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    settings.REDIS_URL = redis_url
    settings.TOUSU_TASKS = "celery"
    if app.conf.broker_url != redis_url:
        app.conf.broker_url = redis_url
        # Connection and producer pools made for another broker, if any, are dropped.
        app._pool = None
        app.amqp._producer_pool = None
    yield client
    client.flushdb()


@pytest.fixture
def celery_worker(transactional_db: None, celery_redis: Any, redis_url: str,
                  tmp_path: Path) -> Iterator[Any]:
    """`celery -A tousu worker` on the test database; yields once it is ready (its first
    heartbeat is in Redis), stops it (warm shutdown) at the end. Its log is in tmp_path."""
    from django.db import connection

    from ops import redis as ops_redis

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tousu.settings", "TOUSU_TASKS": "celery",
           "REDIS_URL": redis_url, "DATABASE_URL": database_url(connection.settings_dict),
           "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
           "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT)}
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tousu", "worker", "-Q", "tousu,bulk",
             "--pool", "prefork", "--concurrency", "1", "--without-gossip", "--without-mingle",
             "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"the worker exited:\n{log.read_text()[-3000:]}")
            return bool(celery_redis.exists(ops_redis.HEARTBEAT_KEY))

        wait_for(ready, 30, "the Celery worker to start")
        yield process
    finally:
        process.terminate()  # SIGTERM: warm shutdown, the running task finishes
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print(log.read_text()[-5000:])  # shown when the test fails
