"""Whether the bank's own mail gateway says a message's From failed its authentication
(RFC 8601 Authentication-Results, RFC 7489 DMARC). Only the gateway's own headers count: one a
sender wrote into the message before it reached the bank says whatever the sender wants. With
TOUSU_MAIL_AUTHSERV_ID set, the headers naming that authserv-id are the gateway's; unset, only the
topmost one (each relay adds its header above those already there, so the topmost is the last
relay's: the bank's gateway, when it adds one)."""

import re
from email.message import Message

from django.conf import settings

_COMMENT = re.compile(r"\([^()]*\)")
_METHOD = re.compile(r"^\s*(?P<method>[a-z0-9_-]+)(?:\s*/\s*[0-9]+)?\s*=\s*(?P<result>[a-z]+)",
                     re.IGNORECASE)


def results(value: str) -> tuple[str, dict[str, list[str]]]:
    """The authserv-id of one header and each method's results ("dmarc" → ["fail"])."""
    while _COMMENT.search(value):
        value = _COMMENT.sub(" ", value)
    head, _, rest = " ".join(value.split()).partition(";")
    authserv = (head.split() or [""])[0].lower()
    methods: dict[str, list[str]] = {}
    for spec in rest.split(";"):
        found = _METHOD.match(spec)
        if found:
            methods.setdefault(found["method"].lower(), []).append(found["result"].lower())
    return authserv, methods


def trusted(msg: Message) -> list[dict[str, list[str]]]:
    """The method results of the headers the bank's gateway added."""
    headers = [results(str(h)) for h in msg.get_all("authentication-results") or []]
    wanted = settings.TOUSU_MAIL_AUTHSERV_ID.strip().lower()
    if not wanted:
        return [methods for _, methods in headers[:1]]
    return [methods for authserv, methods in headers if authserv == wanted]


def failure(msg: Message) -> str:
    """Why the gateway found the From not authentic — "dmarc=fail", or "spf=fail" with no DKIM
    signature passing (and no DMARC pass) — or "" (passed, or not checked)."""
    for methods in trusted(msg):
        dmarc = methods.get("dmarc", [])
        if "fail" in dmarc:
            return "dmarc=fail"
        if "pass" not in dmarc and "fail" in methods.get("spf", []) and \
                "pass" not in methods.get("dkim", []):
            return "spf=fail, dkim≠pass"
    return ""


def hold_reason(sender: str, failed: str) -> str:
    return (f"自称本行地址（{sender}）但未通过本行邮件网关的发件人认证（{failed}）：未登记为投诉、"
            f"未回复，请人工核实 / claims to come from the bank ({sender}) but failed its "
            f"authentication at the bank's mail gateway ({failed}): not registered as a "
            "complaint, nothing sent; an agent must check it")


def warning(failed: str) -> str:
    """The flag on the timeline when such mail names an open complaint (a note, not held)."""
    return (f"发件人自称本行地址，但未通过邮件网关的认证（{failed}），可能系冒充，请核实 / the "
            f"sender claims a bank address but failed the gateway's authentication ({failed}): "
            "possibly forged, check it")
