"""The coordinator's web view: server-rendered pages over the same core, served by the service.

One patient's trials with reasons and evidence, what to order next, the review checklist, a
print view, and the catalogue. Jinja2 templates with progressive enhancement: every page works
without JavaScript; the one small script (``static/web.js``) only adds conveniences. Nothing is
loaded from the internet and nothing about a patient is kept beyond the request.

Every path of the web view is ``/`` or starts with ``/web/``; the HTTP shell's API-key check
lets those through to the view's own session check (service/web/auth.py), because a browser
cannot send an ``Authorization`` header from a form.
"""

from __future__ import annotations

PREFIX = "/web"


def is_web_path(path: str) -> bool:
    """Return whether a request path belongs to the web view (its pages, forms and static files)."""
    return path == "/" or path.startswith(PREFIX + "/")
