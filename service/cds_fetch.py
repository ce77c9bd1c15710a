"""Fetch the prefetch keys a CDS client left out from its FHIR server (``fhirServer`` + ``fhirAuthorization``).

CDS Hooks 2.0, "FHIR Resource Access": when the client sends both ``fhirServer`` and
``fhirAuthorization``, the service MAY query the server for data prefetch did not provide, with
the access token as a bearer token. This module runs each missing key's query (its template
with ``{{context.patientId}}`` filled in) and returns what the server answered, shaped like a
prefetch value, so the caller treats it exactly like prefetch.

Limits (a hook request must stay fast, and the server is the client's, not the service's):

- Only ``https``, or ``http`` to a loopback address (a server on the same host); with an allow
  list set (``TRIALMATCH_CDS_FHIR_SERVERS``) only base URLs it names. Anything else: no fetch.
- Connect and read timeouts per response, and one deadline for all of a hook request's fetches.
- A size limit per response and one for all of a request's responses, counted while reading.
- No redirect is followed to another origin (scheme, host, port); ``next`` page links must stay
  on the server's origin too, and at most MAX_PAGES pages are read per key.
- The token goes only to that origin, and is never logged; logs name the key and the failure
  (status code or kind), never the URL (it holds the patient's id).

Any failure (refused URL, timeout, an answer too large, a non-2xx status such as 401, a body
that is not the expected resource, too many pages) leaves the key out: the caller reads it as
"not provided", so the facts it supplies are unknown, never absent.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

logger = logging.getLogger("trialmatch.cds")
# httpx logs every request's URL at INFO (and httpcore traces at DEBUG); a fetch URL holds the
# patient's id, and logs never hold patient data.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

PATIENT = "{{context.patientId}}"
# FHIR R4 id: [A-Za-z0-9\-\.]{1,64} (https://hl7.org/fhir/R4/datatypes.html#id); anything else
# is not substituted into a URL.
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
MAX_PAGES = 20
MAX_REDIRECTS = 3
CONNECT_SECONDS = 3.0
READ_SECONDS = 10.0
FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class FetchLimits:
    """How far the service goes fetching one hook request's missing keys."""

    deadline_seconds: float = 15.0
    response_bytes: int = 8 * 1024 * 1024
    request_bytes: int = 16 * 1024 * 1024
    connect_seconds: float = CONNECT_SECONDS
    read_seconds: float = READ_SECONDS
    servers: tuple[str, ...] = ()


class FetchFailed(Exception):
    """One key could not be fetched; the message is safe to log (no URL, no token, no patient data)."""


@dataclass(frozen=True)
class Fetched:
    """The values fetched, by prefetch key, and the keys that failed with why."""

    values: dict[str, dict[str, Any]]
    failed: dict[str, str]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_server(base: str, limits: FetchLimits) -> str | None:
    """Return why the service will not fetch from this base URL, or None when it will."""
    try:
        url = httpx.URL(base)
    except (httpx.InvalidURL, TypeError):
        return "fhirServer is not a URL"
    if url.scheme == "http" and not _loopback(url.host):
        return "fhirServer must be https (plain http only to a loopback address)"
    if url.scheme not in ("http", "https") or not url.host:
        return "fhirServer must be an https URL"
    if url.userinfo:
        return "fhirServer must not carry credentials"
    if limits.servers and not any(base.rstrip("/") == s.rstrip("/") for s in limits.servers):
        return "fhirServer is not one this service is configured to fetch from"
    return None


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


class _Session:
    """One hook request's fetches: a client, its origin, and the budgets left."""

    def __init__(self, base: str, token: str, limits: FetchLimits, stop: Callable[[], bool]) -> None:
        self.base = httpx.URL(base.rstrip("/") + "/")
        self.limits = limits
        self.stop = stop
        self.deadline = time.monotonic() + limits.deadline_seconds
        self.spent = 0
        timeout = httpx.Timeout(limits.read_seconds, connect=limits.connect_seconds)
        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,  # no proxy or netrc from the environment sees the token
            headers={"Accept": FHIR_JSON, "Authorization": f"Bearer {token}"},
        )

    def get_json(self, url: httpx.URL) -> Any:
        """Return the JSON body of a GET on the server's origin, following same-origin redirects only."""
        for _ in range(MAX_REDIRECTS + 1):
            if _origin(url) != _origin(self.base):
                raise FetchFailed("a link or redirect pointed to another origin")
            if self.stop() or time.monotonic() > self.deadline:
                raise FetchFailed("deadline passed")
            with self.client.stream("GET", url) as response:
                if response.is_redirect:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchFailed(f"HTTP {response.status_code} without a location")
                    url = url.join(location)
                    continue
                if response.status_code != 200:
                    raise FetchFailed(f"HTTP {response.status_code}")
                return json.loads(self._read(response))
        raise FetchFailed("too many redirects")

    def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limits.response_bytes:
            raise FetchFailed("response larger than the limit")
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            self.spent += len(chunk)
            if len(body) > self.limits.response_bytes:
                raise FetchFailed("response larger than the limit")
            if self.spent > self.limits.request_bytes:
                raise FetchFailed("responses larger than the request's limit")
            if time.monotonic() > self.deadline or self.stop():
                raise FetchFailed("deadline passed")
        return bytes(body)

    def fetch(self, query: str, patient_id: str) -> dict[str, Any]:
        """Return the resource (a read) or one Bundle holding every page's entries (a search)."""
        url = self.base.join(query.replace(PATIENT, patient_id))
        first = self.get_json(url)
        if not isinstance(first, dict):
            raise FetchFailed("answer is not a JSON object")
        expected = query.split("?")[0].split("/")[0] if "?" not in query else "Bundle"
        if first.get("resourceType") != expected:
            raise FetchFailed(f"answer is a {str(first.get('resourceType'))[:40]}, not a {expected}")
        if expected != "Bundle":
            return first
        entries = list(_entries(first))
        page = first
        for _ in range(MAX_PAGES - 1):
            following = _next(page)
            if following is None:
                break
            page = self.get_json(url.join(following))
            if not isinstance(page, dict) or page.get("resourceType") != "Bundle":
                raise FetchFailed("a page is not a Bundle")
            entries.extend(_entries(page))
        else:
            if _next(page) is not None:
                raise FetchFailed(f"more than {MAX_PAGES} pages")
        return {"resourceType": "Bundle", "type": "searchset", "entry": entries}

    def close(self) -> None:
        self.client.close()


def _entries(bundle: dict[str, Any]) -> Iterable[Any]:
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise FetchFailed("Bundle.entry is not an array")
    return entries


def _next(bundle: dict[str, Any]) -> str | None:
    links = bundle.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            url: str = link["url"]
            return url
    return None


def fetch_missing(
    base: str,
    authorization: dict[str, Any],
    patient_id: str,
    queries: dict[str, str],
    limits: FetchLimits,
    stop: Callable[[], bool],
) -> Fetched:
    """Return each key's query answered by the FHIR server, and why the keys that failed did."""
    token = authorization.get("access_token")
    kind = authorization.get("token_type", "Bearer")
    refused = allowed_server(base, limits)
    if refused is None and not (isinstance(token, str) and token and not any(c in token for c in "\r\n")):
        refused = "fhirAuthorization.access_token is missing"
    if refused is None and (not isinstance(kind, str) or kind.lower() != "bearer"):
        refused = "fhirAuthorization.token_type is not Bearer"
    if refused is None and not FHIR_ID.fullmatch(patient_id):
        refused = "context.patientId is not a FHIR id"
    if refused is not None:
        logger.warning("CDS fetch from fhirServer not attempted: %s", refused)
        return Fetched({}, dict.fromkeys(queries, refused))
    assert isinstance(token, str)
    session = _Session(base, token, limits, stop)
    values: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    try:
        for key, query in queries.items():
            try:
                values[key] = session.fetch(query, patient_id)
            except FetchFailed as error:
                failed[key] = str(error)
            except httpx.TimeoutException:
                failed[key] = "timed out"
            except httpx.HTTPError as error:
                failed[key] = f"connection failed ({type(error).__name__})"
            except ValueError:
                failed[key] = "answer is not JSON"
    finally:
        session.close()
    for key, reason in failed.items():
        logger.warning("CDS fetch of prefetch key %s from fhirServer failed: %s", key, reason)
    return Fetched(values, failed)
