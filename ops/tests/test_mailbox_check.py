"""`check --deploy` warns when the complaints mailbox is polled without the bank's own mail
domains: a branch's forward would then be registered in the staff member's name."""

from typing import Any

from ops.checks import mailbox_knows_the_bank


def test_it_warns_of_a_mailbox_without_bank_mail_domains(settings: Any) -> None:
    settings.TOUSU_IMAP_HOST, settings.TOUSU_BANK_MAIL_DOMAINS = "imap.bank.example", []
    found = mailbox_knows_the_bank(None)
    assert [(m.id, m.level) for m in found] == [("ops.W003", 30)]
    assert "TOUSU_BANK_MAIL_DOMAINS" in found[0].msg


def test_it_is_quiet_with_the_domains_set_or_without_a_mailbox(settings: Any) -> None:
    settings.TOUSU_IMAP_HOST, settings.TOUSU_BANK_MAIL_DOMAINS = "imap.bank.example", ["bank.cn"]
    assert mailbox_knows_the_bank(None) == []
    settings.TOUSU_IMAP_HOST, settings.TOUSU_BANK_MAIL_DOMAINS = "", []
    assert mailbox_knows_the_bank(None) == []


def test_check_deploy_runs_it() -> None:
    from django.core.checks import registry

    assert mailbox_knows_the_bank in registry.registry.get_checks(include_deployment_checks=True)
