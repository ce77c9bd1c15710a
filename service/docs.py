"""Interactive API docs at ``/docs``: Swagger UI served by the service itself, no CDN.

The JavaScript and CSS come from the static folder of the installed ``swagger-ui-py``
package (Swagger UI 5, Apache-2.0, its LICENSE in that folder; pinned in requirements.lock), so
the page renders on a network that reaches only the service. Swagger UI 5 is needed: FastAPI
writes OpenAPI 3.1, which Swagger UI 4 refuses to render. The page and its start-up script are
the service's own files, so the page's Content-Security-Policy allows scripts and styles from
the service alone; every other route keeps the strict default that GuardMiddleware adds.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.util import find_spec
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.errors import NotFound

# What Swagger UI needs and nothing more: its script and style from this origin, its icons as
# data: URIs (in the CSS), and fetch() to this origin for the spec and for "Try it out".
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# The vendored files the page loads, by the name the service serves them under.
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "LICENSE": "text/plain; charset=utf-8",
}
# Swagger UI's start-up, a file rather than an inline script so the CSP needs no 'unsafe-inline'.
INIT_JS = """\
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
"""
PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - API docs</title>
<link rel="icon" type="image/png" href="{base}/docs/favicon-32x32.png">
<link rel="stylesheet" href="{base}/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{base}/openapi.json"></div>
<script src="{base}/docs/swagger-ui-bundle.js"></script>
<script src="{base}/docs/init.js"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


@cache
def swagger_ui_folder() -> Path:
    """Return the folder of Swagger UI's files in the installed package, found without importing it."""
    spec = find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed; /docs needs it (see pyproject.toml)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


@cache
def _asset(name: str) -> bytes:
    return (swagger_ui_folder() / name).read_bytes()


def _headers() -> dict[str, str]:
    return {"content-security-policy": DOCS_CSP}


@router.get("/docs")
def docs_page(request: Request) -> Response:
    """Serve the Swagger UI page for the service's OpenAPI document."""
    base = escape(request.scope.get("root_path", ""), quote=True)
    page = PAGE.format(title=escape(request.app.title), base=base)
    return Response(page, media_type="text/html; charset=utf-8", headers=_headers())


@router.get("/docs/init.js")
def docs_init() -> Response:
    """Serve the script that starts Swagger UI on the page."""
    return Response(INIT_JS, media_type="text/javascript; charset=utf-8", headers=_headers())


@router.get("/docs/{asset}")
def docs_asset(asset: str) -> Response:
    """Serve one of Swagger UI's files from the installed package."""
    media_type = ASSETS.get(asset)
    if media_type is None:
        raise NotFound("no such file")
    return Response(_asset(asset), media_type=media_type, headers=_headers())
