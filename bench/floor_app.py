"""The service's app plus a benchmark-only floor route, ``POST /floor``; never shipped.

``/floor`` reads and parses the body exactly as ``/match`` does (same content-type check,
size limit and orjson parse, through the same middleware) and returns a constant, so the
difference between the two routes, measured in one server process, is the cost of matching
and of shaping the answer. Serve with ``uvicorn bench.floor_app:app --app-dir <repo root>``.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from service.api import read_body
from service.main import create_app
from service.settings import Settings

settings = Settings()
app = create_app(settings)


@app.post("/floor", include_in_schema=False)
async def floor(request: Request) -> Response:
    """Read and parse the body like /match, then return a constant."""
    await read_body(request, settings)
    return Response(b'{"ok":true}', media_type="application/json")
