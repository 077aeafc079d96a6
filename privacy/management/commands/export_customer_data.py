import json
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from complaints.models import Complaint
from org.access import Principal, staff_principal
from org.choices import Role
from privacy.actions import log_access
from privacy.export import customer_data, find_customer
from privacy.models import AccessKind

EXPORT_ROLES = frozenset({Role.CONSUMER_PROTECTION, Role.ADMINISTRATOR})


def may_export(principal: Principal | None, unit_paths: list[str]) -> bool:
    """Whether `principal` holds a consumer-protection or administrator role over every unit
    holding the customer's complaints (over some unit, for a customer with none)."""
    if principal is None:
        return False
    if not unit_paths:
        return any(role in EXPORT_ROLES for role, _ in principal.grants)
    return all(principal.roles_on(path) & EXPORT_ROLES for path in unit_paths)


def write_private(path: str, text: str) -> None:
    """Write the export readable by its owner only (0600, whatever the umask): it holds the
    customer's identifiers unmasked."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that was already there keeps its mode otherwise
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


class Command(BaseCommand):
    help = ("Export everything held about one customer as JSON (a subject-access request). "
            "The export is recorded in the access log with who asked for it and why.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ref", help="a tracking number (TS-…), an ID number or a customer id")
        parser.add_argument("--by", choices=["auto", "number", "id-number", "customer"],
                            default="auto", help="how to read REF (default: by its shape)")
        parser.add_argument("--operator", required=True,
                            help="username of the staff member handling the request")
        parser.add_argument("--reason", required=True, help="e.g. the request's reference")
        parser.add_argument("--output", help="write the JSON here instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["operator"],
                                               is_active=True).first()
        if user is None:
            raise CommandError(f"no active staff member {options['operator']!r}")
        customer = find_customer(options["ref"], options["by"])
        if customer is None:
            raise CommandError("no customer matches that reference")
        paths = sorted(set(Complaint.objects.filter(customer=customer)
                           .values_list("unit__path", flat=True)))
        if not may_export(staff_principal(user), paths):
            raise CommandError(
                f"{user.get_username()} 在该客户投诉所属机构无消保或管理员角色，不能导出 / "
                f"{user.get_username()} holds no consumer-protection or administrator role over "
                f"the units of this customer's complaints")
        data = customer_data(customer)
        data["exported_at"] = timezone.now().isoformat()
        text = json.dumps(data, ensure_ascii=False, indent=2)
        numbers = [c["number"] for c in data["complaints"]]
        log_access(Principal(label=f"staff:{user.get_username()}", user_id=user.pk),
                   AccessKind.SUBJECT_ACCESS_EXPORT, channel="cli",
                   target=f"customer:{customer.pk}",
                   detail={"reason": options["reason"][:500], "complaints": numbers,
                           "output": options["output"] or "stdout"})
        if options["output"]:
            write_private(options["output"], text + "\n")
            self.stderr.write(f"Wrote {len(numbers)} complaint(s) to {options['output']}")
        else:
            self.stdout.write(text)
