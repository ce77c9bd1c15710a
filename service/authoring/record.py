"""A registry record's eligibility lists, found in captured page text and split into lines.

Captures keep menus and footers. The lists start at an "Inclusion Criteria" header and the
exclusion list at "Exclusion Criteria". A list is either bulleted or numbered lines (each item
one line, kept whole), or one paragraph (the header with the text after it) whose items run
together: cut where the record puts a semicolon or a full stop before a capital, and where a
capitalised word follows the end of the previous item with no punctuation ("regardless of
gender Diagnosed with ..."): the word before it ends in a lower-case letter or a closing
parenthesis and is not a word that leads into a name ("the", "of", "and", ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADER = re.compile(r"^[ \t]*(inclusion|exclusion) criteria[ \t]*:?[ \t]*", re.IGNORECASE | re.MULTILINE)
INLINE_EXCLUSION = re.compile(r"\s*exclusion criteria\s*:?\s*", re.IGNORECASE)
BULLET = re.compile(r"^\s*(?:[•\-*·]|\d+[.)])\s+")
# Words after which a capitalised word continues a name rather than starting an item.
LEAD_INS = frozenset({
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "including", "of", "on", "or", "such",
    "than", "the", "to", "with",
})  # fmt: skip
RUN_ON = re.compile(r"(?<=\S)\s+(?=[A-Z][A-Za-z'’\-]+)")
SENTENCE = re.compile(r"(?<=[;.])\s+(?=\S)")


@dataclass(frozen=True)
class RecordLists:
    """The inclusion and exclusion lines of a registry record, in the record's words."""

    inclusion: tuple[str, ...]
    exclusion: tuple[str, ...]


def _normal(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _runs_on(before: str) -> bool:
    """Whether an item can end with this word, so that a capital after it starts the next item."""
    word = before.rsplit(" ", 1)[-1]
    if word.lower() in LEAD_INS:
        return False
    return bool(re.fullmatch(r"[a-z][a-z'’\-]*|.*\)", word))


def split_paragraph(text: str) -> list[str]:
    """Cut a paragraph of run-together items at semicolons, full stops and unpunctuated item starts."""
    items: list[str] = []
    for sentence in SENTENCE.split(_normal(text)):
        start = 0
        for match in RUN_ON.finditer(sentence):
            if _runs_on(sentence[start : match.start()]):
                items.append(sentence[start : match.start()])
                start = match.end()
        items.append(sentence[start:])
    return [item.strip() for item in items if len(item.strip()) > 1]


def _list_lines(block: str) -> list[str]:
    """Return a list's items: its bulleted lines, or its paragraph split into items."""
    lines = [line for line in block.splitlines() if line.strip()]
    bulleted = [line for line in lines if BULLET.match(line)]
    if bulleted:
        items: list[str] = []
        for line in lines:
            if BULLET.match(line):
                items.append(_normal(BULLET.sub("", line, count=1)))
            elif items:
                break
        return [item for item in items if item]
    return split_paragraph(lines[0]) if lines else []


def read_record(text: str) -> RecordLists:
    """Return the inclusion and exclusion lines of a captured registry record (empty when not found)."""
    headers = list(HEADER.finditer(text))
    inclusion = next((h for h in headers if h.group(1).lower() == "inclusion"), None)
    if inclusion is None:
        return RecordLists((), ())
    after = text[inclusion.end() :]
    first_line = after.partition("\n")[0]
    if first_line.strip():
        # The paragraph form: both lists on the header's line.
        parts = INLINE_EXCLUSION.split(first_line, maxsplit=1)
        inc, exc = parts[0], parts[1] if len(parts) > 1 else ""
        return RecordLists(tuple(split_paragraph(inc)), tuple(split_paragraph(exc)))
    exclusion = next((h for h in headers if h.group(1).lower() == "exclusion" and h.start() > inclusion.end()), None)
    inc_block = text[inclusion.end() : exclusion.start()] if exclusion else after
    exc_block = text[exclusion.end() :] if exclusion else ""
    return RecordLists(tuple(_list_lines(inc_block)), tuple(_list_lines(exc_block)))
