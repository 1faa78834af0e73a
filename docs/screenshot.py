"""Regenerate docs/report-sample.png: the sample deliverable's HTML report in headless Chromium.

    .venv/bin/python docs/screenshot.py

Runs the README's main command with ``--format html``, opens the page in Debian's chromium
(as the browser tests do) and saves the top of the page, the final cut's card and the
Edits section (the sample's EDL and FCPXML).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.html_support import chromium  # noqa: E402


def main() -> None:
    """Scan the sample, render the page, save three screenshots into docs/."""
    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "report.html"
        subprocess.run(
            [str(REPO / "dev"), "sample", "--format", "html", "--output", str(page_path)],
            check=False,
        )
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            page.goto(page_path.as_uri())
            page.screenshot(path=str(REPO / "docs" / "report-sample.png"))
            card = page.locator("article.card", has_text="video/final_cut.mp4").first
            card.screenshot(path=str(REPO / "docs" / "report-trace-card.png"))
            page.locator("#edits").screenshot(path=str(REPO / "docs" / "report-edits.png"))
    print("wrote docs/report-sample.png, docs/report-trace-card.png and docs/report-edits.png")


if __name__ == "__main__":
    main()
