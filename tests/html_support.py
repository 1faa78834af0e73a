"""Helpers for the HTML report tests: a hostile deliverable and a headless Debian Chromium."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin
from provscan.limits import Limits
from provscan.model import Report, Settings
from provscan.pictures.plan import report_pictures
from provscan.pipeline import check_delivery
from provscan.policy import DEFAULT_POLICY, load_policy
from provscan.report import to_html

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "fixtures" / "sample"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Each payload, if it ever ran, would set window.__pwned (or open a dialog).
SCRIPT_PAYLOAD = "<script>window.__pwned='script'</script>"
IMG_PAYLOAD = '"><img src=x onerror="window.__pwned=\'img\'">'
SVG_PAYLOAD = "<svg onload=\"window.__pwned='svg'\"></svg>"

_XMP = """<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">
<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>
<Iptc4xmpExt:AISystemUsed>{system}</Iptc4xmpExt:AISystemUsed>
<Iptc4xmpExt:AIPromptInformation>{prompt}</Iptc4xmpExt:AIPromptInformation>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="r"?>"""


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def hostile_delivery(root: Path) -> Path:
    """A deliverable whose file names, generation parameters and XMP carry script payloads."""
    delivery = root / "delivery"
    folder = delivery / SCRIPT_PAYLOAD.replace("/", "%")
    folder.mkdir(parents=True)
    info = PngImagePlugin.PngInfo()
    info.add_text(
        "parameters",
        f"{SCRIPT_PAYLOAD} {IMG_PAYLOAD}\nNegative prompt: {SVG_PAYLOAD}\n"
        "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 64x64, Model: x<b>y",
    )
    Image.new("RGB", (64, 48), (200, 40, 40)).save(folder / f"{IMG_PAYLOAD}.png", pnginfo=info)
    xmp = _XMP.format(system=_xml_text(SVG_PAYLOAD), prompt=_xml_text(SCRIPT_PAYLOAD))
    xmp_info = PngImagePlugin.PngInfo()
    xmp_info.add_itxt("XML:com.adobe.xmp", xmp)
    Image.new("RGB", (64, 48), (40, 40, 200)).save(delivery / "xmp_ai.png", pnginfo=xmp_info)
    return delivery


def gated_report(
    target: Path, sources: tuple[Path, ...] = (), log: Any = None, policy: Any = DEFAULT_POLICY
) -> Report:
    """The CLI's report of ``target`` (isolated workers, trace on), without an AI-use log."""
    return check_delivery(
        target, sources=sources, log=log, policy=policy, settings=Settings(),
        limits=Limits(), today=dt.date(2026, 12, 1),
    )  # fmt: skip


def html_for(report: Report) -> str:
    """The HTML report with its pictures, as ``scan --format html`` writes it."""
    return to_html.render(report, report_pictures(report, Limits()))


def sample_report() -> Report:
    """The bundled sample deliverable's gated report (the README's main command)."""
    from provscan.ailog.load import load_log

    return gated_report(
        SAMPLE / "delivery", (SAMPLE / "project_media",), load_log(SAMPLE / "ai-use.toml"),
        load_policy(SAMPLE / "policy.toml"),
    )  # fmt: skip


CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def browser_missing() -> str:
    """Why the browser tests cannot run here ('' when they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e .[test])"
    if not Path(CHROMIUM).is_file():
        return ("Debian's chromium is not installed (./dev test installs it as root with "
                "apt-get; install the 'chromium' package)")  # fmt: skip
    return ""


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (its own browsers are never used)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
