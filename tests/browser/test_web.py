"""The coordinator's web view in a real browser: the three ways in, sign-in, print, keyboard, axe, weight and speed.

Each test drives Debian's headless Chromium against uvicorn on loopback and saves screenshots
under the artifacts folder. Measurements (page weight, upload-to-result time) and the axe
results are written to ``web_metrics.json`` there; the README quotes them.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import statistics
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from service.main import hash_key
from tests.browser.conftest import ARTIFACTS, running_service

REPO = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
README_BUNDLE = REPO / "tests" / "cases" / "bundles" / "readme_example_bilirubin_205_umol_no_hiv_test.json"
KEY = "browser-test-key-5c1e"
TIMING_RUNS = 9
METRICS = ARTIFACTS / "web_metrics.json"


def _record(name: str, value: Any) -> None:
    """Add one measurement to the artifacts' web_metrics.json."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = json.loads(METRICS.read_text(encoding="utf-8")) if METRICS.exists() else {}
    data[name] = value
    METRICS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def open_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One service without API keys for the module's tests."""
    with running_service(tmp_path_factory.mktemp("open")) as base:
        yield base


@pytest.fixture(scope="module")
def keyed_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One service with an API key configured (only its hash is given to the service)."""
    with running_service(tmp_path_factory.mktemp("keyed"), {"TRIALMATCH_API_KEY_HASHES": hash_key(KEY)}) as base:
        yield base


def wait_for(browser: Any, css: str, timeout: float = 30) -> Any:
    """Return the first element matching a CSS selector once the page shows it."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout, poll_frequency=0.05).until(lambda b: b.find_elements("css selector", css))[0]


def open_demo(browser: Any, base: str, name: str) -> None:
    """Pick a demo patient on the form and open it; return when the result shows."""
    from selenium.webdriver.support.ui import Select

    browser.get(f"{base}/")
    Select(wait_for(browser, "#demo")).select_by_value(name)
    browser.find_element("css selector", "button[value=demo]").click()
    wait_for(browser, "#summary-heading")


def upload(browser: Any, base: str, path: Path, as_of: str = "2026-11-22") -> None:
    """Choose a Bundle file in the form, set the as-of date, and match it; return when the result shows."""
    browser.get(f"{base}/")
    wait_for(browser, "#bundle_file").send_keys(str(path))
    browser.execute_script("document.getElementById('as_of').value = arguments[0]", as_of)
    browser.find_element("css selector", "button[value=upload]").click()
    wait_for(browser, "#summary-heading")


def badges(browser: Any) -> list[str]:
    """Return the status badges of the ranking table as the page shows them."""
    return [e.text for e in browser.find_elements("css selector", "table.ranking .badge")]


def run_axe(browser: Any) -> dict[str, Any]:
    """Inject the pinned axe-core into the current page (never served by the app) and return its results."""
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    browser.set_script_timeout(120)
    result: dict[str, Any] = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))}))}))"
        ".catch(e => done({error: String(e)}));"
    )
    assert "error" not in result, result
    return result


def test_axe_core_copy_is_the_pinned_release() -> None:
    """The committed axe.min.js is the unmodified file of axe-core 4.14.1 named in its README."""
    import hashlib

    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256
    assert AXE_SHA256 in (AXE.parent / "README.md").read_text(encoding="utf-8")


def test_demo_flow_shows_ranked_trials_and_what_to_order(
    browser: Any, open_service: str, screenshot: Callable[[str], Path]
) -> None:
    """A demo patient with missing labs shows five undecided trials and the INR first in what to order next."""
    browser.get(f"{open_service}/")
    wait_for(browser, "#screen-form")
    screenshot("form")
    open_demo(browser, open_service, "missing_labs_inr_hiv_test_hbv_dna")
    assert badges(browser) == [
        "? possibly eligible: 3 items missing",
        "? possibly eligible: 3 items missing",
        "? possibly eligible: 1 item missing",
        "? possibly eligible: 5 items missing",
        "? possibly eligible: 2 items missing",
    ]
    items = [e.text for e in browser.find_elements("css selector", ".order-list > li .order-item strong")]
    assert items == ["inr within 30 days", "HIV antibody / antigen screen within 365 days", "HBV DNA within 90 days"]
    first = browser.find_element("css selector", ".order-list > li").text
    assert "5 trials wait on it; nothing else is missing for NCT01728727" in first
    assert "NCT03826433: inc-2b" in first
    screenshot("result")
    browser.find_element("id", "order-heading").location_once_scrolled_into_view  # noqa: B018
    screenshot("order-next")


def test_upload_flow_and_its_timing(browser: Any, open_service: str, screenshot: Callable[[str], Path]) -> None:
    """Uploading the README bundle shows the ineligible badge with the bilirubin; upload-to-result time is measured."""
    upload(browser, open_service, README_BUNDLE)
    shown = badges(browser)
    assert shown[3] == "✗ ineligible: total bilirubin 205 µmol/L on 2026-10-27 ≥ 170 µmol/L"
    assert shown[0] == "✓ eligible, pending 3 review items"
    screenshot("result")
    timings = []
    for _ in range(TIMING_RUNS):
        upload(browser, open_service, README_BUNDLE)
        # The result page's navigation starts when the form is submitted: this is upload, match,
        # render, transfer and parse, until the page's DOM is ready.
        nav = browser.execute_script("return performance.getEntriesByType('navigation')[0].toJSON()")
        timings.append(round(nav["domContentLoadedEventEnd"], 1))
    median = statistics.median(timings)
    _record(
        "upload_to_result_ms",
        {
            "median": median,
            "runs": timings,
            "load_average_1min_after": float(Path("/proc/loadavg").read_text(encoding="utf-8").split()[0]),
            "bundle": README_BUNDLE.name,
            "bundle_bytes": README_BUNDLE.stat().st_size,
        },
    )
    assert median < 10_000, timings


def test_paste_flow(browser: Any, open_service: str, screenshot: Callable[[str], Path]) -> None:
    """Pasting a Bundle's JSON gives the same ranking as uploading it; bad JSON shows the problem on the form."""
    browser.get(f"{open_service}/")
    area = wait_for(browser, "#bundle_text")
    area.send_keys('{"resourceType": "Bundle", "entry": [')
    browser.find_element("css selector", "button[value=paste]").click()
    alert = wait_for(browser, "#form-errors")
    assert "not valid UTF-8 JSON" in alert.text
    screenshot("error")
    text = README_BUNDLE.read_text(encoding="utf-8")
    browser.execute_script("document.getElementById('bundle_text').value = arguments[0]", text)
    browser.execute_script("document.getElementById('as_of').value = '2026-11-22'")
    browser.find_element("css selector", "button[value=paste]").click()
    wait_for(browser, "#summary-heading")
    assert [b[:3] for b in badges(browser)] == ["✓ e", "? p", "? p", "✗ i", "✗ i"]


def test_evidence_opens_the_resources_key_fields(
    browser: Any, open_service: str, screenshot: Callable[[str], Path]
) -> None:
    """Opening a trial's criteria and an evidence reference shows the resource's code, value, date and status."""
    open_demo(browser, open_service, "ineligible_bilirubin_205_umol_no_hiv_test")
    section = browser.find_element("id", "trial-NCT05227846")
    section.find_element("css selector", "details.criteria > summary").click()
    summaries = section.find_elements("css selector", "details.evidence > summary")
    evidence = next(e for e in summaries if e.text == "Observation/bili")
    evidence.location_once_scrolled_into_view  # noqa: B018
    evidence.click()
    fields = evidence.find_element("xpath", "..").find_element("css selector", "dl").text
    for expected in ("14631-6", "205 µmol/L", "2026-10-27", "final"):
        assert expected in fields, fields
    screenshot("evidence")


def test_print_view_is_a_two_page_log(browser: Any, open_service: str, screenshot: Callable[[str], Path]) -> None:
    """In print media the log hides the navigation and tables, keeps ranking, orders, scores, checklist and sign-off."""
    open_demo(browser, open_service, "missing_labs_inr_hiv_test_hbv_dna")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element("css selector", "header.site").is_displayed()
        assert not browser.find_element("css selector", "section.trials").is_displayed()
        for css in ("table.ranking", "#order", "table.score-table", "#review", "p.signoff", "ul.deciding"):
            assert browser.find_element("css selector", css).is_displayed(), css
        browser.execute_script("window.scrollTo(0, 0)")
        screenshot("print")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})["data"])
    (ARTIFACTS / "screening-log.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    _record("print_pages_missing_labs_demo", pages)
    assert 1 <= pages <= 2


def _focused(browser: Any) -> dict[str, Any]:
    return dict(
        browser.execute_script(
            "const e = document.activeElement; const s = getComputedStyle(e);"
            "return {id: e.id, tag: e.tagName, text: (e.innerText || e.value || '').slice(0, 60),"
            " outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};"
        )
    )


def _tab_until(browser: Any, match: Callable[[dict[str, Any]], bool], limit: int = 40) -> list[dict[str, Any]]:
    """Press Tab until the focused element matches; return every element focused on the way (each must show focus)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    seen = []
    for _ in range(limit):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        focus = _focused(browser)
        seen.append(focus)
        assert focus["outline"] != "none" and focus["width"] >= 2, f"no visible focus on {focus}"
        if match(focus):
            return seen
    raise AssertionError(f"never reached the element; focus went through {seen}")


def test_keyboard_only(browser: Any, open_service: str, screenshot: Callable[[str], Path]) -> None:
    """With the keyboard alone: skip link, pick a demo, open it, skip to the result, open a trial's criteria."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    def press(*keys: str) -> None:
        ActionChains(browser).send_keys(*keys).perform()

    browser.get(f"{open_service}/")
    wait_for(browser, "#screen-form")
    first = _tab_until(browser, lambda f: True)[0]
    assert first["text"] == "Skip to the content"
    screenshot("skip-link")
    _tab_until(browser, lambda f: f["id"] == "demo")
    press(Keys.ARROW_DOWN)
    assert browser.execute_script("return document.getElementById('demo').value") == "missing_labs_inr_hiv_test_hbv_dna"
    _tab_until(browser, lambda f: f["text"] == "Open the demo patient")
    screenshot("focus-on-demo-button")
    press(Keys.ENTER)
    wait_for(browser, "#summary-heading")
    _tab_until(browser, lambda f: f["text"] == "Skip to the content")
    press(Keys.ENTER)
    assert _focused(browser)["id"] == "main"
    _tab_until(browser, lambda f: f["tag"] == "SUMMARY" and "NCT05227846" in f["text"], limit=80)
    press(Keys.ENTER)
    assert browser.execute_script("return document.querySelector('#trial-NCT05227846 details.criteria').open")
    screenshot("criteria-opened-by-keyboard")


def _audit(browser: Any, page: str, results: dict[str, Any]) -> None:
    found = run_axe(browser)
    results[page] = found["violations"]


def test_accessibility_audit_with_axe(browser: Any, open_service: str, keyed_service: str) -> None:
    """axe-core finds no serious or critical violation on the form, result, print view, catalogue, trial and sign-in."""
    results: dict[str, Any] = {}
    browser.get(f"{open_service}/")
    wait_for(browser, "#screen-form")
    _audit(browser, "form", results)
    open_demo(browser, open_service, "ineligible_bilirubin_205_umol_no_hiv_test")
    browser.execute_script("for (const d of document.querySelectorAll('details')) d.open = true;")
    _audit(browser, "result", results)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    _audit(browser, "result-print", results)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    browser.get(f"{open_service}/web/trials")
    _audit(browser, "catalogue", results)
    browser.get(f"{open_service}/web/trials/NCT05227846")
    _audit(browser, "trial", results)
    browser.get(f"{keyed_service}/")
    wait_for(browser, "#api_key")
    _audit(browser, "sign-in", results)
    summary = {page: [(v["id"], v["impact"], len(v["nodes"])) for v in found] for page, found in results.items()}
    _record("axe_core_4_14_1_violations", summary)
    serious = {page: [v for v in found if v["impact"] in ("serious", "critical")] for page, found in results.items()}
    assert not any(serious.values()), json.dumps(serious, indent=1)


def test_sign_in_flow_with_api_keys_on(browser: Any, keyed_service: str, screenshot: Callable[[str], Path]) -> None:
    """With keys on: pages ask to sign in, a wrong key is refused, the right key opens upload and demo; sign out."""
    browser.get(f"{keyed_service}/")
    wait_for(browser, "#api_key")
    assert browser.current_url.endswith("/web/login")
    screenshot("sign-in")
    browser.find_element("id", "api_key").send_keys("not-the-key")
    browser.find_element("css selector", "form.login button").click()
    assert "That key is not accepted." in wait_for(browser, "#login-error").text
    screenshot("sign-in-refused")
    browser.find_element("id", "api_key").send_keys(KEY)
    browser.find_element("css selector", "form.login button").click()
    wait_for(browser, "#screen-form")
    assert KEY not in browser.current_url
    assert browser.execute_script("return document.cookie") == "", "the session cookie must be HttpOnly"
    upload(browser, keyed_service, README_BUNDLE)
    assert badges(browser)[3].startswith("✗ ineligible: total bilirubin 205")
    open_demo(browser, keyed_service, "eligible_for_all_five_pending_review")
    assert all(b.startswith("✓ eligible") for b in badges(browser))
    assert KEY not in browser.page_source
    browser.find_element("css selector", "header.site button.link").click()
    wait_for(browser, "#api_key")
    browser.get(f"{keyed_service}/")
    wait_for(browser, "#api_key")


def test_catalogue_pages(browser: Any, open_service: str, screenshot: Callable[[str], Path]) -> None:
    """The catalogue lists the trials; a trial page shows criteria in words and links logic to the codes it reads."""
    browser.get(f"{open_service}/web/trials")
    rows = browser.find_elements("css selector", "table.catalogue tbody tr")
    assert len(rows) == len(list((REPO / "criteria" / "trials").glob("*.yaml")))
    screenshot("catalogue")
    rows[0].find_element("css selector", "a").click()
    wait_for(browser, "table.definitions")
    screenshot("trial")
    link = browser.find_element("css selector", "ul.logic a[href^='#vs-']")
    target = link.get_attribute("href").split("#")[1]
    link.click()
    assert browser.execute_script("return location.hash") == f"#{target}"
    screenshot("valueset")


def test_page_weight(browser: Any, open_service: str) -> None:
    """The bytes of HTML, CSS and JavaScript each page loads are measured (the browser's resource timing)."""
    weights = {}
    for page, action in (
        ("form", lambda: browser.get(f"{open_service}/")),
        ("result", lambda: open_demo(browser, open_service, "missing_labs_inr_hiv_test_hbv_dna")),
        ("trial", lambda: browser.get(f"{open_service}/web/trials/NCT05227846")),
    ):
        action()
        wait_for(browser, "main")
        sizes = browser.execute_script(
            "const nav = performance.getEntriesByType('navigation')[0];"
            "const res = performance.getEntriesByType('resource').filter(e => /\\.(css|js)$/.test(e.name));"
            "return {html: nav.decodedBodySize, css_js: res.reduce((s, e) => s + e.decodedBodySize, 0),"
            " files: res.map(e => e.name.split('/').pop())};"
        )
        assert sorted(sizes["files"]) == ["web.css", "web.js"], "each page loads only the service's own CSS and JS"
        html = browser.execute_script("return document.documentElement.outerHTML").encode("utf-8")
        weights[page] = {
            "html": sizes["html"],
            "css_js": sizes["css_js"],
            "total": sizes["html"] + sizes["css_js"],
            "html_if_gzipped": len(gzip.compress(html)),
        }
    _record("page_weight_bytes", weights)
    assert weights["form"]["total"] < 40_000
