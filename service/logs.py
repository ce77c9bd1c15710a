"""Logging: one format for every line the process writes, the service's and uvicorn's alike.

``TRIALMATCH_LOG_FORMAT=json`` gives one JSON object per line; ``text`` gives one plain line
per record, with the request fields (request id, duration) when the record has them. Text lines
escape control characters (CR, LF, ESC, ...) in every field, so a request path cannot forge a
second log line or drive a terminal; JSON escapes them by construction. Records carry no
exception text or traceback: an exception message could quote patient data.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from service.settings import Settings

# The loggers the process writes through: the service's and uvicorn's ("uvicorn.error"
# propagates to "uvicorn"). uvicorn's access log stays off in `trialmatch serve` (the service
# logs each request itself, and uvicorn's line carries the client address and query string);
# where a server turns it on, it uses the same format.
SERVICE_LOGGER = "trialmatch"
UVICORN_LOGGER = "uvicorn"
UVICORN_ACCESS_LOGGER = "uvicorn.access"
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms")

# C0 and C1 control characters, DEL, the Unicode line and paragraph separators, and the
# backslash itself (so an escaped sequence cannot be confused with one that was sent).
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
_ESCAPES = {
    code: _NAMED.get(chr(code), f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, ord("\\"))
}


def escape_control(text: str) -> str:
    """Return the text with control characters and backslashes written as escapes."""
    return text.translate(_ESCAPES)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the request fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line."""
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        return json.dumps(data, sort_keys=True)


class TextFormatter(logging.Formatter):
    """Plain lines: time, level, logger, [request id], message, and the duration when timed."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one text line with every field's control characters escaped."""
        request_id = getattr(record, "request_id", "-")
        when = self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
        line = f"{when} {record.levelname} {record.name} [{request_id}] {record.getMessage()}"
        duration = getattr(record, "duration_ms", None)
        if isinstance(duration, int | float):
            line += f" {duration:.2f}ms"
        return escape_control(line)


def formatter_class(settings: Settings) -> type[logging.Formatter]:
    """Return the formatter of the configured log format."""
    return JsonFormatter if settings.log_format == "json" else TextFormatter


def configure_logging(settings: Settings) -> None:
    """Send the service's and uvicorn's logs to stderr through one handler in the configured format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter_class(settings)())
    level = settings.log_level.upper()
    for name in (SERVICE_LOGGER, UVICORN_LOGGER):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    # uvicorn.error keeps no handler of its own and reaches stderr through "uvicorn".
    error_logger = logging.getLogger("uvicorn.error")
    error_logger.handlers[:] = []
    error_logger.propagate = True
    # The access log keeps uvicorn's on/off choice (off: no handler); when on, our format.
    access_logger = logging.getLogger(UVICORN_ACCESS_LOGGER)
    if access_logger.handlers:
        access_logger.handlers[:] = [handler]


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """Return uvicorn's ``log_config``: its lines in the configured format from the first one on.

    ``configure_logging`` alone would apply only once the app is imported; with this, the
    start-up lines of the parent process and of each worker are formatted too.
    """
    level = settings.log_level.upper()
    handler = {"class": "logging.StreamHandler", "formatter": "service", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"service": {"()": f"{__name__}.{formatter_class(settings).__name__}"}},
        "handlers": {"stderr": handler},
        "loggers": {
            UVICORN_LOGGER: {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level, "propagate": True},
            # uvicorn removes this handler again when its access log is off.
            UVICORN_ACCESS_LOGGER: {"handlers": ["stderr"], "level": level, "propagate": False},
            SERVICE_LOGGER: {"handlers": ["stderr"], "level": level, "propagate": False},
        },
    }
