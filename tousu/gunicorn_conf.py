"""gunicorn's settings (`gunicorn -c python:tousu.gunicorn_conf tousu.wsgi …`): its own lines
(start, workers, timeouts, errors) go through Django's LOGGING like the application's, so a log
shipper reads one JSON object a line from every process in production, identifiers masked."""

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")

from django.conf import settings  # imported after the settings module is named

_LOGGING: dict[str, Any] = settings.LOGGING
_GUNICORN = {"level": "INFO", "handlers": ["console"], "propagate": False}
logconfig_dict: dict[str, Any] = {
    **_LOGGING,
    "loggers": {**_LOGGING["loggers"], "gunicorn.error": _GUNICORN, "gunicorn.access": _GUNICORN},
}
# Tousu has no use for gunicornc; a second gunicorn of the same user (another web server on the
# machine, a benchmark) would take over this one's socket and delete it on stopping.
control_socket_disable = True
# The access log's client is the one the trusted proxies forwarded, as the application reads it.
logger_class = "ops.gunicorn.Logger"
