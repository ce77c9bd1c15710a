"""The HTTP server: uvicorn with h11, bounded request heads and timeouts; errors before the app as OperationOutcomes.

Every launcher (``trialmatch serve``, ``python -m service.server``, the load benchmark) calls
:func:`serve`, so the options below hold wherever the service runs.

Why h11 and not httptools (uvicorn[standard]'s default), measured with ``bench/load.py
--scenario headers`` (README, load): httptools (llhttp) sets no limit on a request head, so a
single 100 MB header was read and parsed for seconds while the process grew, and four of them
starved the process. h11 refuses a head larger than ``max_incomplete_event_size`` as soon as the
buffer passes it. Neither bounds the time a client may take to send a head (uvicorn's keep-alive
timer only runs between requests, and is stopped by the first byte), so :class:`GuardedH11Protocol`
adds that. hypercorn (h11 too) and granian (Rust, hyper) bound heads as well, but would change the
process model, logging and the tests' server for what a 60-line subclass does here.

What the server does before the app sees a request:

- A request head (request line and headers) over ``Settings.header_bytes`` (16 KiB) is answered
  ``431 Request Header Fields Too Large`` and the connection closed; a URL over the same limit
  gets the same answer (RFC 6585 section 5; h11 says 431 for both).
- Bytes that are not HTTP/1.1 get ``400``.
- A head not complete within ``Settings.header_timeout_seconds`` (10 s) of the connection opening
  or of the previous answer: ``408 Request Timeout`` if part of a head arrived, else the connection
  is closed silently (an idle or half-open connection). Between requests, keep-alive connections are
  closed after ``Settings.keep_alive_seconds`` (5 s) idle.

Those three answers are FHIR OperationOutcomes, like every answer of the app. What this stack cannot
make an OperationOutcome: a connection refused because the listen backlog is full (the kernel), and
uvicorn's plain-text 503 when its own ``limit_concurrency`` is reached (not set here: admission
control in the app answers 503 with an OperationOutcome first).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import sys
from typing import Any

import h11
import orjson
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from service.errors import Issue
from service.logs import uvicorn_log_config
from service.metrics import prepare_multiprocess
from service.settings import Settings, get_settings

APP = "service.main:app"
# CPython hands the GIL to a waiting thread after 5 ms by default. Matching runs in worker threads
# (service.api.off_loop); the event loop thread waits that long for every handoff, so health checks
# stalled for seconds behind five 9 MB bundles. At 0.5 ms they answered in under 0.3 s (README, load).
GIL_SWITCH_INTERVAL = 0.0005
# A lingering close (LingeringTransport) ends when the client has been silent for the keep-alive
# timeout, and in any case after this long (nginx's lingering_time default).
LINGER_MAX_SECONDS = 30.0
# The blank line that ends a request head (h11 also accepts a bare LF before it).
HEAD_END = re.compile(rb"\n\r?\n")


def outcome_bytes(status: int, reason: str, issue: Issue) -> bytes:
    """Return a complete HTTP/1.1 answer carrying an OperationOutcome, closing the connection."""
    body = orjson.dumps(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": issue.severity, "code": issue.code, "diagnostics": issue.diagnostics}],
        }
    )
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/fhir+json\r\ncontent-length: {len(body)}\r\n"
        "cache-control: no-store\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class LingeringTransport:
    """A transport whose close waits for the client to stop sending, so the answer is read, not reset.

    When the service answers before a request body has arrived whole (413, a 503 from admission
    control), closing at once would make the client's kernel see a reset while it is still
    sending, and the client would never read the answer. Instead the write side is shut (FIN),
    the rest of the body is read and dropped without parsing, and the connection is closed when
    the client closes it, has sent nothing for the keep-alive timeout, or LINGER_MAX_SECONDS have
    passed: nginx's "lingering close".
    """

    def __init__(self, transport: asyncio.Transport, protocol: GuardedH11Protocol) -> None:
        self._transport = transport
        self._protocol = protocol

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def close(self) -> None:
        """Close now, or linger first when the client is still sending a body."""
        if not self._protocol.linger():
            self._transport.close()


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head and OperationOutcome error answers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if sys.getswitchinterval() != GIL_SWITCH_INTERVAL:
            sys.setswitchinterval(GIL_SWITCH_INTERVAL)  # here, so every worker process serving connections has it
        settings: Settings = self.config.trialmatch_settings  # type: ignore[attr-defined]
        self.head_limit = settings.header_bytes
        self.head_timeout = settings.header_timeout_seconds
        self.head_timer: asyncio.TimerHandle | None = None
        self.head_bytes = 0
        self.head_tail = b""
        self.lingering = False
        self.linger_timeout = settings.keep_alive_seconds
        self.linger_deadline = 0.0
        self.linger_timer: asyncio.TimerHandle | None = None

    def _arm_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
        self.head_bytes = 0
        self.head_tail = b""
        self.head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request head."""
        super().connection_made(LingeringTransport(transport, self))  # type: ignore[arg-type]
        self.raw_transport = transport
        self._arm_head_timer()

    def linger(self) -> bool:
        """Start a lingering close when a request body is still arriving; return whether one started."""
        if self.lingering or self.conn.their_state is not h11.SEND_BODY:
            return False
        self.lingering = True
        if self.raw_transport.can_write_eof():
            self.raw_transport.write_eof()
        self.raw_transport.resume_reading()
        self.linger_deadline = self.loop.time() + LINGER_MAX_SECONDS
        self._linger_until_idle()
        return True

    def _linger_until_idle(self) -> None:
        # Closed once the client has sent nothing for linger_timeout seconds, or at the deadline.
        if self.linger_timer is not None:
            self.linger_timer.cancel()
        when = min(self.loop.time() + self.linger_timeout, self.linger_deadline)
        self.linger_timer = self.loop.call_at(when, self.raw_transport.close)

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the head and linger clocks with the connection."""
        self._disarm_head_timer()
        if self.linger_timer is not None:
            self.linger_timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Count the bytes of a head still arriving and refuse it past the limit; once complete, its clock stops."""
        if self.lingering:
            self._linger_until_idle()
            return  # the rest of a body already answered: dropped unread
        if self.head_timer is not None and self.conn.their_state is h11.IDLE:
            # h11 bounds only a head it is still waiting for: one that arrives whole in a single read
            # would pass, so the head's bytes (up to the blank line h11 ends it at) are counted here.
            seen = self.head_tail + data
            end = HEAD_END.search(seen)
            self.head_bytes += len(data) if end is None else max(end.end() - len(self.head_tail), 0)
            self.head_tail = seen[-2:]
            if self.head_bytes > self.head_limit:
                self.send_400_response("head too large")
                return
        super().data_received(data)
        if self.head_timer is not None and self.conn.their_state is not h11.IDLE:
            self._disarm_head_timer()

    def timeout_keep_alive_handler(self) -> None:
        """Close an idle kept-alive connection, unless a lingering close already times it."""
        if not self.lingering:
            super().timeout_keep_alive_handler()

    def on_response_complete(self) -> None:
        """After an answer, the next head (or the keep-alive timeout) is awaited within the head deadline."""
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.head_bytes:
            self.logger.info("request head not complete within %.0f s; 408", self.head_timeout)
            issue = Issue("timeout", f"request head not complete within {self.head_timeout:g} s")
            self.transport.write(outcome_bytes(408, "Request Timeout", issue))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """Answer a head that is too large (431) or not HTTP (400) with an OperationOutcome, and close."""
        self._disarm_head_timer()
        if self.head_bytes > self.head_limit:
            issue = Issue("too-costly", f"request line and headers exceed {self.head_limit} bytes")
            self.transport.write(outcome_bytes(431, "Request Header Fields Too Large", issue))
        else:
            self.transport.write(outcome_bytes(400, "Bad Request", Issue("invalid", "not a valid HTTP/1.1 request")))
        self.transport.close()


def uvicorn_config(settings: Settings, app: str = APP) -> uvicorn.Config:
    """Return the uvicorn configuration every launcher uses."""
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        http=GuardedH11Protocol,
        h11_max_incomplete_event_size=settings.header_bytes,
        timeout_keep_alive=settings.keep_alive_seconds,
        log_level=settings.log_level,
        access_log=False,  # the service logs each request itself, without patient data
        log_config=uvicorn_log_config(settings),  # uvicorn's own lines in the service's format
        server_header=False,
        proxy_headers=False,  # no client address or scheme taken from request headers
    )
    config.trialmatch_settings = settings  # type: ignore[attr-defined]
    return config


def serve(settings: Settings | None = None, app: str = APP) -> bool:
    """Serve the app with the service's server options until stopped; return whether it started.

    Several worker processes when configured, as ``uvicorn.run`` does (each gets the same options).
    """
    settings = settings or get_settings()
    if settings.session_secret is None and settings.workers > 1:
        # Every worker must sign the web view's session cookies with the same secret; without a
        # configured one, this server run draws one and hands it to its workers.
        os.environ["TRIALMATCH_SESSION_SECRET"] = secrets.token_urlsafe(32)
    prepare_multiprocess(settings.workers)  # one metrics directory the workers share
    config = uvicorn_config(settings, app)
    if config.workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return True
    server = uvicorn.Server(config)
    server.run()
    return server.started


if __name__ == "__main__":
    sys.exit(0 if serve(app=sys.argv[1] if len(sys.argv) > 1 else APP) else 3)
