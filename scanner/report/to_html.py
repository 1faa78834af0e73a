"""The HTML QC report: one self-contained page (pictures embedded, no network) for people.

A summary in the manner of media QC reports (delivery gate, counts, date, tool, the log and
policy with their hashes), the AI-use log's own findings, then one card per file with
findings and a table of the files without any. Filters and search run in the page itself.
The Content-Security-Policy admits only the page's own script and style (by hash) and
``data:`` images, so even a string that escaped escaping could not run or load anything.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from provscan.ignore import skipped_summary
from provscan.model import Report, Skipped
from provscan.pictures.job import Picture
from provscan.report.facts import VERDICT_TITLES
from provscan.report.html_cuts import edits
from provscan.report.html_parts import GATE_WORDS, anchor, card, esc, folder_of
from provscan.report.html_sequence import MAX_ROWS, sequence_block
from provscan.report.to_json import to_dict


def render(report: Report, pictures: Mapping[str, Picture] | None = None) -> str:
    """The whole page; ``pictures`` from :func:`provscan.pictures.plan.report_pictures`
    (without them the cards say there is no picture)."""
    data = to_dict(report, frames=MAX_ROWS)
    pics = pictures or {}
    with_findings = [f for f in data["files"] if f["findings"]]
    without = [f for f in data["files"] if not f["findings"]]
    css, js = _asset("html_report.css"), _asset("html_report.js")
    body = "\n".join([
        '<a class="skip" href="#files">Skip to the files</a>',
        _header(data),
        "<main>",
        _why(data),
        _summary(data),
        _log_findings(data),
        edits(data.get("options") or {}, {f["path"] for f in with_findings}),
        _controls(data, with_findings),
        '<section id="files" aria-label="Files with findings">',
        *(card(entry, pics, sequence_block(entry)) for entry in with_findings),
        "</section>",
        _quiet_files(without),
        "</main>",
        _footer(data),
    ])  # fmt: skip
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_csp(css, js)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>provscan QC report: {GATE_WORDS[data['gate']]} — {esc(data['root'])}</title>\n"
        f"<style>{css}</style></head>\n<body>\n{body}\n<script>{js}</script>\n</body></html>\n"
    )


@cache
def _asset(name: str) -> str:
    return resources.files("provscan.report").joinpath(name).read_text(encoding="utf-8")


def _csp(css: str, js: str) -> str:
    def digest(text: str) -> str:
        raw = hashlib.sha256(text.encode("utf-8")).digest()
        return "'sha256-" + base64.b64encode(raw).decode("ascii") + "'"

    return (
        "default-src 'none'; img-src data:; "
        f"style-src {digest(css)}; script-src {digest(js)}; "
        "base-uri 'none'; form-action 'none'"
    )


def _header(data: dict[str, Any]) -> str:
    gate = data["gate"]
    return (
        "<header><h1>provscan QC report</h1>"
        f'<p class="root">Delivery: {esc(data["root"])}</p>'
        f'<p class="gate gate-{esc(gate)}" role="status">Delivery gate: {GATE_WORDS[gate]}</p>'
        "</header>"
    )


MAX_WHY = 200  # a producer reads the first reasons; the filters reach the rest


def _why(data: dict[str, Any]) -> str:
    """Why the gate is what it is: each failing or warning file and its first objection."""
    flagged = [f for f in data["files"] if f["gate"] != "pass"]
    flagged.sort(key=lambda f: f["gate"] != "fail")
    whole = [f for f in data["delivery_findings"] if (f["gate"] or "pass") != "pass"]
    if not flagged and not whole:
        return ('<section aria-labelledby="why-h"><h2 id="why-h">Why</h2><p>No file fails or '
                "warns at the gate.</p></section>")  # fmt: skip
    items = "".join(_delivery_item(f) for f in whole)
    items += "".join(_why_item(f) for f in flagged[:MAX_WHY])
    if len(flagged) > MAX_WHY:
        items += f"<li>… and {len(flagged) - MAX_WHY} more: use the filters below</li>"
    return (f'<section aria-labelledby="why-h"><h2 id="why-h">Why: {len(flagged)} files need '
            f'attention</h2><ul class="why">{items}</ul></section>')  # fmt: skip


def _delivery_item(finding: dict[str, Any]) -> str:
    """A finding about the delivery as a whole (nothing to check), first among the reasons."""
    gate = finding["gate"] or "pass"
    return (f'<li><span class="badge b-{esc(gate)}">{GATE_WORDS[gate]}</span> '
            f"{esc(finding['rule'])} {esc(finding['message'])}</li>")  # fmt: skip


def _why_item(entry: dict[str, Any]) -> str:
    problems = [f["message"] for f in entry["findings"] if f["gate"] in ("fail", "warn")]
    reason = problems[0] if problems else VERDICT_TITLES.get(entry["verdict"], "")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (f'<li><span class="badge b-{esc(entry["gate"])}">{GATE_WORDS[entry["gate"]]}</span> '
            f'<a href="#{esc(anchor(entry["path"]))}">{esc(entry["path"])}</a>: '
            f"{esc(reason)}{esc(more)}</li>")  # fmt: skip


def _summary(data: dict[str, Any]) -> str:
    summary = data["summary"]
    verdicts = "".join(
        f'<tr><th scope="row">{esc(VERDICT_TITLES[v])}</th><td class="num">{n}</td></tr>'
        for v, n in summary["by_verdict"].items()
    )
    gates, sev = summary["by_gate"], summary["by_severity"]
    run = [
        ("Scanned", data["started"]),
        ("Duration", f"{data['duration_s']:.2f} s"),
        ("Tool", f"{data['tool']['name']} {data['tool']['version']}"),
        ("Files", str(summary["files"])),
        ("Skipped", _skipped_text(data["skipped"])),
        ("Gate per file", f"{gates['fail']} fail, {gates['warn']} warn, {gates['pass']} pass"),
        ("Findings", f"{sev['error']} error, {sev['warning']} warning, {sev['info']} info"),
    ]
    rows = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{esc(v)}</td></tr>' for k, v in run)
    rows += _source_row("AI-use log", data["log"], "none given (--log)")
    rows += _source_row("Policy", data["policy"], "")
    rows += _options_rows(data["options"])
    return (
        '<section aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>'
        f'<div class="summary"><table><caption class="note">This run</caption>{rows}</table>'
        f'<table><caption class="note">Files by verdict</caption>{verdicts}</table></div>'
        "</section>"
    )


def _skipped_text(skipped: list[dict[str, str]]) -> str:
    """What the ignore lists left out, counted by pattern (the JSON report lists each path)."""
    if not skipped:
        return "0"
    parts = skipped_summary([Skipped(**s) for s in skipped])
    return f"{len(skipped)}: {parts} (the JSON report lists each path)"


def _source_row(label: str, source: dict[str, Any] | None, missing: str) -> str:
    if source is None:
        return f'<tr><th scope="row">{label}</th><td>{esc(missing)}</td></tr>'
    name = source["path"] or "built-in default"
    return (
        f'<tr><th scope="row">{label}</th><td>{esc(name)} ({esc(source["summary"])})'
        f'<br><span class="hash">sha256 {esc(source["sha256"])}</span></td></tr>'
    )


def _options_rows(options: dict[str, Any]) -> str:
    rows = ""
    for label, folder in (options.get("sources") or {}).items():
        rows += f'<tr><th scope="row">Sources</th><td>{esc(label)}: {esc(folder)}</td></tr>'
    trace = options.get("trace")
    if trace:
        unusable = trace.get("unusable_references", 0)
        too_small = f", {unusable} of them too flat or small to search" if unusable else ""
        text = (f"{trace.get('references', 0)} AI stills{too_small}; searched for in "
                f"{trace.get('searched', 0)} files ({trace.get('seconds', 0)} s)")  # fmt: skip
        rows += f'<tr><th scope="row">Trace</th><td>{esc(text)}</td></tr>'
    return rows


def _log_findings(data: dict[str, Any]) -> str:
    findings = data["log_findings"]
    if not findings:
        return ""
    items = "".join(
        f"<li><strong>{esc(f['rule'])}</strong> ({esc(GATE_WORDS.get(f['gate'] or '', 'info'))})"
        f" {esc(f['message'])}</li>"
        for f in findings
    )
    return (
        f'<section aria-labelledby="log-h"><h2 id="log-h">AI-use log</h2><ul>{items}</ul></section>'
    )


def _controls(data: dict[str, Any], entries: list[dict[str, Any]]) -> str:
    verdicts = sorted({e["verdict"] for e in entries})
    folders = sorted({folder_of(e["path"]) for e in entries})
    verdict_options = "".join(
        f'<option value="{esc(v)}">{esc(VERDICT_TITLES.get(v, v))}</option>' for v in verdicts
    )
    folder_options = "".join(
        f'<option value="{esc(f)}">{esc(f or "(top level)")}</option>' for f in folders
    )
    return (
        '<h2 id="files-h">Files with findings</h2>'
        '<div class="controls" role="search" aria-label="Filter the files">'
        '<label class="check"><input type="checkbox" id="only-violations"> '
        "Violations and warnings only</label>"
        f'<label>Verdict<select id="verdict"><option value="">all</option>{verdict_options}'
        "</select></label>"
        f'<label>Folder<select id="folder"><option value="">all</option>{folder_options}'
        "</select></label>"
        '<label>Search<input type="search" id="search" placeholder="name, tool, prompt, rule"'
        ' autocomplete="off"></label>'
        f'<p id="shown" aria-live="polite">{len(entries)} files with findings</p></div>'
    )


def _quiet_files(entries: list[dict[str, Any]]) -> str:
    if not entries:
        return ""
    rows = "".join(
        f'<tr id="{esc(anchor(e["path"]))}"><td>{esc(e["path"])}</td><td>{esc(e["format"])}</td>'
        f"<td>{esc(VERDICT_TITLES.get(e['verdict'], e['verdict']))}</td></tr>"
        for e in entries
    )
    return (
        '<section aria-labelledby="quiet-h"><h2 id="quiet-h">Files without findings</h2>'
        '<table><thead><tr><th scope="col">File</th><th scope="col">Format</th>'
        f'<th scope="col">Verdict</th></tr></thead><tbody>{rows}</tbody></table></section>'
    )


def _footer(data: dict[str, Any]) -> str:
    return (
        '<footer class="note"><p>"No AI markers found" means no marker was present, not that '
        "a file is authentic. Pictures are made from the scanned files at report time. "
        f"Report schema {esc(data['schema_version'])}.</p></footer>"
    )
