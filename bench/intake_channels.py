"""Intake channels benchmark: `mail_ingest_per_s` and `regulator_import_rows_per_s`.

Runs in a child process of its own (a fresh SQLite database in bench/work/intake_channels, the
outbox left queued) so that its Django setup does not meet the other benchmarks'.

- Mail: a 10,000-message mbox is written at bench time from real complaint texts in
  TOUSU_DATA_DIR (黑猫 Chinese complaints and CFPB narratives) in the charsets and encodings the
  intake reads — UTF-8, GBK quoted-printable, GB2312 declared over GBK, GB18030 8-bit, Big5,
  HTML-only — with 10% carrying a PDF attachment, 3% re-sent duplicates, 2% replies naming an
  earlier complaint and 0.5% truncated messages. `manage.py import_mail`'s loop (read, parse,
  register or thread or quarantine, commit) is timed over the whole mbox.
- Regulator: a 100,000-row transfer CSV is written from the same texts (1% bad rows). Each row
  is registered through register_complaint (triage, deadlines, acknowledgement, major-complaint
  notices), which takes milliseconds, so the import is timed over as many 500-row parts of
  the file as fit in REGULATOR_BUDGET_S; then the same rows are imported again (nothing may be
  created) and that pass is timed too.
"""

import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import serving  # bench/ is on sys.path: this script runs from it

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "intake_channels"
DATA = Path(os.environ.get("TOUSU_DATA_DIR", str(ROOT.parent / "shared" / "data")))
N_MESSAGES = int(os.environ.get("BENCH_MAIL_MESSAGES", "10000"))  # smaller for a smoke run
N_ROWS = int(os.environ.get("BENCH_REGULATOR_ROWS", "100000"))
PART_ROWS = 500
MAIL_BUDGET_S = 240  # a backstop: the whole mbox normally takes one to three minutes
REGULATOR_BUDGET_S = 75
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超"
ENGLISH = ["James Smith", "Maria Garcia", "Robert Johnson", "Linda Brown", "David Miller"]


def texts() -> tuple[list[str], list[str]]:
    """Real complaint texts: Chinese (黑猫) and English (CFPB narratives)."""
    with (DATA / "zh_heimao" / "complaint_type_6_train.csv").open(encoding="utf-8") as f:
        zh = [row["text"].strip() for row in csv.DictReader(f) if len(row["text"].strip()) > 10]
    en: list[str] = []
    for name in ("ziyuyan9_complaints_sample.csv", "payday_2023_sample.csv"):
        with (DATA / "cfpb" / name).open(encoding="utf-8") as f:
            en += [t for row in csv.DictReader(f)
                   if (t := (row.get("Consumer complaint narrative") or "").strip())]
    return zh, en


def write_mbox(path: Path, zh: list[str], en: list[str], earlier: list[str]) -> int:
    import mailbox

    from intake.tests import messages as m

    rng = random.Random(20261122)  # noqa: S311 (reproducible test data, not secrets)
    box = mailbox.mbox(path)
    sent: list[bytes] = []
    box.lock()
    try:
        for i in range(N_MESSAGES):
            roll = rng.random()
            if roll < 0.03 and sent:
                box.add(rng.choice(sent))  # the same message delivered again
                continue
            if roll < 0.035:
                box.add(m.truncated_multipart())
                continue
            chinese = rng.random() < 0.6
            text = rng.choice(zh if chinese else en)[:3000]
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) if chinese else rng.choice(ENGLISH)
            sender = f"{m._words(name, 'utf-8')} <c{i}@example.cn>"
            mid = f"<bench-{i}@mail.example.cn>"
            subject = " ".join(text[:30].split())[:20]
            if roll < 0.055 and earlier:
                subject = f"Re: {rng.choice(earlier)} {subject}"
            kind = i % 6
            try:
                if rng.random() < 0.10:
                    raw = m.with_attachments(text, subject, [("回单.jpg", m.PDF)], mid, sender)
                elif not chinese:
                    raw = (m.html_only(f"<p>{text}</p>", subject, sender=sender, message_id=mid)
                           if kind == 5 else m.message(subject=subject, body=text.encode(),
                                                       sender=sender, message_id=mid))
                elif kind == 0:
                    raw = m.gbk_quoted_printable(text, subject, sender=sender, message_id=mid)
                elif kind == 1:
                    raw = m.gb2312_base64(text, subject, sender=sender, message_id=mid)
                elif kind == 2:
                    raw = m.gb18030_8bit(text, subject, sender=sender, message_id=mid)
                elif kind == 3:
                    raw = m.big5_base64(text, subject, sender=sender, message_id=mid)
                elif kind == 4:
                    raw = m.html_only(f"<div>{text}</div>", subject, sender=sender,
                                      message_id=mid)
                else:
                    raw = m.message(subject=m._words(subject, "utf-8"), body=text.encode(),
                                    sender=sender, message_id=mid)
            except UnicodeEncodeError:  # a character the legacy charset lacks: send UTF-8
                raw = m.message(subject=m._words(subject, "utf-8"), body=text.encode(),
                                sender=sender, message_id=mid)
            sent.append(raw)
            box.add(raw)
        box.flush()
    finally:
        box.unlock()
        box.close()
    return N_MESSAGES


def write_csv(path: Path, zh: list[str], en: list[str]) -> None:
    rng = random.Random(20261123)  # noqa: S311 (reproducible test data, not secrets)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["reference", "regulator", "received_at", "customer_name", "phone", "unit",
                      "product", "content", "claim", "amount"])
        for i in range(N_ROWS):
            nfra = i % 2 == 0
            chinese = rng.random() < 0.7
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) if chinese else rng.choice(ENGLISH)
            amount = f"{rng.uniform(10, 50_000):.2f}"
            if i % 100 == 99:  # a bad row: the report names it, the good ones are kept
                name, amount = "", "abc"
            out.writerow([
                f"{'NFRA' if nfra else 'PBOC'}-2026-{i:07d}", "nfra" if nfra else "pboc",
                f"2026-11-{1 + i % 20:02d} {8 + i % 10:02d}:{i % 60:02d}", name,
                f"13{rng.randrange(10**9):09d}", rng.choice(["BJ01", "BJ02", "SH01"]),
                "信用卡" if chinese else "Credit card",
                rng.choice(zh if chinese else en)[:1000], "退还费用" if chinese else "Refund",
                amount,
            ])


def prepare() -> list[str]:
    """A fresh database with a small bank; returns the numbers of 100 earlier complaints."""
    import json as _json

    from django.core.management import call_command

    from complaints.actions import register_complaint
    from complaints.actions.register import request_fingerprint
    from complaints.schemas import ComplaintIn
    from intake.actions import channel_principal
    from org.models import OrgUnit

    call_command("migrate", verbosity=0, interactive=False)
    unit = OrgUnit.objects.create
    ho = unit(code="HO", name="总行", kind="head_office")
    bj, sh = unit(code="BJ", name="北京分行", kind="branch", parent=ho), unit(
        code="SH", name="上海分行", kind="branch", parent=ho)
    for code, parent in (("BJ01", bj), ("BJ02", bj), ("SH01", sh)):
        unit(code=code, name=code, kind="sub_branch", parent=parent)
    principal = channel_principal("email")
    numbers = []
    for i in range(100):
        body = {"channel": "email", "customer": {"name": f"早先{i}", "email": f"e{i}@example.cn"},
                "content": "早先的投诉"}
        numbers.append(register_complaint(principal, ComplaintIn.model_validate(body),
                                          idempotency_key=f"seed-{i}",
                                          request_hash=request_fingerprint(_json.dumps(body).encode())).complaint.number)
    return numbers


def bench_mail(mbox: Path) -> dict[str, Any]:
    from complaints.models import Complaint
    from intake import mail

    before = Complaint.objects.count()
    statuses: Counter[str] = Counter()
    started = time.perf_counter()
    for origin, raw in mail.read_files(mbox):
        statuses[mail.ingest(raw, origin).status] += 1
        if time.perf_counter() - started > MAIL_BUDGET_S:
            break
    seconds = time.perf_counter() - started
    done = sum(statuses.values())
    created = Complaint.objects.count() - before
    print(f"  mail: {done} messages in {seconds:.1f} s = {done / seconds:.1f}/s  {dict(statuses)}",
          flush=True)
    return {
        "mail_ingest_per_s": round(done / seconds, 1),
        "mail_ingest_messages": done,
        "mail_ingest_statuses": dict(sorted(statuses.items())),
        "mail_ingest_stored_matches": created == statuses["created"],
    }


def bench_regulator(path: Path) -> dict[str, Any]:
    from complaints.models import Complaint
    from intake.actions import channel_principal
    from intake.regulator import import_file

    with path.open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    principal = channel_principal("regulator")
    parts: list[bytes] = []
    created = failed = 0
    started = time.perf_counter()
    for start in range(0, len(rows), PART_ROWS):
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, *rows[start:start + PART_ROWS]])
        part = buffer.getvalue().encode()
        report = import_file(principal, f"{path.name}#{start}", part)
        parts.append(part)
        created += len(report.created)
        failed += report.failed
        if time.perf_counter() - started > REGULATOR_BUDGET_S:
            break
    seconds = time.perf_counter() - started
    measured = min(len(parts) * PART_ROWS, len(rows))
    print(f"  regulator: {measured} of {len(rows)} rows in {seconds:.1f} s = "
          f"{measured / seconds:.1f}/s ({created} registered, {failed} refused)", flush=True)
    stored = Complaint.objects.filter(channel="regulator").count()
    again_started = time.perf_counter()
    again_created = sum(len(import_file(principal, "again.csv", p).created) for p in parts)
    again_s = time.perf_counter() - again_started
    print(f"  regulator again: {measured / again_s:.1f} rows/s, {again_created} created",
          flush=True)
    return {
        "regulator_import_rows_per_s": round(measured / seconds, 1),
        "regulator_import_rows_measured": measured,
        "regulator_import_file_rows": len(rows),
        "regulator_import_refused_rows": failed,
        "regulator_import_stored_matches": stored == created,
        "regulator_reimport_rows_per_s": round(measured / again_s, 1),
        "regulator_reimport_created": again_created,
    }


def child() -> dict[str, Any]:
    sys.path[0] = str(ROOT)  # the app `intake`, not this directory's modules
    import logging

    import django

    django.setup()
    logging.getLogger("intake").setLevel(logging.ERROR)  # the quarantined messages are counted
    zh, en = texts()
    earlier = prepare()
    mbox, table = WORK / "complaints.mbox", WORK / "transfers.csv"
    started = time.perf_counter()
    write_mbox(mbox, zh, en, earlier)
    write_csv(table, zh, en)
    print(f"  wrote {N_MESSAGES} messages ({mbox.stat().st_size / 1e6:.1f} MB) and {N_ROWS} rows "
          f"({table.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s",
          flush=True)
    return {**bench_mail(mbox), **bench_regulator(table),
            "intake_channels_host_load_1m": round(os.getloadavg()[0], 2)}


def run() -> dict[str, Any]:
    """Run the benchmark in a child process and return its figures."""
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "var").mkdir(parents=True)
    serving.triage_model(WORK / "var")
    env = {**os.environ, "TOUSU_VAR_DIR": str(WORK / "var"), "TOUSU_TASKS": "manual",
           "LOG_LEVEL": "WARNING", "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "tousu.settings"}
    env.pop("DATABASE_URL", None)
    print("Intake channels (mail, regulator transfers):", flush=True)
    proc = subprocess.run([sys.executable, __file__, "--child"], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, text=True, check=False, timeout=1200)
    lines = proc.stdout.splitlines()
    for line in lines:
        if not line.startswith("BENCH "):
            print(line, flush=True)
    result = next((x for x in reversed(lines) if x.startswith("BENCH ")), None)
    if proc.returncode or result is None:
        raise RuntimeError(f"the intake channels benchmark failed (exit {proc.returncode})")
    shutil.rmtree(WORK, ignore_errors=True)
    figures: dict[str, Any] = json.loads(result.removeprefix("BENCH "))
    return figures


if __name__ == "__main__":
    if "--child" in sys.argv:
        print("BENCH " + json.dumps(child(), ensure_ascii=False), flush=True)
    else:
        print(json.dumps(run(), ensure_ascii=False))  # the last line: bench/run.py reads it
