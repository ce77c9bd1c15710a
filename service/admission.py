"""Admission control: bound the request bodies in flight by count and bytes; refuse the rest with 503.

A request that carries a body (POST) is admitted only while fewer than
``Settings.max_inflight_requests`` such requests are in flight and their bodies add up to at most
``Settings.max_inflight_body_bytes``. A declared ``Content-Length`` is reserved before a byte is
read, so a request that does not fit is refused at once; a chunked body reserves its bytes as
they arrive and is refused when the next chunk would overflow the budget. The reservation is
held until the answer is sent, because the parsed body and the work on it live that long.

Refusals are ``503 Service Unavailable`` with ``Retry-After`` and an OperationOutcome (code
``transient``): the client may retry. The refused body is not read: the server
(service/server.py) answers at once and drops the rest of the body unparsed before it closes,
so a client still sending reads the 503 rather than a reset. Requests without a body (``GET
/health``) are never refused, so liveness probes keep answering under load.

Every refusal goes through :meth:`Admission.refuse`, which counts it in
:attr:`Admission.refused` by reason (``requests`` or ``bytes``) and in the
``trialmatch_admission_rejected_total`` metric with the reason as its label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal

from service import metrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Reason = Literal["requests", "bytes"]
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class Refused(Exception):
    """A chunked body outgrew the budget while it was being read."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Admission:
    """The in-flight budget of one process: request count and body bytes, and the refusals so far."""

    max_requests: int
    max_bytes: int
    requests: int = 0
    bytes: int = 0
    refused: Counter[Reason] = field(default_factory=Counter)

    def refuse(self, reason: Reason) -> Reason:
        """Count one refusal (the metric hook) and return its reason."""
        self.refused[reason] += 1
        metrics.record_admission_rejection(reason)
        return reason

    def enter(self, declared: int) -> Reason | None:
        """Admit a request that declares ``declared`` body bytes; return why not when it does not fit."""
        if self.requests >= self.max_requests:
            return self.refuse("requests")
        if self.bytes + declared > self.max_bytes:
            return self.refuse("bytes")
        self.requests += 1
        self.bytes += declared
        return None

    def grow(self, more: int) -> Reason | None:
        """Reserve ``more`` bytes for an admitted request's body; return why not when they do not fit."""
        if self.bytes + more > self.max_bytes:
            return self.refuse("bytes")
        self.bytes += more
        return None

    def leave(self, reserved: int) -> None:
        """Release an admitted request and the bytes it reserved."""
        self.requests -= 1
        self.bytes -= reserved


def declared_length(scope: Scope) -> int:
    """Return the request's Content-Length, or 0 when it has none or it is not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) < 19 else 0
    return 0


RefusalResponse = Callable[[Reason], ASGIApp]


class AdmissionMiddleware:
    """Admits body-carrying requests within the budget; answers the others with ``refusal(reason)``."""

    def __init__(self, app: ASGIApp, admission: Admission, refusal: RefusalResponse, max_body_bytes: int) -> None:
        self.app = app
        self.admission = admission
        self.refusal = refusal
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request inside the budget, or refuse it."""
        if scope["type"] != "http" or scope.get("method") not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        # A declared length over the body limit is the app's to refuse (413), and reserves nothing.
        declared = declared_length(scope)
        declared = declared if declared <= self.max_body_bytes else 0
        why = self.admission.enter(declared)
        if why is not None:
            await self.refusal(why)(scope, receive, send)
            return
        reserved = declared
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal reserved, received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                # Past the body limit the app refuses the request (413): reserve no more than the limit.
                needed = min(received, self.max_body_bytes)
                if needed > reserved:
                    more = needed - reserved
                    why = self.admission.grow(more)
                    if why is not None:
                        raise Refused(why)
                    reserved += more
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except Refused as refused:
            if not started:
                await self.refusal(refused.reason)(scope, receive, send)
        finally:
            self.admission.leave(reserved)
