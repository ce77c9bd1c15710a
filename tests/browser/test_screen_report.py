"""The screening report opens from disk in Chromium with no network and shows every trial's funnel."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.screen import screen
from service.screen.synth import write_population
from service.settings import default_criteria_dir

AS_OF = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html of a screening run over 120 generated patients."""
    folder = tmp_path_factory.mktemp("report")
    write_population(folder / "export", 120, default_criteria_dir(), AS_OF, seed=3)
    screen(folder / "export", folder / "out", AS_OF, workers=1)
    return folder / "out" / "report.html"


def test_report_is_self_contained(report: Path) -> None:
    """The page loads nothing: no script, no stylesheet link, no remote URL in src or href."""
    page = report.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<link" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)


def test_report_renders_in_chromium(report: Path, browser: Any, screenshot: Callable[[str], Path]) -> None:
    """Chromium opens report.html from file://, with a funnel, status counts and reasons for each trial."""
    browser.get(report.as_uri())
    assert browser.title.startswith("trialmatch screening as of 2026-11-22")
    sections = browser.find_elements("css selector", "section[id^='NCT']")
    assert [s.get_attribute("id") for s in sections] == sorted(s.get_attribute("id") for s in sections)
    assert len(sections) == len(list((default_criteria_dir() / "trials").glob("*.yaml")))
    for section in sections:
        funnel = section.find_element("css selector", "svg")
        assert funnel.size["width"] > 300 and funnel.size["height"] > 100
        assert len(section.find_elements("css selector", "svg rect")) > 5
        chips = section.find_elements("css selector", ".chip")
        assert [c.text.split(":")[0] for c in chips] == ["eligible", "possibly eligible", "ineligible"]
        assert sum(int(c.text.split(": ")[1].replace(",", "")) for c in chips) == 120
    missing = browser.find_element("id", "missing").text
    assert "would settle" in missing
    run = browser.find_element("id", "run").text
    assert "catalogue version" in run and "2026-11-22" in run
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    screenshot("report")
