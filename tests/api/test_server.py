"""The server before the app: bounded request heads, head deadlines, errors as OperationOutcomes, lingering close.

Starts ``python -m service.server`` (what ``trialmatch serve`` runs) on a loopback port with a
1-second head deadline, and talks raw HTTP/1.1 to it over sockets.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.settings import default_criteria_dir

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A server with a 1 s head deadline and a 64 KiB body limit, on a free loopback port."""
    chosen = _free_port()
    env = dict(
        os.environ,
        TRIALMATCH_PORT=str(chosen),
        TRIALMATCH_HOST="127.0.0.1",
        TRIALMATCH_HEADER_TIMEOUT_SECONDS="1",
        TRIALMATCH_MAX_BODY_BYTES="65536",
        TRIALMATCH_WORK_PROCESSES="2",
        TRIALMATCH_CRITERIA_DIR=str(default_criteria_dir()),
    )
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([sys.executable, "-m", "service.server"], cwd=REPO, env=env, stdout=sink, stderr=sink)
    try:
        # The server listens once its worker processes have loaded the catalogue (slow on a busy machine).
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                pytest.fail(f"server exited {server.returncode}: {log.read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{chosen}/health", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not answer /health within 180 s: {log.read_text()}")
                time.sleep(0.2)
        yield chosen
    finally:
        server.terminate()
        server.wait(timeout=15)


def exchange(port: int, data: bytes, wait: float = 5.0) -> tuple[bytes, float]:
    """Send data, read until the server closes (or ``wait`` passes); return what came back and how long it took."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(wait)
        if data:
            sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received, time.perf_counter() - started


def post(body: bytes, extra_headers: bytes = b"") -> bytes:
    """A whole POST /match request (head and body) of a FHIR JSON body."""
    head = (
        f"POST /match?asOf=2026-11-22 HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
        f"Content-Length: {len(body)}\r\n"
    ).encode()
    return head + extra_headers + b"\r\n" + body


def outcome(answer: bytes) -> dict[str, object]:
    """The OperationOutcome in an HTTP answer, checked for its content type."""
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/fhir+json" in head.lower(), head
    document: dict[str, object] = json.loads(body)
    assert document["resourceType"] == "OperationOutcome"
    return document


@pytest.mark.slow
@pytest.mark.parametrize(
    "head",
    [
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
        b"GET /health?" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    ],
    ids=["header", "url"],
)
def test_head_over_the_limit_gets_431(port: int, head: bytes) -> None:
    """A request head over 16 KiB, sent whole, gets 431 with an OperationOutcome and the connection closed."""
    answer, _ = exchange(port, head)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert outcome(answer)["issue"][0]["code"] == "too-costly"  # type: ignore[index]


@pytest.mark.slow
def test_bytes_that_are_not_http_get_400(port: int) -> None:
    """A request line that is not HTTP/1.1 gets 400 with an OperationOutcome."""
    answer, _ = exchange(port, b"HELLO\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    outcome(answer)


@pytest.mark.slow
def test_slow_head_gets_408_and_idle_connection_is_closed(port: int) -> None:
    """A head still incomplete after the deadline gets 408; a connection that sends nothing is closed after it."""
    slow, took = exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\n")
    assert slow.startswith(b"HTTP/1.1 408 ") and 0.9 < took < 3.0
    outcome(slow)
    idle, took = exchange(port, b"")
    assert idle == b"" and 0.9 < took < 3.0


@pytest.mark.slow
def test_body_answered_early_is_read_by_the_client(port: int) -> None:
    """A 1 MB body over the 64 KiB limit, sent whole, gets its 413 instead of a connection reset."""
    answer, _ = exchange(port, post(b"{" + b" " * 1_000_000 + b"}"))
    assert answer.startswith(b"HTTP/1.1 413 ")
    outcome(answer)


@pytest.mark.slow
def test_a_body_and_its_head_in_one_write_are_not_taken_for_a_large_head(port: int) -> None:
    """A POST whose 60 KB body arrives in the same read as its head is answered normally (422, not 431)."""
    body = b'{"resourceType": "Bundle", "type": "collection", "entry": [], "x": "' + b"a" * 60_000 + b'"}'
    answer, _ = exchange(port, post(body, b"Connection: close\r\n"))
    assert answer.startswith(b"HTTP/1.1 422 ")


@pytest.mark.slow
def test_head_health_and_keep_alive(port: int) -> None:
    """HEAD /health answers 200 without a body, and a kept-alive connection serves a second request."""
    request = b"HEAD /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answer, _ = exchange(port, request)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.count(b"HTTP/1.1 200 ") == 2
    assert answer.endswith(b"}")
