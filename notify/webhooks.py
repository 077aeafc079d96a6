"""Group-chat robots: WeCom (企业微信) and DingTalk (钉钉) group robots, Slack and Teams incoming
webhooks. Each gets a plain-text message in its own JSON shape."""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request
from typing import Any

TIMEOUT_S = 10


class WebhookError(RuntimeError):
    pass


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
    if urllib.parse.urlparse(url).scheme not in {"http", "https"}:
        raise WebhookError(f"not an http(s) URL: {url!r}")
    if channel == "dingtalk" and secret:
        url = signed_url(url, secret)
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
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
