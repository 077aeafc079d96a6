"""gunicorn's logger (tousu/gunicorn_conf.py): its access log names the client as the portal's
rate limits do (portal.ratelimit.client_address: behind TOUSU_TRUSTED_PROXIES, the right-most
X-Forwarded-For hop none of them added), not the bank's TLS proxy every request comes from.

A customer's address is personal information (PIPL), yet it is written whole, as axes records
staff sign-ins: the security team traces an attack by it, and a masked address traces nothing.
The log store's access control and retention protect it; the masker still reads the line."""

from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

from portal.ratelimit import client_address


class Logger(GunicornLogger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any],
              request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        atoms["h"] = client_address(environ) or "-"
        return atoms
