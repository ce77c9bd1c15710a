"""Form posts read in memory, within the body size limit, and never written to disk.

Starlette's form parser spools uploaded files over 1 MB to a temporary file; a patient's Bundle
must not touch the disk, so the body is read into memory first (bounded by
``TRIALMATCH_MAX_BODY_BYTES`` plus room for the form's framing) and parsed with a spool as large
as that bound.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncGenerator
from urllib.parse import parse_qsl

from python_multipart.exceptions import MultipartParseError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from service.errors import ClientError, Issue, PayloadTooLarge, UnsupportedMediaType

FRAMING_BYTES = 64 * 1024  # boundaries, part headers and the small fields beside the Bundle
MAX_FIELDS = 12


class _InMemoryParser(MultiPartParser):
    # Files never roll over to disk: the whole body is already in memory and bounded.
    spool_max_size = sys.maxsize


async def read_form(request: Request, max_body_bytes: int) -> dict[str, bytes]:
    """Return a form's fields (a file field as its bytes); raise a ClientError for a bad or oversized post."""
    limit = max_body_bytes + FRAMING_BYTES
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(max_body_bytes)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(max_body_bytes)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except (UnicodeDecodeError, ValueError):
            raise ClientError([Issue("invalid", "the form is not valid UTF-8 URL-encoded data")]) from None
        return {name: value.encode("utf-8") for name, value in pairs}
    if content_type != "multipart/form-data":
        raise UnsupportedMediaType(f"content type '{content_type[:60] or 'none'}' is not a form")

    async def chunks() -> AsyncGenerator[bytes, None]:
        yield bytes(body)

    parser = _InMemoryParser(
        request.headers, chunks(), max_files=1, max_fields=MAX_FIELDS, max_part_size=max_body_bytes
    )
    try:
        form = await parser.parse()
    except (MultiPartException, MultipartParseError):
        raise ClientError([Issue("invalid", "the form could not be read; send it again from the page")]) from None
    fields: dict[str, bytes] = {}
    try:
        for name, value in form.multi_items():
            fields[name] = await value.read() if isinstance(value, UploadFile) else value.encode("utf-8")
    finally:
        await form.close()
    return fields
