"""The web view's routes: the screening form, the result, the catalogue, sign-in; thin like the API's.

Every route reads its input, calls the core (``match``) or the catalogue, and renders a template.
Pages carry their own strict Content-Security-Policy (scripts, styles and images from the
service only; forms post to the service only); the HTTP shell adds its security headers around
them. A Bundle is parsed, matched and rendered within the request and kept nowhere.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool

from service.api import CatalogDep, SettingsDep, parse_as_of
from service.criteria import Catalog
from service.errors import ClientError, NotJson
from service.pipeline import match
from service.schemas import counts
from service.settings import Settings
from service.terminology import ValueSet
from service.web import PREFIX
from service.web.auth import COOKIE, LIFETIME_SECONDS, Session, Sessions
from service.web.demo import demo_bundle, demos, find_demo
from service.web.forms import read_form
from service.web.view import load_valuesets, result_view, trial_page, typeset

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
UTF8_BOM = b"\xef\xbb\xbf"

templates = Environment(
    loader=PackageLoader("service.web", "templates"),
    autoescape=select_autoescape(("html",), default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["typeset"] = typeset

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class WebState:
    """What the web view derives once at start-up: the session signer and the value sets' entries."""

    sessions: Sessions
    valuesets: dict[str, ValueSet]


def install(app: FastAPI, settings: Settings) -> None:
    """Add the web view to the app: its routes, its static files and its start-up state."""
    secret = settings.session_secret
    key = secret.get_secret_value().encode("utf-8") if secret is not None else secrets.token_bytes(32)
    app.state.web = WebState(Sessions(key, settings.api_key_hashes), load_valuesets(settings.criteria_dir))
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="web-static")


def _state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def _session(request: Request) -> Session | None:
    return _state(request).sessions.decode(request.cookies.get(COOKIE))


def _set_cookie(request: Request, response: Response, session: Session) -> None:
    response.set_cookie(
        COOKIE,
        _state(request).sessions.encode(session),
        max_age=LIFETIME_SECONDS,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    session: Session | None,
    status: int = 200,
) -> HTMLResponse:
    """Render a page with its CSP; a page shown without a valid session opens one (for its CSRF token)."""
    sessions = _state(request).sessions
    fresh = session is None
    current = session if session is not None else sessions.new()
    catalog: Catalog = request.app.state.catalog
    html = templates.get_template(name).render(
        **{"section": "", **context},
        csrf=sessions.csrf_token(current),
        keys_required=sessions.keys_required,
        signed_in=sessions.signed_in(current),
        catalog_version=catalog.version,
    )
    response = HTMLResponse(html, status_code=status, headers={"content-security-policy": PAGE_CSP})
    if fresh:
        _set_cookie(request, response, current)
    return response


def _locked(request: Request, session: Session | None) -> bool:
    """Return whether API keys are on and this browser has not signed in (pages then send it to sign in)."""
    sessions = _state(request).sessions
    return sessions.keys_required and not sessions.signed_in(session)


def _to_login() -> Response:
    return RedirectResponse(f"{PREFIX}/login", status_code=303)


def _rejected(request: Request, session: Session | None, fields: dict[str, bytes]) -> Response | None:
    """Return a refusal for a form post that is cross-site or whose CSRF token is not this session's."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        context = {"title": "Form refused", "message": "A form sent from another site is not accepted."}
        return render(request, "message.html", context, session, 403)
    token = fields.get("csrf", b"").decode("utf-8", "replace")
    if not _state(request).sessions.csrf_ok(session, token):
        message = "This form has expired or did not come from this page. Open the page again and resend it."
        return render(request, "message.html", {"title": "Form expired", "message": message}, session, 403)
    return None


def _index(
    request: Request,
    session: Session | None,
    errors: list[str] | None = None,
    as_of: str | None = None,
    pasted: str = "",
    status: int = 200,
) -> HTMLResponse:
    today = parse_as_of(None).isoformat()
    context = {"demos": demos(), "as_of": as_of or today, "errors": errors or [], "pasted": pasted, "section": "match"}
    return render(request, "index.html", context, session, status)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    """Show the screening form: upload, paste or pick a demo patient, and the as-of date."""
    session = _session(request)
    if _locked(request, session):
        return _to_login()
    return _index(request, session)


def _parse_bundle(raw: bytes) -> object:
    """Return the parsed JSON of an uploaded or pasted Bundle; raise a ClientError when it is not JSON."""
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
    if not raw.strip():
        raise ClientError([], 400)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        # The position only, never the text around it.
        raise NotJson(f"the Bundle is not valid UTF-8 JSON: {error.msg} at line {error.lineno}") from None


@router.post(f"{PREFIX}/match", response_class=HTMLResponse)
async def match_page(request: Request, catalog: CatalogDep, settings: SettingsDep) -> Response:
    """Match the uploaded, pasted or demo Bundle and show the ranked trials with reasons."""
    session = _session(request)
    if _locked(request, session):
        return _to_login()
    try:
        fields = await read_form(request, settings.max_body_bytes)
    except ClientError as error:
        return _index(request, session, [i.diagnostics for i in error.issues], status=error.status)
    refusal = _rejected(request, session, fields)
    if refusal is not None:
        return refusal
    source = fields.get("source", b"").decode("utf-8", "replace")
    as_of_text = fields.get("as_of", b"").decode("utf-8", "replace").strip()
    pasted = fields.get("bundle_text", b"").decode("utf-8", "replace") if source == "paste" else ""

    def again(errors: list[str], status: int = 400) -> Response:
        return _index(request, session, errors, as_of_text or None, pasted, status)

    demo = find_demo(fields.get("demo", b"").decode("utf-8", "replace")) if source == "demo" else None
    if source == "demo":
        if demo is None:
            return again(["Choose one of the demo patients."])
        day = demo.as_of
        document: object = demo_bundle(demo)
    elif source in ("upload", "paste"):
        try:
            day = parse_as_of(as_of_text or None)
        except ClientError as error:
            return again([i.diagnostics for i in error.issues])
        raw = fields.get("bundle_file" if source == "upload" else "bundle_text", b"")
        try:
            document = _parse_bundle(raw)
        except ClientError as error:
            empty = "Choose a Bundle file first." if source == "upload" else "Paste a Bundle's JSON first."
            return again([i.diagnostics for i in error.issues] or [empty])
    else:
        return again(["Choose how to give the Bundle: upload, paste or demo."])
    try:
        report = await run_in_threadpool(match, document, catalog, day, (), settings.max_entries)
    except ClientError as error:
        return again([i.diagnostics for i in error.issues], error.status)
    context = {"r": result_view(report, catalog), "demo": demo, "section": "match"}
    return render(request, "result.html", context, session)


@router.get(f"{PREFIX}/trials", response_class=HTMLResponse)
def catalogue(request: Request, catalog: CatalogDep) -> Response:
    """List the trials of the catalogue with their criteria counts."""
    session = _session(request)
    if _locked(request, session):
        return _to_login()
    trials = [(trial, counts(trial)) for trial in catalog.trials.values()]
    return render(request, "catalogue.html", {"trials": trials, "section": "catalogue"}, session)


@router.get(PREFIX + "/trials/{trial_id}", response_class=HTMLResponse)
def trial(request: Request, trial_id: str, catalog: CatalogDep) -> Response:
    """Show one trial: every criterion's words, its logic in words, and the value sets it reads."""
    session = _session(request)
    if _locked(request, session):
        return _to_login()
    found = catalog.trials.get(trial_id)
    if found is None:
        context = {"title": "No such trial", "message": f"The catalogue has no trial '{trial_id[:40]}'."}
        return render(request, "message.html", context, session, 404)
    page = trial_page(found, catalog, _state(request).valuesets)
    return render(request, "trial.html", {"page": page, "section": "catalogue"}, session)


@router.get(f"{PREFIX}/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    """Show the sign-in form (only when API keys are configured)."""
    sessions = _state(request).sessions
    session = _session(request)
    if not sessions.keys_required or sessions.signed_in(session):
        return RedirectResponse("/", status_code=303)
    return render(request, "login.html", {"error": None, "section": "login"}, session)


@router.post(f"{PREFIX}/login", response_class=HTMLResponse)
async def login(request: Request, settings: SettingsDep) -> Response:
    """Check an API key typed into the form and open a signed-in session."""
    sessions = _state(request).sessions
    if not sessions.keys_required:
        return RedirectResponse("/", status_code=303)
    session = _session(request)
    try:
        fields = await read_form(request, 4096)
    except ClientError:
        return render(request, "login.html", {"error": "The form could not be read.", "section": "login"}, None, 400)
    refusal = _rejected(request, session, fields)
    if refusal is not None:
        return refusal
    opened = sessions.sign_in(fields.get("api_key", b"").decode("utf-8", "replace"))
    if opened is None:
        context = {"error": "That key is not accepted.", "section": "login"}
        return render(request, "login.html", context, session, 401)
    response = RedirectResponse("/", status_code=303)
    _set_cookie(request, response, opened)
    return response


@router.post(f"{PREFIX}/logout")
async def logout(request: Request) -> Response:
    """End the session: the browser drops its cookie."""
    session = _session(request)
    fields = await read_form(request, 4096)
    refusal = _rejected(request, session, fields)
    if refusal is not None:
        return refusal
    response = RedirectResponse(f"{PREFIX}/login" if _state(request).sessions.keys_required else "/", status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=request.url.scheme == "https", httponly=True, samesite="strict")
    return response
