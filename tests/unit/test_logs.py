"""One log format: text lines escape control characters and carry the duration; uvicorn's lines follow the setting."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.logs import (
    JsonFormatter,
    TextFormatter,
    configure_logging,
    escape_control,
    uvicorn_log_config,
)
from service.main import create_app
from service.settings import Settings, default_criteria_dir

ESCAPES = [
    ("GET /health 200", "GET /health 200"),
    ("line\r\nforged", "line\\r\\nforged"),
    ("tab\there", "tab\\there"),
    ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
    ("nul\x00del\x7f", "nul\\x00del\\x7f"),
    ("c1 next-line\x85", "c1 next-line\\x85"),
    ("line\u2028para\u2029", "line\\u2028para\\u2029"),
    ("back\\slash", "back\\\\slash"),
    ("ünïcödé µmol/L ≥", "ünïcödé µmol/L ≥"),
]


@pytest.mark.parametrize(("raw", "logged"), ESCAPES)
def test_control_characters_are_escaped(raw: str, logged: str) -> None:
    """CR, LF, tab, ESC, NUL, DEL, C1 controls and Unicode line separators become visible escapes; text stays."""
    assert escape_control(raw) == logged


def record(message: str, **fields: object) -> logging.LogRecord:
    """A log record as the access logger makes it, with extra request fields."""
    made = logging.LogRecord("trialmatch.access", logging.INFO, __file__, 1, message, None, None)
    for name, value in fields.items():
        setattr(made, name, value)
    return made


def test_text_line_carries_request_id_and_duration() -> None:
    """A text access line names the request id and ends with the duration in milliseconds."""
    line = TextFormatter().format(record("GET /health 200", request_id="abc123", duration_ms=12.345))
    assert line.endswith("INFO trialmatch.access [abc123] GET /health 200 12.35ms")


def test_text_line_cannot_be_forged() -> None:
    """A path with CR LF and a fake second line stays on one escaped line."""
    path = "/x\r\n2026-01-01T00:00:00 INFO trialmatch.access [forged] GET /admin 200"
    line = TextFormatter().format(record(f"GET {path} 404", request_id="r\n1", duration_ms=1))
    assert "\n" not in line and "\r" not in line
    assert "\\r\\n2026-01-01" in line and "[r\\n1]" in line


def test_json_line_escapes_by_construction() -> None:
    """A JSON line holds the control characters escaped, and parses back to the original text."""
    line = JsonFormatter().format(record("GET /x\r\n\x1b 404", request_id="r1", duration_ms=2.5))
    assert "\n" not in line and "\x1b" not in line
    data = json.loads(line)
    assert data["message"] == "GET /x\r\n\x1b 404" and data["duration_ms"] == 2.5


@pytest.fixture
def restored_loggers() -> Iterator[None]:
    """Put the handlers, levels and propagation of the loggers a test reconfigures back afterwards."""
    names = ("trialmatch", "uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {
        n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level, logging.getLogger(n).propagate) for n in names
    }
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_uvicorn_lines_use_the_configured_format(log_format: str, restored_loggers: None) -> None:
    """After configure_logging, uvicorn's start-up and error lines go through the service's handler and format."""
    configure_logging(Settings(log_format=log_format))  # type: ignore[arg-type]
    [handler] = logging.getLogger("trialmatch").handlers
    assert logging.getLogger("uvicorn").handlers == [handler]
    stream = io.StringIO()
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 7)
    logging.getLogger("uvicorn.error").error("Invalid HTTP request received.")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    if log_format == "json":
        assert [json.loads(line)["logger"] for line in lines] == ["uvicorn.error", "uvicorn.error"]
    else:
        assert lines[0].endswith("INFO uvicorn.error [-] Started server process [7]")


def test_uvicorn_access_log_stays_off_when_off(restored_loggers: None) -> None:
    """configure_logging gives uvicorn's access logger no handler when uvicorn turned it off."""
    logging.getLogger("uvicorn.access").handlers[:] = []
    configure_logging(Settings(log_format="json"))
    assert logging.getLogger("uvicorn.access").handlers == []


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_uvicorn_log_config_formats_from_the_first_line(log_format: str, restored_loggers: None) -> None:
    """The log_config `trialmatch serve` hands uvicorn puts its lines in the configured format before the app loads."""
    settings = Settings(log_format=log_format)  # type: ignore[arg-type]
    logging.config.dictConfig(uvicorn_log_config(settings))
    [handler] = logging.getLogger("uvicorn").handlers
    expected = JsonFormatter if log_format == "json" else TextFormatter
    assert type(handler.formatter) is expected
    assert logging.getLogger("trialmatch").handlers and logging.getLogger("uvicorn.error").propagate


def test_text_access_line_of_a_forged_path_stays_one_line(capfd: pytest.CaptureFixture[str]) -> None:
    """A request for a path with an encoded CR LF logs one text line with the characters escaped."""
    app = create_app(Settings(criteria_dir=default_criteria_dir(), log_format="text"))
    stream = io.StringIO()
    [handler] = logging.getLogger("trialmatch").handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    with TestClient(app) as client:
        assert client.get("/x%0d%0aFAKE%20INFO%20line%1b").status_code == 404
    [line] = [line for line in stream.getvalue().splitlines() if "trialmatch.access" in line]
    assert "GET /x\\r\\nFAKE INFO line\\x1b 404" in line
    assert line.endswith("ms")
