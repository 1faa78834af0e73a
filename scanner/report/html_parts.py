"""Pieces of the HTML report: escaping, one card per file, trace pairs, the timeline strip,
the waveform and the C2PA ingredient tree.

Every string that comes from a file (names, XMP, prompts, tool names, messages quoting them)
goes through :func:`esc`; markup is only ever built from constants. Position and size use SVG
attributes, never inline ``style``, so the page's Content-Security-Policy can refuse every
script and style it did not ship.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from provscan.pictures.job import Picture
from provscan.pictures.plan import hit_key, picture, thumb_key
from provscan.report.facts import VERDICT_TITLES, Facts, file_facts

GATE_WORDS = {"fail": "FAIL", "warn": "WARN", "pass": "PASS"}
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def esc(value: object) -> str:
    """Text safe inside HTML elements and quoted attributes.

    Control characters and lone surrogates (a non-UTF-8 file name kept as surrogate escapes)
    are shown as ``\\xNN`` so the page stays valid UTF-8 and nothing is hidden.
    """
    text = _UNPRINTABLE.sub(_visible, str(value))
    return html.escape(text, quote=True)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def folder_of(path: str) -> str:
    """The top folder of a report path ('' for a file at the root)."""
    head, sep, _ = path.partition("/")
    return head if sep else ""


def card(entry: dict[str, Any], pictures: Mapping[str, Picture], extra: str = "") -> str:
    """One file's card: picture, short answer, facts, approval, ``extra`` (a sequence's
    frames), trace hits, tree, findings."""
    facts = file_facts(entry)
    path = entry["path"]
    classes = f"card g-{entry['gate']}"
    messages = (f["rule"] + " " + f["message"] for f in entry["findings"])
    search_text = " ".join([path, facts.answer, *(v for _, v in facts.items), *messages])
    parts = [
        f'<article class="{classes}" id="{esc(anchor(path))}" data-gate="{esc(entry["gate"])}"'
        f' data-verdict="{esc(entry["verdict"])}" data-folder="{esc(folder_of(path))}"'
        f' data-text="{esc(search_text.lower())}" aria-labelledby="{esc(anchor(path))}-h">',
        _card_header(entry),
        _thumbnail(entry, pictures),
        f"<div>{_body(facts, entry)}</div>",
        extra,
        *_hits(entry, pictures),
        _timeline(entry, pictures),
        _raw_findings(entry),
        "</article>",
    ]
    return "\n".join(p for p in parts if p)


def anchor(path: str) -> str:
    """A stable element id for a file's card."""
    digest = hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=4).hexdigest()
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "_", path)[:80] + "-" + digest


def _card_header(entry: dict[str, Any]) -> str:
    verdict = entry["verdict"]
    gate = entry["gate"]
    role = "project media (source)" if entry["role"] == "source" else (
        "final content" if entry["final"] else "not final content")  # fmt: skip
    return (
        f'<header><h3 id="{esc(anchor(entry["path"]))}-h">{esc(entry["path"])}</h3>'
        f'<span class="badge v-{esc(verdict)}">{esc(VERDICT_TITLES.get(verdict, verdict))}</span>'
        f'<span class="badge b-{esc(gate)}">gate: {GATE_WORDS.get(gate, gate)}</span>'
        f'<span class="role">{esc(entry["format"])} · {esc(role)}</span></header>'
    )


def _thumbnail(entry: dict[str, Any], pictures: Mapping[str, Picture]) -> str:
    pic = picture(pictures, thumb_key(entry["path"]))
    if pic is not None and pic.peaks:
        return f'<figure class="thumb">{waveform(pic.peaks, entry["path"])}' \
               "<figcaption>waveform</figcaption></figure>"  # fmt: skip
    if pic is not None and pic.data_uri:
        what = "frame" if entry["kind"] == "video" else "thumbnail"
        alt = f"{what} of {entry['path']}"
        return (f'<figure class="thumb"><img src="{esc(pic.data_uri)}" width="{pic.width}"'
                f' height="{pic.height}" alt="{esc(alt)}"></figure>')  # fmt: skip
    reason = pic.error if pic is not None and pic.error else "no picture for this file"
    return f'<div class="nopic">{esc(reason)}</div>'


def waveform(peaks: Sequence[float], label: str) -> str:
    """An SVG waveform (a mirrored bar per bucket) with a text alternative."""
    width, mid = len(peaks), 35.0
    bars = "".join(f"M{i} {mid - p * mid:.1f}h1v{2 * p * mid:.1f}h-1z" for i, p in enumerate(peaks))
    return (f'<svg class="wave" viewBox="0 0 {width} 70" preserveAspectRatio="none" role="img"'
            f' aria-label="waveform of {esc(label)}"><path d="{bars}"/></svg>')  # fmt: skip


def _body(facts: Facts, entry: dict[str, Any]) -> str:
    parts = [f'<p class="answer">{esc(facts.answer)}</p>']
    if facts.items:
        rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts.items)
        parts.append(f'<dl class="facts">{rows}</dl>')
    parts.append(_approval(facts, entry))
    if facts.ingredients:
        parts.append("<p><strong>C2PA ingredients</strong></p>" + tree(facts.ingredients))
    return "".join(p for p in parts if p)


def _approval(facts: Facts, entry: dict[str, Any]) -> str:
    if facts.problems:
        covered = f"<p>Covered by {esc(facts.approval)}, but:</p>" if facts.approval else ""
        items = "".join(f"<li>{esc(p)}</li>" for p in facts.problems)
        guides = "".join(f"<li>{esc(g)}</li>" for g in facts.guidelines)
        guide_block = f"<p>Guideline broken:</p><ul>{guides}</ul>" if guides else ""
        return (f'<div class="approval bad"><strong>Not cleared</strong>{covered}'
                f"<ul>{items}</ul>{guide_block}</div>")  # fmt: skip
    if facts.approval:
        return f'<div class="approval ok"><strong>Approved</strong>: {esc(facts.approval)}</div>'
    return ""


def tree(nodes: Sequence[dict[str, Any]]) -> str:
    """The C2PA ingredient tree as nested lists (AI ingredients marked in words)."""
    items = []
    for node in nodes:
        label = esc(node.get("title", "(untitled)"))
        bits = [esc(node.get("relationship", ""))]
        if node.get("claim_generator"):
            bits.append("by " + esc(node["claim_generator"]))
        if node.get("source_type"):
            bits.append(esc(node["source_type"]))
        if node.get("repeat"):
            bits.append("its manifest is shown above")
        ai = ' <span class="ai-node">[AI]</span>' if node.get("ai") else ""
        children = node.get("children")
        sub = tree(children) if isinstance(children, list) and children else ""
        items.append(f"<li>{label}{ai} <span class='note'>{' · '.join(b for b in bits if b)}"
                     f"</span>{sub}</li>")  # fmt: skip
    return f'<ul class="tree">{"".join(items)}</ul>'


def _hits(entry: dict[str, Any], pictures: Mapping[str, Picture]) -> list[str]:
    """Each trace hit: the final's frame beside the AI still, with the timecodes."""
    blocks = []
    for index, finding in enumerate(entry["findings"]):
        if finding["rule"] not in ("TRC001", "TRC002", "TRC003"):
            continue
        details = finding["details"]
        still = str(details.get("reference", ""))
        ranges = details.get("ranges") or []
        spans = ", ".join(f"{r['start_tc']}-{r['end_tc']}" for r in ranges if isinstance(r, dict))
        frame = picture(pictures, hit_key(entry["path"], index))
        if frame is None and finding["rule"] != "TRC001":
            frame = picture(pictures, thumb_key(entry["path"]))
        where = f"frame at {details.get('best_tc', '')}" if finding["rule"] == "TRC001" else (
            "this still")  # fmt: skip
        blocks.append(
            '<section class="hit" aria-label="AI still found">'
            f"<p><strong>{esc(finding['rule'])}</strong> {esc(finding['message'])}</p>"
            '<div class="pairs">'
            + _pair(frame, f"{where} in {entry['path']}" + (f" ({spans})" if spans else ""))
            + _pair(picture(pictures, thumb_key(still)),
                    f"AI source still {still} ({details.get('reference_verdict', '')})")
            + "</div>" + _still_evidence(still, details) + "</section>"
        )  # fmt: skip
    return blocks


def _still_evidence(still: str, details: dict[str, Any]) -> str:
    """What the still itself carries (its markers survive in the project media), linked."""
    evidence = [str(e) for e in details.get("reference_evidence") or []]
    said = "; ".join(esc(e) for e in evidence) or "its AI evidence"
    return (f'<p class="note">The still\'s own evidence: {said}. '
            f'<a href="#{esc(anchor(still))}">Its card</a>.</p>')  # fmt: skip


def _pair(pic: Picture | None, caption: str) -> str:
    if pic is not None and pic.data_uri:
        body = (f'<img src="{esc(pic.data_uri)}" width="{pic.width}" height="{pic.height}"'
                f' alt="{esc(caption)}">')  # fmt: skip
    else:
        body = f'<div class="nopic">{esc(pic.error if pic else "no picture")}</div>'
    return f'<figure class="pair">{body}<figcaption>{esc(caption)}</figcaption></figure>'


def _timeline(entry: dict[str, Any], pictures: Mapping[str, Picture]) -> str:
    """Where AI material appears along the video (red), with the ranges in words."""
    ranges = [r for f in entry["findings"] if f["rule"] == "TRC001"
              for r in (f["details"].get("ranges") or []) if isinstance(r, dict)]  # fmt: skip
    if not ranges:
        return ""
    pic = picture(pictures, thumb_key(entry["path"]))
    end = max(float(r["end"]) for r in ranges)
    duration = max(pic.duration if pic and pic.duration else 0.0, end) or 1.0
    marks = "".join(
        f'<rect class="ai" x="{1000 * float(r["start"]) / duration:.1f}" y="2"'
        f' width="{max(2.0, 1000 * (float(r["end"]) - float(r["start"])) / duration):.1f}"'
        f' height="18"><title>AI still {esc(r["start_tc"])}-{esc(r["end_tc"])}</title></rect>'
        for r in ranges
    )
    words = ", ".join(f"{esc(r['start_tc'])}-{esc(r['end_tc'])}" for r in ranges)
    return (
        '<div class="timeline"><svg viewBox="0 0 1000 34" preserveAspectRatio="none" role="img"'
        f' aria-label="timeline: AI material at {words} of {duration:.1f} s">'
        '<rect class="track" x="0" y="2" width="1000" height="18"/>'
        f'{marks}<text class="scale" x="0" y="32">0 s</text>'
        f'<text class="scale" x="1000" y="32" text-anchor="end">{duration:.1f} s</text></svg>'
        f'<p class="note">Timeline: AI material at {words} (of {duration:.1f} s)</p></div>'
    )


def _raw_findings(entry: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><td>{esc(f["rule"])}</td><td class="sev-{esc(f["severity"])}">{esc(f["severity"])}'
        f"</td><td>{esc(GATE_WORDS.get(f['gate'] or '', ''))}</td><td>{esc(f['message'])}</td></tr>"
        for f in entry["findings"]
    )
    return (f'<details class="raw"><summary>All findings ({len(entry["findings"])})</summary>'
            '<table><thead><tr><th scope="col">Rule</th><th scope="col">Severity</th>'
            '<th scope="col">Gate</th><th scope="col">Evidence</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></details>")  # fmt: skip
