"""Fetching the complaints mailbox from a real IMAP server (dovecot): each message committed,
then flagged or moved; a fetch killed between the two leaves exactly one complaint."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from complaints.models import Complaint
from intake.imap import DONE_FLAG, fetch_mail
from intake.models import QuarantinedMessage
from intake.tests import messages as m
from intake.tests.conftest import Mailbox
from tousu.envconf import database_url

pytestmark = pytest.mark.django_db(transaction=True)
TEXT = "我的借记卡被扣了不明费用200元，网点不给解释。"
ROOT = Path(__file__).resolve().parents[2]


def test_fetch_mail_registers_each_message_and_then_flags_it(cast: Any, mailbox: Mailbox) -> None:
    mailbox.append(m.gbk_quoted_printable(TEXT, "投诉：不明扣费"),
                   m.big5_base64("重複扣款，請退還。", "投訴"), m.truncated_multipart())
    report = fetch_mail(mailbox.config)
    assert report.seen == 3 and report.statuses == {"created": 2, "quarantined": 1}
    assert Complaint.objects.filter(channel="email").count() == 2
    assert QuarantinedMessage.objects.get().origin.startswith(f"imap:{mailbox.user}@")
    assert all(DONE_FLAG in f and "\\Seen" in f for f in mailbox.flags())
    again = fetch_mail(mailbox.config)
    assert again.seen == 0 and Complaint.objects.count() == 2


def test_fetch_mail_can_move_messages_to_a_done_folder(cast: Any, dovecot: dict[str, Any]) -> None:
    box = Mailbox(dovecot, done_mailbox="Tousu-Done")
    box.append(m.gbk_quoted_printable(TEXT, "投诉"))
    assert fetch_mail(box.config).statuses == {"created": 1}
    assert box.flags("INBOX") == []
    assert len(box.flags("Tousu-Done")) == 1


def test_a_fetch_killed_between_commit_and_flag_leaves_exactly_one_complaint(
        cast: Any, mailbox: Mailbox) -> None:
    mailbox.append(m.gbk_quoted_printable(TEXT, "投诉：杀进程测试"),
                   m.gb18030_8bit(TEXT + "𠮷", "第二封"))
    # A real process, killed with SIGKILL right after the first message's commit: the
    # flag is never sent.
    script = (
        "import os, signal, django\n"
        "django.setup()\n"
        "from intake import imap\n"
        "from intake.imap import MailboxConfig\n"
        "imap._mark_done = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"imap.fetch_mail(MailboxConfig(host={mailbox.config.host!r}, "
        f"port={mailbox.config.port}, user={mailbox.user!r}, "
        f"password={mailbox.config.password!r}, security='none'))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tousu.settings", "TOUSU_TASKS": "manual",
           "DATABASE_URL": database_url(connection.settings_dict)}
    killed = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, timeout=120, check=False)
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert Complaint.objects.count() == 1  # committed before the kill
    assert not any(DONE_FLAG in f for f in mailbox.flags())  # the server never heard

    report = fetch_mail(mailbox.config)  # the next run
    assert report.statuses == {"duplicate": 1, "created": 1}
    assert Complaint.objects.count() == 2  # the first message still counts once
    assert all(DONE_FLAG in f for f in mailbox.flags())


def test_fetch_mail_refuses_to_run_inside_a_transaction(cast: Any, mailbox: Mailbox) -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError, match="outside a transaction"), transaction.atomic():
        fetch_mail(mailbox.config)


def test_the_periodic_job_does_nothing_without_a_mailbox(settings: Any) -> None:
    from intake.imap import poll

    settings.TOUSU_IMAP_HOST = ""
    assert poll() == 0


def test_the_fetch_command_reports_a_bad_login(cast: Any, mailbox: Mailbox, settings: Any) -> None:
    from django.core.management import CommandError, call_command

    settings.TOUSU_IMAP_HOST = mailbox.config.host
    settings.TOUSU_IMAP_PORT = mailbox.config.port
    settings.TOUSU_IMAP_SECURITY = "none"
    settings.TOUSU_IMAP_USER = mailbox.user
    settings.TOUSU_IMAP_PASSWORD = "wrong"
    with pytest.raises(CommandError, match="cannot sign in"):
        call_command("fetch_mail")
