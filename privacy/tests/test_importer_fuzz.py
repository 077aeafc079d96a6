"""Hypothesis against the importers: whatever bytes arrive — an email, a regulator's transfer
file, an org-unit file — the importer never raises an unexpected exception and never writes
half of something: a complaint comes with its first event and its clock, or not at all."""

import csv
import io
from email.message import EmailMessage
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.audit import first_broken_link
from complaints.models import Complaint, Event

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80)
cell = st.one_of(text, st.sampled_from(["", "nfra", "12363", "pboc", "2026-02-30", "1e999",
                                        "¥-5", "NaN", "BJ01", "ZZ99", "11010519491231002X",
                                        "=cmd|' /C calc'!A0", "<script>x</script>", "\x00"]))


def _counts() -> tuple[int, int]:
    return Complaint.objects.count(), Event.objects.count()


def _whole(numbers: list[str]) -> None:
    """Every complaint named was committed whole: its register event, a verifying chain and
    at least one deadline."""
    for c in Complaint.objects.filter(number__in=numbers):
        assert c.events.filter(type="register").exists()
        assert first_broken_link(c) is None
        assert c.deadlines.exists()


# Email ------------------------------------------------------------------------------------------

@st.composite
def emails(draw: Any) -> bytes:
    if draw(st.booleans()):
        return bytes(draw(st.binary(max_size=600)))
    msg = EmailMessage()
    msg["From"] = draw(st.sampled_from(["张三 <zhangsan@example.cn>", "not an address", "",
                                        "=?gbk?B?1cXI/Q==?= <a@b.cn>"]))
    msg["To"] = "complaints@bank.example"
    msg["Subject"] = draw(text).replace("\n", " ").replace("\r", " ")
    msg["Message-ID"] = f"<{draw(st.uuids()).hex}@fuzz>"
    if draw(st.booleans()):
        msg["Date"] = draw(st.sampled_from(["Sun, 22 Nov 2026 09:30:00 +0800", "yesterday", ""]))
    body = draw(text)
    charset = draw(st.sampled_from(["utf-8", "gb18030", "big5"]))
    try:
        body.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    msg.set_content(body, subtype=draw(st.sampled_from(["plain", "html"])), charset=charset)
    if draw(st.booleans()):
        msg.add_attachment(draw(st.binary(max_size=300)), maintype="application",
                           subtype="octet-stream", filename=draw(text) or "a.bin")
        msg.set_boundary("fuzz-boundary")  # not random: hypothesis replays exactly
    raw = msg.as_bytes()
    if draw(st.booleans()):  # damage it
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.binary(max_size=40)) + raw[cut:]
    return raw


@FUZZ
@given(raw=emails())
def test_the_email_importer_takes_any_bytes(cast: Any, raw: bytes) -> None:
    from intake.mail import ingest
    from intake.models import QuarantinedMessage

    before, quarantined = _counts(), QuarantinedMessage.objects.count()
    result = ingest(raw, "fuzz")
    complaints, events = _counts()
    if result.status == "created":
        assert complaints == before[0] + 1
        _whole([result.number])
    elif result.status == "quarantined":
        assert (complaints, events) == before
        assert QuarantinedMessage.objects.count() in (quarantined, quarantined + 1)
    else:
        assert complaints == before[0]


# Regulator transfer files -----------------------------------------------------------------------

HEADERS = ["reference", "regulator", "customer_name", "content", "received_at", "amount",
           "phone", "id_number", "unit", "claim", "email", "language"]


@st.composite
def transfer_files(draw: Any) -> tuple[str, bytes]:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(["t.csv", "t.xlsx", "t"])), bytes(draw(st.binary(
            max_size=400)))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=3, max_size=len(HEADERS),
                           unique=True))
    rows = draw(st.lists(st.fixed_dictionaries(dict.fromkeys(header, cell)), max_size=4))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[h] for h in header])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    return "transfer.csv", out.getvalue().encode(encoding, errors="replace")


@FUZZ
@given(upload=transfer_files())
def test_the_regulator_importer_takes_any_file(cast: Any, upload: tuple[str, bytes]) -> None:
    from intake import regulator
    from intake.models import RegulatorBatch

    name, data = upload
    before, batches = _counts(), RegulatorBatch.objects.count()
    try:
        report = regulator.import_file(cast.principal("agent"), name, data)
    except regulator.FileError:
        assert _counts() == before and RegulatorBatch.objects.count() == batches
        return
    assert Complaint.objects.count() == before[0] + len(report.created)
    assert RegulatorBatch.objects.count() == batches + 1
    assert report.rows == len(report.created) + report.duplicates + len(
        {e.row for e in report.errors})
    _whole(report.created)


# Org units --------------------------------------------------------------------------------------

unit_rows = st.lists(st.fixed_dictionaries({
    "code": st.one_of(st.sampled_from(["HO", "BJ", "BJ01", "X1", "X2", ""]), text),
    "name": st.one_of(st.just("某支行"), text, st.text(min_size=201, max_size=210)),
    "kind": st.sampled_from(["head_office", "branch", "sub_branch", "department", "", "bank"]),
    "parent": st.sampled_from(["", "HO", "BJ", "BJ01", "X1", "X2", "NOPE"]),
}), max_size=5)


@st.composite
def unit_files(draw: Any) -> tuple[str, bytes]:
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["u.csv", "u.xlsx"])), bytes(draw(st.binary(max_size=300)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "name", "kind", "parent"])
    for row in draw(unit_rows):
        writer.writerow([row["code"], row["name"], row["kind"], row["parent"]])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    return "units.csv", out.getvalue().encode(encoding, errors="replace")


@FUZZ
@given(upload=unit_files())
def test_the_org_unit_importer_takes_any_file_all_or_nothing(
        cast: Any, upload: tuple[str, bytes]) -> None:
    from org.importer import FileError, import_units, read_rows
    from org.models import OrgUnit

    name, data = upload
    before = list(OrgUnit.objects.order_by("pk").values_list("code", "name", "kind", "parent"))
    try:
        rows = read_rows(name, data)
    except FileError:
        return
    result = import_units(rows)
    after = list(OrgUnit.objects.order_by("pk").values_list("code", "name", "kind", "parent"))
    if result.errors:
        assert after == before
    else:
        codes = {r["code"] for r in rows}
        assert {code for code, *_ in after} == {code for code, *_ in before} | codes


def test_moving_a_unit_under_its_own_descendant_is_refused(cast: Any) -> None:
    """Found by the fuzzer: the cycle check saw only the file, and OrgUnit.save recursed."""
    from org.importer import import_units
    from org.models import OrgUnit

    result = import_units([{"code": "BJ", "name": "北京分行", "kind": "branch",
                            "parent": "BJ01"}])
    assert result.errors and result.errors[0].message.endswith("the parents form a cycle")
    assert OrgUnit.objects.get(code="BJ").parent.code == "HO"


def test_a_file_that_is_not_csv_or_xlsx_is_refused_by_name(cast: Any) -> None:
    """Found by the fuzzer: bytes that are not UTF-8, or an .xlsx that is not a workbook, raised
    UnicodeDecodeError / BadZipFile (a 500 in the admin's import page)."""
    from org.importer import FileError, read_rows

    assert read_rows("u.csv", "code,name,kind,parent\nX9,某支行,sub_branch,BJ\n".encode(
        "gb18030"))[0]["name"] == "某支行"
    with pytest.raises(FileError):
        read_rows("u.xlsx", b"not a workbook")
