"""The HTML QC report: self-contained, escaped, and working in a real headless browser."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from provscan.report import to_html
from provscan.report.html_parts import esc

from tests.html_support import (
    IMG_PAYLOAD,
    REPO,
    SAMPLE,
    SCRIPT_PAYLOAD,
    SVG_PAYLOAD,
    browser_missing,
    chromium,
    gated_report,
    hostile_delivery,
    html_for,
    sample_report,
)


@pytest.fixture(scope="module")
def sample_html() -> str:
    """The sample deliverable's HTML report (pictures included)."""
    return html_for(sample_report())


@pytest.fixture(scope="module")
def hostile_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The HTML report of a deliverable full of script payloads."""
    delivery = hostile_delivery(tmp_path_factory.mktemp("hostile"))
    return html_for(gated_report(delivery))


def test_page_is_self_contained(sample_html: str) -> None:
    """No external resource: every image is a data: URI, no link/src to any URL."""
    assert not re.search(r"""(?:src|href)=["'](?:https?:|//|file:)""", sample_html)
    assert "<link" not in sample_html
    sources = re.findall(r'<img src="([^"]*)"', sample_html)
    assert sources and all(s.startswith("data:image/jpeg;base64,") for s in sources)


def test_csp_admits_only_the_pages_own_script_and_style(sample_html: str) -> None:
    """The Content-Security-Policy allows no network, and scripts/styles only by hash."""
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', sample_html)
    assert policy is not None
    text = policy.group(1)
    assert "default-src 'none'" in text and "img-src data:" in text
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'; ", text)
    assert "unsafe-inline" not in text


def test_summary_names_gate_counts_log_and_policy(sample_html: str) -> None:
    """The summary gives the gate, counts, date, tool version, and the log's and policy's hashes."""
    report = sample_report()
    assert "Delivery gate: FAIL" in sample_html
    assert "8 fail, 5 warn, 7 pass" in sample_html
    assert f"provscan {report.tool_version}" in sample_html
    assert report.log is not None and report.log.sha256 in sample_html
    assert report.policy is not None and report.policy.sha256 in sample_html
    assert "fixtures/sample/ai-use.toml" in sample_html


def test_cards_carry_evidence_in_words(sample_html: str) -> None:
    """A C2PA card names signer, signature state, tool, source type; an A1111 card its prompt."""
    assert "AI-generated: Adobe Firefly Image 4, signed by provscan Test C2PA Signer" in sample_html
    assert "valid signature, untrusted root" in sample_html
    assert "trainedAlgorithmicMedia (created by a trained model (gen-AI))" in sample_html
    assert "archival photograph of a harbour street, 1987" in sample_html
    assert "keep AI material out of final content unless approved in writing" in sample_html


def test_ingredient_tree_shows_the_ai_ingredient(sample_html: str) -> None:
    """The layout's C2PA ingredient tree lists its AI-generated component, marked in words."""
    tree = re.search(r'<ul class="tree">.*?</ul>', sample_html, re.S)
    assert tree is not None
    assert "ai_generated.jpg" in tree.group(0) and "[AI]" in tree.group(0)
    assert "componentOf" in tree.group(0)


def test_trace_hit_pairs_frame_with_still_and_timeline(sample_html: str) -> None:
    """The final cut's card shows its frame beside the AI still and marks 4-9 s of 12 s."""
    card = _card(sample_html, "video/final_cut.mp4")
    hit = re.search(r'<section class="hit".*?</section>', card, re.S)
    assert hit is not None
    images = re.findall(r'<img src="data:image/jpeg;base64,[^"]+"[^>]*alt="([^"]*)"', hit.group(0))
    assert len(images) == 2
    assert "frame at 00:00:04" in images[0] or "frame at 00:00:0" in images[0]
    assert "harbour_street_1987_sd.png" in images[1]
    mark = re.search(r'<rect class="ai" x="([\d.]+)" y="2" width="([\d.]+)"', card)
    assert mark is not None
    assert float(mark.group(1)) == pytest.approx(1000 * 4 / 12, abs=5)
    assert float(mark.group(2)) == pytest.approx(1000 * 5 / 12, abs=5)
    assert "Timeline: AI material at 00:00:04:00-00:00:09:00" in card


def test_audio_card_has_a_waveform(sample_html: str) -> None:
    """An audio file's card shows an SVG waveform with a text alternative."""
    card = _card(sample_html, "audio/narration_vo.wav")
    assert '<svg class="wave"' in card and 'aria-label="waveform of audio/narration_vo.wav"' in card


def test_payloads_are_escaped_everywhere(hostile_html: str) -> None:
    """Script payloads from file names, PNG text and XMP appear only as escaped text."""
    body = hostile_html.split("<body>", 1)[1]
    own_script = body.rsplit("<script>", 1)
    assert len(own_script) == 2 and "<script>" not in own_script[0]
    for payload in (SCRIPT_PAYLOAD, IMG_PAYLOAD, SVG_PAYLOAD):
        assert payload not in hostile_html
        assert esc(payload) in hostile_html or esc(payload.replace("/", "%")) in hostile_html
    assert "<img src=x" not in hostile_html and "<svg onload" not in hostile_html


def test_escape_makes_controls_and_surrogates_visible() -> None:
    """Control characters and undecodable name bytes are shown, not passed into the page."""
    assert esc("a\x1b[31mb") == "a\\u001b[31mb"
    assert esc("caf\udce9.png") == "caf\\xe9.png"
    assert esc('"<&>') == "&quot;&lt;&amp;&gt;"


def test_report_without_pictures_still_renders(tmp_path: Path) -> None:
    """Without pictures (or when none could be made) each card says so instead of an image."""
    page = to_html.render(sample_report(), {})
    assert "no picture for this file" in page and "<img" not in page


def test_cli_writes_html(tmp_path: Path) -> None:
    """`scan --format html -o FILE` writes the page and keeps the gate's exit code."""
    out = tmp_path / "report.html"
    run = subprocess.run(
        [sys.executable, "-m", "provscan.cli", "scan", str(SAMPLE / "delivery"), "--sources",
         str(SAMPLE / "project_media"), "--log", str(SAMPLE / "ai-use.toml"), "-f", "html",
         "-o", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Delivery gate: FAIL" in page
    assert run.stdout == ""


def _card(page: str, path: str) -> str:
    start = page.index(f">{esc(path)}</h3>")
    return page[page.rindex("<article", 0, start) : page.index("</article>", start)]


# --- in a real browser ---------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium, or a skip saying why it is not available."""
    why = browser_missing()
    if why:
        pytest.skip(f"browser tests skipped: {why}")
    with chromium() as instance:
        yield instance


def _open(browser: Any, page_html: str, folder: Path) -> tuple[Any, list[str]]:
    path = folder / "report.html"
    path.write_text(page_html, encoding="utf-8")
    page = browser.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append("dialog: " + d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


def _visible_cards(page: Any) -> int:
    count: int = page.locator("article.card:visible").count()
    return count


@pytest.mark.browser
def test_browser_loads_without_console_errors(
    browser: Any, sample_html: str, tmp_path: Path
) -> None:
    """The sample report loads in Chromium with no console errors or CSP violations."""
    page, problems = _open(browser, sample_html, tmp_path)
    assert page.locator("h1").inner_text() == "provscan QC report"
    assert problems == []


@pytest.mark.browser
def test_browser_filters_change_what_is_shown(
    browser: Any, sample_html: str, tmp_path: Path
) -> None:
    """Violations-only, verdict, folder and search each narrow the cards; the count follows."""
    page, problems = _open(browser, sample_html, tmp_path)
    total = _visible_cards(page)
    assert total == 20  # every sample file has at least one finding
    page.check("#only-violations")  # violations and warnings
    assert _visible_cards(page) == 13
    assert page.locator("#shown").inner_text() == "Showing 13 of 20 files with findings"
    page.uncheck("#only-violations")
    page.select_option("#verdict", "ai-edited")
    assert _visible_cards(page) == 3
    page.select_option("#verdict", "")
    page.select_option("#folder", "audio")
    assert _visible_cards(page) == 2
    page.select_option("#folder", "")
    page.fill("#search", "maren holt")  # the protected name the portrait's prompt uses
    assert _visible_cards(page) == 1
    assert "stills/portrait_study.png" in page.locator("article.card:visible h3").inner_text()
    assert problems == []


@pytest.mark.browser
def test_browser_renders_trace_thumbnails(browser: Any, sample_html: str, tmp_path: Path) -> None:
    """The trace hit's frame and still decode in the browser (natural size > 0)."""
    page, _ = _open(browser, sample_html, tmp_path)
    images = page.locator("section.hit img")
    assert images.count() >= 2
    for i in range(images.count()):
        width = images.nth(i).evaluate("img => img.complete && img.naturalWidth")
        assert width and width > 0


@pytest.mark.browser
def test_browser_runs_no_injected_payload(browser: Any, hostile_html: str, tmp_path: Path) -> None:
    """Payloads in names, PNG text and XMP never execute and show as literal text."""
    page, problems = _open(browser, hostile_html, tmp_path)
    assert page.evaluate("window.__pwned") is None
    assert not any(p.startswith("dialog") for p in problems)
    text = page.locator("main").inner_text()
    assert SCRIPT_PAYLOAD in text or SCRIPT_PAYLOAD.replace("/", "%") in text
    assert IMG_PAYLOAD in text


@pytest.mark.browser
def test_browser_keyboard_reaches_the_filters(
    browser: Any, sample_html: str, tmp_path: Path
) -> None:
    """From the top, Tab reaches the skip link, then the filters; Space toggles violations-only."""
    page, _ = _open(browser, sample_html, tmp_path)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    for _ in range(40):  # past the Why list's link to each failing or warning file
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "only-violations":
            break
    assert page.evaluate("document.activeElement.id") == "only-violations"
    page.keyboard.press("Space")
    assert _visible_cards(page) == 13


@pytest.mark.browser
def test_browser_print_hides_controls(browser: Any, sample_html: str, tmp_path: Path) -> None:
    """Print media hides the filters, printing opens every card's findings, words stay."""
    page, _ = _open(browser, sample_html, tmp_path)
    page.emulate_media(media="print")
    assert page.locator(".controls").is_hidden()
    assert "Delivery gate: FAIL" in page.locator("header").first.inner_text()
    assert page.evaluate("[...document.querySelectorAll('details')].some(d => !d.open)")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("[...document.querySelectorAll('details')].every(d => d.open)")
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")


@pytest.mark.browser
def test_browser_escaping_alone_stops_payloads(
    browser: Any, hostile_html: str, tmp_path: Path
) -> None:
    """With the Content-Security-Policy removed, escaping alone still keeps payloads inert."""
    without_csp = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", hostile_html)
    assert "Content-Security-Policy" not in without_csp
    page, problems = _open(browser, without_csp, tmp_path)
    assert page.evaluate("window.__pwned") is None
    assert not any(p.startswith("dialog") for p in problems)
    assert page.locator("main img[src='x']").count() == 0
