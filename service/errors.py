"""The exception tree. Only the HTTP shell turns these into responses.

    TrialmatchError
    ├── CatalogError             the criteria files are broken (start-up refuses to run)
    ├── Cancelled                the caller stopped the work (its time limit passed); no answer
    └── ClientError              the request is wrong; becomes a FHIR OperationOutcome
        ├── NotJson              400: body is not UTF-8 JSON
        ├── UnsupportedMediaType 415: content type is not FHIR JSON or JSON
        ├── PayloadTooLarge      413: body over the configured limit
        ├── Unauthorized         401: API key missing or wrong
        ├── NotFound             404: unknown trial or route
        ├── BadParameter         400: a query parameter is malformed or not supported (asOf, trial)
        ├── NotAcceptable        406: the Accept header asks for a format the route cannot give
        ├── BundleInvalid        422: JSON that is not an acceptable Bundle
        ├── HookInvalid          422: not a CDS Hooks request this service can read
        └── PrefetchMissing      412: CDS prefetch lacks data the service needs

Unknown data and unsupported resource types are never errors: they become warnings in a
normal answer. Messages never quote patient data; they name locations (entry index,
resource type and id, element path) only. Every message and expression, and every warning,
is one printable line of at most MESSAGE_CHARS characters (:func:`one_line`), whatever text
of the request it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MESSAGE_CHARS = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    """Return text as one printable line of at most ``limit`` characters: controls escaped, the rest cut."""
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda found: found.group(0).encode("unicode_escape").decode("ascii"), text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem, as it will appear in an OperationOutcome issue (messages bounded by one_line)."""

    code: str
    diagnostics: str
    expression: tuple[str, ...] = ()
    severity: str = "error"

    def __post_init__(self) -> None:
        object.__setattr__(self, "diagnostics", one_line(self.diagnostics))
        object.__setattr__(self, "expression", tuple(one_line(e) for e in self.expression))


class TrialmatchError(Exception):
    """Base of every error this service raises on purpose."""


class CatalogError(TrialmatchError):
    """The catalogue has errors; each message names its file and path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} catalogue error(s):\n" + "\n".join(problems))
        self.problems = problems


class Cancelled(TrialmatchError):
    """The caller's cancellation token was set: the work stopped between two entries or trials."""


@dataclass
class ClientError(TrialmatchError):
    """A request the service cannot answer; carries the HTTP status and the issues."""

    issues: list[Issue] = field(default_factory=list)
    status: int = 400

    def __str__(self) -> str:
        return "; ".join(issue.diagnostics for issue in self.issues)


def _single(status: int, code: str, message: str, *expression: str) -> list[Issue]:
    return [Issue(code=code, diagnostics=message, expression=tuple(expression))]


class NotJson(ClientError):
    """Body is not UTF-8 JSON."""

    def __init__(self, message: str) -> None:
        super().__init__(_single(400, "invalid", message), 400)


class UnsupportedMediaType(ClientError):
    """Content type is neither application/fhir+json nor application/json."""

    def __init__(self, message: str) -> None:
        super().__init__(_single(415, "not-supported", message), 415)


class PayloadTooLarge(ClientError):
    """Body larger than the configured limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(_single(413, "too-costly", f"request body exceeds {limit} bytes"), 413)


class Unauthorized(ClientError):
    """API key missing or not accepted; the message never says which."""

    def __init__(self) -> None:
        super().__init__(_single(401, "login", "authentication required"), 401)


class NotFound(ClientError):
    """An unknown trial id or route."""

    def __init__(self, message: str) -> None:
        super().__init__(_single(404, "not-found", message), 404)


class BadParameter(ClientError):
    """A malformed query parameter."""

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(_single(400, "value", message, parameter), 400)


class NotAcceptable(ClientError):
    """An Accept header that admits no format the route can answer in (the FHIR routes give JSON only)."""

    def __init__(self, message: str) -> None:
        super().__init__(_single(406, "not-supported", message), 406)


class BundleInvalid(ClientError):
    """JSON that is not an acceptable Bundle; lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(issues, 422)


class HookInvalid(ClientError):
    """422: JSON that is not a patient-view hook request this service can read."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(issues, 422)


class PrefetchMissing(ClientError):
    """412: data the service needs is not in prefetch, and the service never fetches it itself."""

    def __init__(self, message: str) -> None:
        super().__init__([Issue("required", message, ("prefetch.patient",))], 412)
