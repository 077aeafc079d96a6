"""train_triage, evaluate_triage and triage_file."""

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from triage import engine
from triage.tests.conftest import tiny


@pytest.fixture
def var(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_train_if_missing_without_data_leaves_registration_without_suggestions(
    var: Path, tmp_path: Path, db: None
) -> None:
    err = io.StringIO()
    call_command("train_triage", "--if-missing", "--data-dir", str(tmp_path / "none"),
                 stdout=io.StringIO(), stderr=err)
    assert "without suggested codes" in err.getvalue()
    assert engine.active_path() is None
    with pytest.raises(CommandError):
        call_command("train_triage", "--data-dir", str(tmp_path / "none"), stdout=io.StringIO())


def test_train_if_missing_keeps_an_existing_model(var: Path) -> None:
    path = engine.save(tiny())
    out = io.StringIO()
    call_command("train_triage", "--if-missing", stdout=out)
    assert path.name in out.getvalue()


def test_triage_file_writes_codes_confidences_and_signals(var: Path, tmp_path: Path) -> None:
    engine.save(tiny())
    source = tmp_path / "in.csv"
    source.write_text("text,label\n催收人员打电话骚扰我家人，我要向12378投诉,0\n"
                      "A debt collector calls me; my card 4111111111111111,x\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    call_command("triage_file", str(source), str(target), stdout=io.StringIO())
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["row"] for r in rows] == ["2", "3"]
    assert (rows[0]["zh_cause"], rows[0]["zh_cause_code"]) == ("0", "C12")
    assert float(rows[0]["zh_cause_confidence"]) > 0 and rows[0]["cfpb_product"] == ""
    assert rows[0]["severity"] == "major" and "regulator: 12378" in rows[0]["signals"]
    assert rows[1]["cfpb_product"] == "Debt collection" and rows[1]["pii"] == "card"
    assert "4111111111111111" not in rows[1]["text_masked"]


def test_evaluate_a_labelled_file_with_the_active_model(var: Path, tmp_path: Path) -> None:
    engine.save(tiny())
    source = tmp_path / "dev.csv"
    source.write_text("text,label\n催收电话骚扰我的家人,0\n客服态度差电话打不通,4\n"
                      "年费乱收费要求退还,3\n", encoding="utf-8")
    call_command("evaluate_triage", "--file", str(source), "--out", str(tmp_path / "r"),
                 stdout=io.StringIO())
    report = json.loads((tmp_path / "r" / "triage-evaluation.json").read_text())
    zh = report["dimensions"]["zh_cause"]
    assert zh["n"] == 3 and zh["accuracy"] == 1.0 and report["model_version"]
    assert "| zh_cause | 3 |" in (tmp_path / "r" / "triage-evaluation.md").read_text()


def test_triage_file_reads_odd_rows_and_refuses_unreadable_files_clearly(
    var: Path, tmp_path: Path
) -> None:
    engine.save(tiny())
    source = tmp_path / "odd.csv"
    huge = "催收人员天天打电话骚扰" * 20_000  # one cell over csv's default 128 KiB limit
    source.write_text(f'id,text\n1,\n2,"{huge}"\n3\n', encoding="utf-8")
    target = tmp_path / "out.csv"
    call_command("triage_file", str(source), str(target), stdout=io.StringIO())
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["row"] for r in rows] == ["2", "3", "4"]
    assert rows[0]["zh_cause"] == rows[0]["cfpb_product"] == ""  # an empty text: no guess
    assert rows[1]["zh_cause"] == "0" and rows[2]["cfpb_product"] == ""
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("text\n信用卡年费\n".encode("gbk"))
    for path, message in ((gbk, "UTF-8"), (tmp_path / "none.csv", "not found")):
        with pytest.raises(CommandError, match=message):
            call_command("triage_file", str(path), str(target), stdout=io.StringIO())
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("evaluate_triage", "--file", str(gbk), "--out", str(tmp_path / "r"),
                     stdout=io.StringIO())
    unlabelled = tmp_path / "unlabelled.csv"
    unlabelled.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no labelled rows"):
        call_command("evaluate_triage", "--file", str(unlabelled), "--out", str(tmp_path / "r"),
                     stdout=io.StringIO())
