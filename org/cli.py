"""Who ran a management command that changes the bank's configuration, and its audit record: a
row of the access log naming the staff member given with --by (else the OS account and host it
ran under), and with --by the admin's own history of each object, as an admin import writes."""

import getpass
import os
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import CommandError
from django.db.models import Model

from org.access import Principal
from org.importer import FileError, RowError, read_rows
from privacy.actions import log_access
from privacy.models import AccessKind

BY_HELP = "username of the staff member running it, for the audit record (default: the OS user)"


def os_account() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (a container's bare uid)
        name = f"uid{os.getuid()}"
    return f"{name}@{socket.gethostname()}"


def staff_by(username: str | None) -> AbstractBaseUser | None:
    """The active staff account named with --by (None without it); CommandError when none."""
    if username is None:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True,
                                           is_staff=True).first()
    if user is None:
        raise CommandError(f"--by: 无此启用的管理员账号 {username!r} / no active staff account "
                           f"{username!r}")
    return user


def record(by: AbstractBaseUser | None, kind: AccessKind, target: str, *,
           written: list[tuple[Model, bool]], paths: list[str], detail: dict[str, Any]) -> None:
    """Audit one command run: `written` are the objects it created (True) or changed,
    `paths` the units it acted on (their auditors see the row)."""
    label = f"staff:{by.get_username()}" if by else f"os:{os_account()}"
    log_access(Principal(label=label, user_id=by.pk if by else None), kind, channel="cli",
               target=target, detail={**detail, "os_account": os_account()},
               units=tuple(_outermost(paths)))
    if by is None:
        return
    for obj, created in written:
        LogEntry.objects.log_actions(
            by.pk, [obj], ADDITION if created else CHANGE, single_object=True,
            change_message=f"{target} (manage.py, {os_account()})")


def _outermost(paths: list[str]) -> list[str]:
    """The paths not inside another of them: one unit path stands for its subtree."""
    ordered = sorted(set(paths))
    kept: list[str] = []
    for path in ordered:
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def file_rows(path: Path) -> list[dict[str, str]]:
    """The rows of an import file named on the command line, or CommandError saying why not."""
    if not path.is_file():
        raise CommandError(f"No file {path}")
    try:
        return read_rows(path.name, path.read_bytes())
    except FileError as exc:
        raise CommandError(f"{path}: {exc}") from exc


def refuse(errors: Sequence[RowError], write: Any) -> None:
    """Every row's error, then CommandError: an import is all or nothing."""
    for error in errors:
        write(str(error))
    raise CommandError(f"{len(errors)} errors: nothing was imported")
