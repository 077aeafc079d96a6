"""The outbox posts to a group-chat robot only on the internet by https: a stored address inside
the bank's network, or a name that resolves to one, is refused when the notice is sent (a
subscription saved before the admin checked it, or a DNS name pointing at the metadata service).
The post goes to the address that was checked, whatever the name resolves to afterwards, with
TLS verified for the name, and follows no redirect."""

import datetime as dt
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from notify import webhooks
from notify.models import Notification
from notify.outbox import deliver_due
from notify.staff import tell_staff
from notify.tests.test_staff import Robot, robot  # noqa: F401 (a fixture)
from org.models import Subscription

pytestmark = pytest.mark.django_db


def test_a_stored_internal_robot_address_is_not_posted_to(cast: Any, robot: str,  # noqa: F811
                                                          settings: Any) -> None:
    settings.TOUSU_WEBHOOK_ALLOW_INTERNAL = False
    Subscription.objects.create(unit=cast.bj, event="major", channel="slack",
                                webhook_url=f"{robot}/slack")
    tell_staff(unit=cast.bj01, event="major", text="重大投诉 test", key="k1", user_ids=[])
    deliver_due()
    assert Robot.received == []
    row = Notification.objects.get(channel="slack")
    assert row.status != "sent" and "https:// URL" in row.last_error


def test_a_name_that_resolves_inside_is_refused_before_sending(settings: Any,
                                                               monkeypatch: Any) -> None:
    settings.TOUSU_WEBHOOK_ALLOW_INTERNAL = False
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 0))])
    url = "https://169.254.169.254.nip.io/latest/meta-data/"
    assert webhooks.url_problem(url) is None
    with pytest.raises(webhooks.WebhookError, match="resolves to an internal address"):
        webhooks.post("slack", url, "text")


def _answer(address: str, port: Any) -> list[Any]:
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


def test_a_name_rebound_inside_after_the_check_is_not_connected_to(settings: Any,
                                                                   monkeypatch: Any) -> None:
    settings.TOUSU_WEBHOOK_ALLOW_INTERNAL = False
    lookups = []

    def rebinding(host: str, port: Any, *args: Any) -> list[Any]:
        if webhooks._address(host) is not None:
            return _answer(host, port)
        lookups.append(host)  # public at the check, this machine ever after
        return _answer("93.184.215.14" if len(lookups) == 1 else "127.0.0.1", port)

    reached = []

    def connect(sock: socket.socket, address: Any) -> None:
        reached.append(address)
        raise ConnectionRefusedError("no network in tests")

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(socket.socket, "connect", connect)
    with pytest.raises(OSError):
        webhooks.post("slack", "https://hooks.example.com/services/T0/B0", "text")
    assert reached == [("93.184.215.14", 443)]


class Hook(BaseHTTPRequestHandler):
    hosts: list[str] = []

    def do_POST(self) -> None:
        Hook.hosts.append(self.headers["Host"])
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def tls_robot(tmp_path: Path, settings: Any, monkeypatch: Any) -> Iterator[tuple[int, list]]:
    """A robot on this machine serving TLS for robot.example, whose certificate the outbox
    trusts; robot.example and other.example both resolve to it."""
    settings.TOUSU_WEBHOOK_ALLOW_INTERNAL = True
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "robot.example")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("robot.example")]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    names: list[str | None] = []
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    served.sni_callback = lambda sock, sni, ctx: names.append(sni)  # type: ignore[assignment,func-returns-value]
    server = HTTPServer(("127.0.0.1", 0), Hook)
    server.socket = served.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(webhooks, "tls_context", lambda: ssl.create_default_context(
        cafile=str(tmp_path / "cert.pem")))
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *args: _answer(
        host if webhooks._address(host) else "127.0.0.1", port))
    Hook.hosts = []
    yield server.server_port, names
    server.shutdown()


def test_the_pinned_post_keeps_tls_verified_for_the_hosts_name(tls_robot: Any) -> None:
    port, names = tls_robot
    assert webhooks.post("slack", f"https://robot.example:{port}/hook", "text") == "slack:ok"
    assert names == ["robot.example"] and Hook.hosts == [f"robot.example:{port}"]
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        webhooks.post("slack", f"https://other.example:{port}/hook", "text")
    assert Hook.hosts == [f"robot.example:{port}"]


class Redirecting(BaseHTTPRequestHandler):
    paths: list[str] = []

    def _answer(self) -> None:
        Redirecting.paths.append(self.path)
        secret = self.path == "/latest/meta-data/"
        self.send_response(200 if secret else 302)
        self.send_header("Location", "/latest/meta-data/")
        self.send_header("Content-Length", "11" if secret else "0")
        self.end_headers()
        self.wfile.write(b"iam-secrets" if secret else b"")

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


def test_a_robot_redirect_is_not_followed(settings: Any) -> None:
    settings.TOUSU_WEBHOOK_ALLOW_INTERNAL = True  # the robot listens on this machine
    Redirecting.paths = []
    server = HTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(webhooks.WebhookError, match="HTTP 302"):
            webhooks.post("slack", f"http://127.0.0.1:{server.server_port}/hook", "text")
    finally:
        server.shutdown()
    assert Redirecting.paths == ["/hook"]


def test_behind_the_banks_proxy_the_post_tunnels_through_it(settings: Any,
                                                            monkeypatch: Any) -> None:
    """A bank whose egress is a forward proxy: the post asks the proxy for a tunnel to the
    robot's name (this machine need not resolve it) and fails plainly when the proxy refuses."""
    settings.TOUSU_WEBHOOK_ALLOW_INTERNAL = False
    asked: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def proxy() -> None:
        conn, _ = listener.accept()
        with conn:
            asked.append(conn.recv(4096).split(b"\r\n")[0])
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=proxy, daemon=True).start()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    resolve = socket.getaddrinfo

    def only_the_proxy(host: str, *args: Any) -> Any:
        assert host == "127.0.0.1", f"{host} resolved on this machine"
        return resolve(host, *args)

    monkeypatch.setattr(socket, "getaddrinfo", only_the_proxy)
    with pytest.raises(OSError, match="403"):
        webhooks.post("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "text")
    listener.close()
    assert asked == [b"CONNECT qyapi.weixin.qq.com:443 HTTP/1.0"]
