"""Group-chat robots: WeCom (企业微信) and DingTalk (钉钉) group robots, Slack and Teams incoming
webhooks. Each gets a plain-text message in its own JSON shape."""

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

TIMEOUT_S = 10
LOCAL_NAMES = {"localhost", "localhost.localdomain", "metadata.google.internal"}
# What socket.getaddrinfo gives for one address: family, type, protocol, name, socket address.
AddrInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, Any]


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


def checked_addresses(host: str, port: int) -> list[AddrInfo]:
    """The addresses to post to for `host`, resolved once and checked, or WebhookError: a name
    that resolves to an internal address (as 169.254.169.254.nip.io does) passes `url_problem`.
    The post connects to exactly these, so a DNS answer that changes after the check (rebinding)
    cannot move it inside the bank."""
    try:
        found = socket.getaddrinfo(host, port)
    except OSError as exc:
        raise WebhookError(f"cannot resolve {host!r}: {exc}") from None
    streams: list[AddrInfo] = list(
        {info[4]: info for info in found if info[1] == socket.SOCK_STREAM}.values())
    if not streams:
        raise WebhookError(f"cannot resolve {host!r}: no address")
    if not settings.TOUSU_WEBHOOK_ALLOW_INTERNAL:
        inside = sorted({str(info[4][0]) for info in streams
                         if not ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_global})
        if inside:
            raise WebhookError(f"{host!r} resolves to an internal address ({', '.join(inside)})")
    return streams


def _open(addresses: list[AddrInfo], timeout: float) -> socket.socket:
    """A TCP connection to the first of `addresses` that answers (what create_connection does,
    without looking the name up again)."""
    error: OSError = OSError("no address")
    for family, kind, proto, _name, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, addresses: list[AddrInfo]) -> None:
        super().__init__(host, port, timeout=TIMEOUT_S)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _open(self.addresses, TIMEOUT_S)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to a checked address; the certificate is verified for the URL's host name, which is
    also the SNI and the Host header."""

    def __init__(self, host: str, port: int, addresses: list[AddrInfo]) -> None:
        self.tls = tls_context()
        super().__init__(host, port, timeout=TIMEOUT_S, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = self.tls.wrap_socket(_open(self.addresses, TIMEOUT_S),
                                         server_hostname=self.host)


def _proxy(host: str, https: bool) -> urllib.parse.SplitResult | None:
    """The bank's egress proxy for `host` (HTTPS_PROXY / HTTP_PROXY, less NO_PROXY), if any."""
    proxy = urllib.request.getproxies().get("https" if https else "http")
    if not proxy or urllib.request.proxy_bypass(host):
        return None
    return urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")


def _connection(host: str, port: int, https: bool, proxy: urllib.parse.SplitResult | None,
                addresses: list[AddrInfo]) -> http.client.HTTPConnection:
    """Straight to the checked addresses; or a CONNECT tunnel through the bank's proxy to the
    host's name, which the proxy resolves: then its egress rules keep the post out of the bank
    (this machine may not even resolve outside names)."""
    if proxy is None:
        return (_PinnedHTTPS if https else _PinnedHTTP)(host, port, addresses)
    connection = (http.client.HTTPSConnection(proxy.hostname or "", proxy.port or 3128,
                                              timeout=TIMEOUT_S, context=tls_context())
                  if https else http.client.HTTPConnection(proxy.hostname or "",
                                                           proxy.port or 3128, timeout=TIMEOUT_S))
    connection.set_tunnel(host, port)
    return connection


def tls_context() -> ssl.SSLContext:
    """Certificate and host-name checks against the system's trust store."""
    return ssl.create_default_context()


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
    """Send and return the proof (the robot's answer); raises WebhookError on any refusal. No
    redirect is followed: it could name any address."""
    problem = url_problem(url)
    if problem:
        raise WebhookError(problem)
    parts = urllib.parse.urlsplit(url)
    host, https = parts.hostname or "", parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    proxy = _proxy(host, https)
    addresses = [] if proxy else checked_addresses(host, port)
    if channel == "dingtalk" and secret:
        url = signed_url(url, secret)
    target = urllib.parse.urlsplit(url)
    path = urllib.parse.urlunsplit(("", "", target.path or "/", target.query, ""))
    connection = _connection(host, port, https, proxy, addresses)
    try:
        connection.request("POST", path, json.dumps(payload(channel, text), ensure_ascii=False)
                           .encode(), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        body = response.read(4096).decode("utf-8", "replace")
    finally:
        connection.close()
    if not 200 <= response.status < 300:
        raise WebhookError(f"{channel} answered HTTP {response.status}: {body[:200]!r}")
    if channel in {"wecom", "dingtalk"}:
        try:
            answer = json.loads(body)
        except ValueError:
            raise WebhookError(f"{channel} answered {body[:200]!r}") from None
        if answer.get("errcode", 0) != 0:
            raise WebhookError(f"{channel} refused: {answer.get('errmsg', body[:200])}")
    return f"{channel}:{body[:150]}"
