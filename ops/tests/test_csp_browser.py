"""The Content-Security-Policy in a real browser (Debian's Chromium): the staff pages, the
reports, the portal, the admin and the API docs load with no violation reported, and the
dashboard's nonced script still draws its charts."""

import os
from pathlib import Path
from typing import Any

import pytest

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow, pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Debian chromium"),
    # Templates, not the database: like the portal's browser test, the SQLite pass only.
    pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="runs in the SQLite pass of tools/test.sh"),
]


def test_no_page_breaks_the_policy(live_server: Any, cast: Any, register: Any,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop
    number = register().number
    violations: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.on("console", lambda m: violations.append(f"{page.url}: {m.text}")
                if "Content Security Policy" in m.text else None)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "cpo")
        page.fill("#id_password", "pw-for-tests-only")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        for path in ["/", "/home/", "/dashboard/", f"/complaints/{number}/", "/reports/",
                     "/reports/disclosure/2026/", "/portal/", "/portal/file/", "/admin/login/",
                     "/api/v1/docs"]:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            if path == "/dashboard/":
                assert page.evaluate("document.body.dataset.chartsReady") == "1"
        browser.close()
    assert violations == []
