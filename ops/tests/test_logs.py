"""Logs: customer identifiers are masked in every record (message, arguments, traceback,
extra fields), and TOUSU_LOG_FORMAT=json writes one JSON object a line."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from ops.logs import JsonFormatter, MaskPII

ROOT = Path(__file__).resolve().parents[2]
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
TASK_ID = "36ee58f2-7017-4240-8445-749d6996ef8b"


def _json_logger() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskPII())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("ops.tests.masked")
    logger.handlers, logger.propagate = [handler], False
    return logger, stream


def test_an_id_number_and_a_phone_come_out_masked_in_json() -> None:
    logger, stream = _json_logger()
    logger.warning("customer %s called from %s", ID_NUMBER, int(PHONE),
                   extra={"contact": f"mail a.customer@example.com or {PHONE}"})
    record = json.loads(stream.getvalue())
    assert record["message"] == "customer 110105********002X called from 138****5678"
    assert record["contact"] == "mail a***@example.com or 138****5678"
    assert (record["level"], record["logger"]) == ("WARNING", "ops.tests.masked")
    assert ID_NUMBER not in stream.getvalue() and PHONE not in stream.getvalue()


def test_a_traceback_is_masked_too() -> None:
    logger, stream = _json_logger()
    try:
        raise ValueError(f"no customer with phone {PHONE}")
    except ValueError:
        logger.exception("lookup failed")
    record = json.loads(stream.getvalue())
    assert "ValueError: no customer with phone 138****5678" in record["exc_info"]
    assert PHONE not in stream.getvalue()


def test_the_data_celery_passes_in_extra_is_masked_too() -> None:
    """Celery logs a task's received, retry and failure lines with extra={"data": {...}}: its
    arguments, exception and traceback, which the JSON formatter writes as they are."""
    logger, stream = _json_logger()
    data = {"id": TASK_ID, "name": "tousu.tasks.run_job", "args": f"['{ID_NUMBER}']",
            "exc": f"IntegrityError('phone {PHONE} taken')",
            "traceback": f"Traceback ...\nIntegrityError: phone {PHONE} taken", "internal": False}
    logger.warning("Task %s[%s] raised unexpected", data["name"], TASK_ID, extra={"data": data})
    record = json.loads(stream.getvalue())
    assert PHONE not in stream.getvalue() and ID_NUMBER not in stream.getvalue()
    assert record["data"]["exc"] == "IntegrityError('phone 138****5678 taken')"
    assert record["data"]["args"] == "['110105********002X']"
    assert record["data"]["internal"] is False
    assert data["exc"] == f"IntegrityError('phone {PHONE} taken')"  # Celery's own dict untouched


def test_the_request_django_logs_a_404_with_comes_out_masked() -> None:
    """django.request passes the request in `extra`; the JSON formatter wrote its text, the
    full path with the query string, as it was."""
    from django.test import RequestFactory

    logger, stream = _json_logger()
    request = RequestFactory().get("/nowhere/", {"phone": PHONE, "id": ID_NUMBER})
    logger.warning("Not Found: %s", request.path,
                   extra={"status_code": 404, "request": request})
    record = json.loads(stream.getvalue())
    assert PHONE not in stream.getvalue() and ID_NUMBER not in stream.getvalue()
    assert record["request"] == ("<WSGIRequest: GET '/nowhere/?phone=138****5678"
                                 "&id=110105********002X'>")
    assert record["status_code"] == 404


def test_a_task_id_stays_whole_for_the_operator_to_grep() -> None:
    logger, stream = _json_logger()
    logger.info("Task tousu.tasks.deliver_outbox[%s] received", TASK_ID,
                extra={"data": {"id": TASK_ID}})
    record = json.loads(stream.getvalue())
    assert record["message"] == f"Task tousu.tasks.deliver_outbox[{TASK_ID}] received"
    assert record["data"]["id"] == TASK_ID


def test_the_settings_write_masked_json_logs_in_production_format() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tousu.settings", "TOUSU_LOG_FORMAT": "json",
           "PYTHONPATH": str(ROOT)}
    code = ("import django, logging; django.setup(); "
            f"logging.getLogger('complaints').info('registered for %s', '{ID_NUMBER}')")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    record = json.loads(done.stderr.strip().splitlines()[-1])
    assert record["message"] == "registered for 110105********002X"
    assert record["logger"] == "complaints"


def test_celery_workers_and_beat_log_at_log_level_not_celerys_default() -> None:
    """`celery -A tousu worker` (README, no --loglevel) sets up logging at WARNING: the INFO
    records of deliveries and of beat's sent tasks must still be written, masked, as JSON."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tousu.settings", "TOUSU_LOG_FORMAT": "json",
           "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT)}
    code = ("import django, logging; django.setup(); from tousu.celery import app; "
            "app.log.setup(loglevel='WARNING'); "
            f"logging.getLogger('tousu.sms').info('SMS to %s', '{PHONE}')")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    record = json.loads(done.stderr.strip().splitlines()[-1])
    assert (record["message"], record["level"]) == ("SMS to 138****5678", "INFO")


def test_gunicorn_writes_its_own_lines_as_json_too(tmp_path: Path) -> None:
    """README's production command runs gunicorn with tousu/gunicorn_conf.py: its start and
    worker lines must be JSON like the application's, for the same log shipper."""
    home = tmp_path / "home"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tousu.settings", "TOUSU_LOG_FORMAT": "json",
           "PYTHONPATH": str(ROOT), "TOUSU_VAR_DIR": str(tmp_path), "HOME": str(home),
           "XDG_RUNTIME_DIR": ""}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-c", "python:tousu.gunicorn_conf", "tousu.wsgi", "--bind",
         "127.0.0.1:0", "--workers", "1"], env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        assert server.stderr is not None
        for line in server.stderr:
            lines.append(line)
            if "Booting worker" in line:
                break
    finally:
        server.terminate()
        server.wait(timeout=30)
    records = [json.loads(line) for line in lines if line.strip()]
    assert records and all(r["logger"].startswith("gunicorn") for r in records)
    assert any("Booting worker" in r["message"] for r in records)
    # No control socket: a second gunicorn of the same user (another web server, a benchmark)
    # would take it over and delete it on stopping.
    assert not (home / ".gunicorn").exists()


def test_gunicorns_access_log_names_the_client_the_trusted_proxy_forwarded(
        tmp_path: Path) -> None:
    """Behind the bank's TLS proxy every connection comes from the proxy: the access log names
    the hop it added to X-Forwarded-For (as the portal's rate limits count it), not a hop the
    client wrote, and keeps its timestamp whole."""
    import contextlib
    import queue
    import re
    import threading
    import urllib.request

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tousu.settings", "TOUSU_LOG_FORMAT": "json",
           "PYTHONPATH": str(ROOT), "TOUSU_VAR_DIR": str(tmp_path), "HOME": str(tmp_path),
           "XDG_RUNTIME_DIR": "", "TOUSU_TRUSTED_PROXIES": "1"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-c", "python:tousu.gunicorn_conf", "tousu.wsgi", "--bind",
         "127.0.0.1:0", "--workers", "1"], env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    assert server.stderr is not None
    threading.Thread(target=lambda: [lines.put(line) for line in server.stderr or []],
                     daemon=True).start()

    def record_with(text: str, logger: str = "gunicorn.error") -> dict[str, str]:
        while True:  # queue.Empty after 60 s fails the test rather than hanging it
            record = json.loads(lines.get(timeout=60))
            if text in record["message"] and record["logger"] == logger:
                return record

    try:
        port = re.search(r":(\d+)", record_with("Listening at")["message"])
        assert port
        record_with("Booting worker")
        url = f"http://127.0.0.1:{port.group(1)}/no-such-page/"
        for headers in ({"X-Forwarded-For": "6.6.6.6, 203.0.113.7"}, {}):
            with contextlib.suppress(urllib.error.HTTPError):  # the page is a 404
                urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30)
        spoofed = record_with("/no-such-page/", "gunicorn.access")
        direct = record_with("/no-such-page/", "gunicorn.access")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert spoofed["message"].startswith("203.0.113.7 - - [")
    assert direct["message"].startswith("127.0.0.1 - - [")  # no header: the connection's
    assert re.search(r"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]", spoofed["message"])
