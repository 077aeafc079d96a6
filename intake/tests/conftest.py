"""Fixtures of the intake tests: a real IMAP server (Debian's dovecot on a loopback port, with a
throwaway config and maildir, one per test worker; every test signs in as a user of its own, so
it has a mailbox of its own), and the default letter templates (a transactional test elsewhere
may have flushed them)."""

import contextlib
import fcntl
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DOVECOT = Path("/usr/sbin/dovecot")
PASSWORD = "intake-test-only"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
{users}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  {chroot}
}}
service pop3-login {{
}}
service submission-login {{
}}
service lmtp {{
  unix_listener lmtp {{
  }}
}}
"""


def _install() -> None:
    """Install dovecot-imapd when it is missing and we may (as `make dovecot` does); one worker
    at a time."""
    if DOVECOT.exists() or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    with Path(tempfile.gettempdir(), "tousu-dovecot-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if DOVECOT.exists():
            return
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "dovecot-imapd"]
        # Fixed argument lists, no user input: the Debian package the mail tests need.
        if subprocess.run(install, env=env, capture_output=True, check=False,
                          timeout=600).returncode:
            subprocess.run(["apt-get", "update", "-qq"], env=env,  # noqa: S607
                           capture_output=True, check=False, timeout=600)
            subprocess.run(install, env=env, capture_output=True, check=False,
                           timeout=600)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.02)  # readiness poll of a starting server, not a timing assumption
    text = log.read_text() if log.exists() else ""
    raise RuntimeError(f"dovecot did not start: {text[-2000:]}")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[dict[str, Any]]:
    """A dovecot IMAP server for this test worker; stopped at the end of the session."""
    _install()
    if not DOVECOT.exists():
        pytest.skip("dovecot-imapd is not installed and cannot be (run `make dovecot` as root)")
    root = Path(tempfile.mkdtemp(prefix="tousu-dovecot-"))
    root.chmod(0o755)  # the mail processes run as the dovecot user when we are root
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    port = _free_port()
    if os.geteuid() == 0:
        mail_user = pwd.getpwnam("dovecot")
        for sub in ("mail", "home"):
            os.chown(root / sub, mail_user.pw_uid, mail_user.pw_gid)
        uid, gid, users, chroot = mail_user.pw_uid, mail_user.pw_gid, "", ""
    else:
        me = pwd.getpwuid(os.getuid())
        uid, gid, chroot = me.pw_uid, me.pw_gid, "chroot ="
        users = (f"default_login_user = {me.pw_name}\ndefault_internal_user = {me.pw_name}\n"
                 f"default_internal_group = {me.pw_gid}")
    conf = root / "dovecot.conf"
    conf.write_text(CONFIG.format(root=root, port=port, uid=uid, gid=gid, users=users,
                                  chroot=chroot, password=PASSWORD))
    proc = subprocess.Popen([str(DOVECOT), "-F", "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        _wait_for(port, proc, root / "dovecot.log")
        yield {"host": "127.0.0.1", "port": port, "root": root}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        shutil.rmtree(root, ignore_errors=True)


class Mailbox:
    """One test's mailbox on the dovecot server: put messages in, look at what is left."""

    def __init__(self, server: dict[str, Any], done_mailbox: str = "") -> None:
        from intake.imap import MailboxConfig

        self.user = f"u{uuid.uuid4().hex[:12]}"
        self.config = MailboxConfig(host=server["host"], port=server["port"], user=self.user,
                                    password=PASSWORD, security="none",
                                    done_mailbox=done_mailbox)

    def _conn(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.config.host, self.config.port, timeout=10)
        conn.login(self.user, PASSWORD)
        return conn

    def append(self, *messages: bytes) -> None:
        conn = self._conn()
        try:
            for raw in messages:
                status, data = conn.append("INBOX", None, None, raw)
                assert status == "OK", data
        finally:
            conn.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        """The flags of every message in the folder, in order."""
        conn = self._conn()
        try:
            status, data = conn.select(folder, readonly=True)
            if status != "OK" or int(data[0] or 0) == 0:
                return []
            _, items = conn.fetch("1:*", "(FLAGS)")
            return [x.decode() for x in items if isinstance(x, bytes)]
        finally:
            conn.logout()


@pytest.fixture
def mailbox(dovecot: dict[str, Any]) -> Mailbox:
    return Mailbox(dovecot)


@pytest.fixture
def templates(db: None) -> None:
    from intake.defaults import ensure_defaults
    from intake.models import LetterTemplate

    ensure_defaults(LetterTemplate)
