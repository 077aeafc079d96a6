"""Group-chat robots: WeCom (企业微信) and DingTalk (钉钉) group robots, Slack and Teams incoming
webhooks. Each gets a plain-text message in its own JSON shape."""

import base64
import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

TIMEOUT_S = 10
LOCAL_NAMES = {"localhost", "localhost.localdomain", "metadata.google.internal"}


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address `host` spells, in any form a socket accepts ("127.1", "0x7f.1")."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def url_problem(url: str) -> str | None:
    """Why a robot's webhook URL may not be saved (None: it may). Only https, and never a host
    inside the bank's own machine or network by its address (loopback, private, link-local as
    the cloud metadata service 169.254.169.254, reserved): the outbox would post staff notices
    to whatever it names. TOUSU_WEBHOOK_ALLOW_INTERNAL lifts both for an in-house gateway."""
    parts = urllib.parse.urlsplit(url)
    allow_internal = settings.TOUSU_WEBHOOK_ALLOW_INTERNAL
    if parts.scheme not in ({"https", "http"} if allow_internal else {"https"}) \
            or not parts.hostname:
        return ("群机器人地址须为 https:// 开头的完整网址 / a robot's address must be an "
                "https:// URL")
    if allow_internal:
        return None
    host = parts.hostname.rstrip(".").lower()
    address = _address(host)
    if address is None:
        local = host in LOCAL_NAMES or host.endswith((".localhost", ".local", ".internal"))
    else:
        local = not address.is_global
    if local:
        return (f"群机器人地址不能指向本机或内部网络地址（{host}）/ a robot's address cannot "
                f"point to this machine or an internal network address ({host})")
    return None


class WebhookError(RuntimeError):
    pass


def resolved_problem(url: str) -> str | None:
    """Why the host of `url` may not be posted to now: a name that resolves to an internal
    address (as 169.254.169.254.nip.io does) passes `url_problem`, so the addresses are checked
    again just before sending."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if settings.TOUSU_WEBHOOK_ALLOW_INTERNAL:
        return None
    try:
        found = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except OSError as exc:
        return f"cannot resolve {host!r}: {exc}"
    inside = sorted(a for a in found if not ipaddress.ip_address(a.split("%")[0]).is_global)
    return f"{host!r} resolves to an internal address ({', '.join(inside)})" if inside else None


def payload(channel: str, text: str) -> dict[str, Any]:
    if channel in {"wecom", "dingtalk"}:
        return {"msgtype": "text", "text": {"content": text}}
    return {"text": text}  # Slack and Teams incoming webhooks


def signed_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """DingTalk's signature: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


def post(channel: str, url: str, text: str, secret: str = "") -> str:
    """Send and return the proof (the robot's answer); raises WebhookError on any refusal."""
    problem = url_problem(url) or resolved_problem(url)
    if problem:
        raise WebhookError(problem)
    if channel == "dingtalk" and secret:
        url = signed_url(url, secret)
    request = urllib.request.Request(  # noqa: S310 (url_problem checked it)
        url, data=json.dumps(payload(channel, text), ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
        body = response.read(4096).decode("utf-8", "replace")
    if channel in {"wecom", "dingtalk"}:
        try:
            answer = json.loads(body)
        except ValueError:
            raise WebhookError(f"{channel} answered {body[:200]!r}") from None
        if answer.get("errcode", 0) != 0:
            raise WebhookError(f"{channel} refused: {answer.get('errmsg', body[:200])}")
    return f"{channel}:{body[:150]}"
