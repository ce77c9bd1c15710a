"""Interactive API docs at ``/docs``: Swagger UI served by the service itself, no CDN.

The JavaScript and CSS come from the installed ``swagger-ui-bundle`` package (Swagger UI,
Apache-2.0; pinned in requirements.lock), so the page renders on a network that reaches only
the service. The page and its start-up script are the service's own files, so the page's
Content-Security-Policy allows scripts and styles from the service alone; every other route
keeps the strict default that GuardMiddleware adds.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources.abc import Traversable

from fastapi import APIRouter, Request
from fastapi.responses import Response

# The package ships no type information; its one public name is the folder of the files.
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

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


SWAGGER_UI: Traversable = swagger_ui_path


@cache
def _asset(name: str) -> bytes:
    return (SWAGGER_UI / name).read_bytes()


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
