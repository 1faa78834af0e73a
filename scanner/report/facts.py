"""One file's evidence in plain words: the short answer and the facts a reviewer reads first.

Derived from a file's report entry (:func:`provscan.report.to_json.file_dict`), so the HTML
report, ``provscan inspect`` and any other reader say the same thing: who signed, which tool,
which digital source type, the prompt, where a traced still appears, and the approval (or
the missing approval and the guideline it breaks).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from provscan.detectors.c2pa_vocab import LEADING
from provscan.detectors.source_types import classify
from provscan.detectors.tool_identity import display
from provscan.model import TOOL_KEYS

VERDICT_TITLES = {
    "ai-generated": "AI-generated",
    "ai-edited": "AI-edited",
    "ai-suspected": "AI suspected",
    "capture-provenance": "Capture provenance",
    "no-ai-markers": "No AI markers found",
    "unreadable": "Unreadable",
}

# A C2PA finding that carries the integrity story (detectors.c2pa_integrity) in its details.
_STORY_CODES = ("C2P012", "C2P009", "C2P010")


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Facts(NamedTuple):
    """What a person reads about one file before the raw findings."""

    answer: str  # the one-line short answer
    items: tuple[tuple[str, str], ...]  # (label, value) in reading order
    approval: str  # the log entry that covers it ("log entry AI-001, matched by sha256"), or ""
    problems: tuple[str, ...] = ()  # the policy's objections (missing approval, guideline)
    guidelines: tuple[str, ...] = ()  # the guidelines its violations break
    ingredients: tuple[dict[str, Any], ...] = ()  # C2PA ingredient tree


def file_facts(entry: dict[str, Any]) -> Facts:
    """The plain-words facts of one report entry. Content Credentials whose integrity is in
    doubt (tampered, invalid, expired, remote ...) lead the answer, before anything they claim."""
    findings: list[dict[str, Any]] = entry["findings"]
    deciding = _deciding(entry)
    headline, leads = _integrity(findings)
    signature = "" if leads else _inline(headline)
    answer = _answer(entry, deciding, findings, signature)
    items = [
        *_signed_items(findings, headline if leads else signature),
        *_stored_elsewhere_items(findings, headline),
        *_tool_items(deciding, findings),
        *_source_type_items(deciding),
        *_prompt_items(findings),
        *_trace_items(findings),
    ]
    return Facts(
        answer=f"{headline}. {answer}" if leads else answer,
        items=tuple(items),
        approval=_approval(entry),
        problems=_problems(entry),
        guidelines=_guidelines(findings),
        ingredients=tuple(_ingredients(findings)),
    )


def _deciding(entry: dict[str, Any]) -> list[dict[str, Any]]:
    codes = set(entry["decided_by"])
    return [f for f in entry["findings"] if f["rule"] in codes]


def _first(findings: list[dict[str, Any]], code: str) -> dict[str, Any] | None:
    return next((f for f in findings if f["rule"] == code), None)


def _integrity(findings: list[dict[str, Any]]) -> tuple[str, bool]:
    """The Content Credentials' integrity headline ('TAMPERED: the bytes changed after
    signing (...)', 'Valid signature, untrusted root' ...), and whether it leads the answer."""
    for code in _STORY_CODES:
        finding = _first(findings, code)
        if finding is not None and finding["details"].get("headline"):
            category = str(finding["details"].get("integrity", ""))
            leads = category in {c.value for c in LEADING}
            return str(finding["details"]["headline"]), leads
    return "", False


def _inline(headline: str) -> str:
    """A non-leading headline inside a sentence: 'valid signature, untrusted root'."""
    return headline[:1].lower() + headline[1:]


def _signer(findings: list[dict[str, Any]]) -> str:
    present = _first(findings, "C2P012")
    if present is None:
        return ""
    details = present["details"]
    signer, issuer = str(details.get("signer", "")), str(details.get("issuer", ""))
    if issuer and issuer != signer:
        return f"{signer or 'an unnamed signer'} ({issuer})"
    return signer or "an unnamed signer"


def _tool(deciding: list[dict[str, Any]], findings: list[dict[str, Any]]) -> str:
    """The tool the deciding evidence names, else any tool a finding names."""
    for group in (deciding, findings):
        for finding in group:
            for key in TOOL_KEYS:
                value = finding["details"].get(key)
                if value:
                    return display(str(value))
    return ""


def _answer(
    entry: dict[str, Any],
    deciding: list[dict[str, Any]],
    findings: list[dict[str, Any]],
    signature: str,
) -> str:
    verdict = entry["verdict"]
    title = VERDICT_TITLES.get(verdict, verdict)
    if verdict == "no-ai-markers":
        credentials = _credentials(findings, signature)
        return f"{title}{credentials} (this does not prove the file is authentic)"
    if verdict == "unreadable":
        reason = deciding[0]["message"] if deciding else "it could not be read"
        return f"{title}: {reason}"
    candidates = (_answer_tool(deciding, findings), _answer_signature(findings, signature))
    parts = [p for p in candidates if p]
    return f"{title}: {', '.join(parts)}" if parts else title


def _credentials(findings: list[dict[str, Any]], signature: str) -> str:
    """'; Content Credentials by X, signed by Y, valid signature' when a manifest is there."""
    present = _first(findings, "C2P012")
    if present is None:
        return ""
    raw = present["details"].get("claim_generator")
    generator = display(str(raw)) if raw else "an unnamed generator"
    words = f", {signature}" if signature else ""
    return f"; Content Credentials by {generator}, signed by {_signer(findings)}{words}"


def _answer_tool(deciding: list[dict[str, Any]], findings: list[dict[str, Any]]) -> str:
    traced = next((f for f in deciding if f["rule"] in _TRACE_CODES), None)
    if traced is not None:
        still = traced["details"].get("reference", "")
        if traced["rule"] == "TRC001":
            return f"contains AI still {still} {_where(traced)}, found by its pixels"
        return f"a copy of AI still {still} with its metadata stripped"
    tool = _tool(deciding, findings)
    if tool:
        return tool
    declared = _source_type_items(deciding)
    if declared:
        return f"declares {declared[0][1].split(' (')[0]}"
    return deciding[0]["message"][:120] if deciding else ""


def _answer_signature(findings: list[dict[str, Any]], signature: str) -> str:
    if _first(findings, "C2P012") is not None:
        words = f", {signature}" if signature else ""  # (a leading headline says it first)
        return f"signed by {_signer(findings)}{words}"
    decided_by_trace = any(f["rule"] in _TRACE_CODES for f in findings)
    return "" if decided_by_trace or not findings else "unsigned metadata"


_TRACE_CODES = ("TRC001", "TRC002", "TRC003")


def _where(traced: dict[str, Any]) -> str:
    ranges = traced["details"].get("ranges") or []
    spans = [f"{r['start_tc']}-{r['end_tc']}" for r in ranges if isinstance(r, dict)]
    if spans:
        return "at " + ", ".join(spans[:4]) + (" …" if len(spans) > 4 else "")
    return "(a stripped copy)"


def _stored_elsewhere_items(findings: list[dict[str, Any]], headline: str) -> list[tuple[str, str]]:
    """Remote or unreadable Content Credentials (no manifest was read, so no signer)."""
    if _first(findings, "C2P012") is None and headline:
        return [("Content Credentials", headline.removeprefix("Content Credentials "))]
    return []


def _signed_items(findings: list[dict[str, Any]], signature: str) -> list[tuple[str, str]]:
    present = _first(findings, "C2P012")
    if present is None:
        return []
    items = [("Signed by", _signer(findings)), ("Signature", signature)]
    generator = present["details"].get("claim_generator")
    if generator:
        items.append(("Claim generator", str(generator)))
    when = present["details"].get("signed_at")
    if when:
        items.append(("Signed at", str(when)))
    return items


def _tool_items(
    deciding: list[dict[str, Any]], findings: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    tool = _tool(deciding, findings)
    return [("Tool", tool)] if tool else []


def _source_type_items(deciding: list[dict[str, Any]]) -> list[tuple[str, str]]:
    for finding in deciding:
        details = finding["details"]
        raw = details.get("source_type") or details.get("term")
        if raw:
            term, _, words = classify(str(raw))
            return [("Digital source type", f"{term} ({words})")]
    return []


def _prompt_items(findings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for finding in findings:
        details = finding["details"]
        if details.get("prompt") and not items:
            items.append(("Prompt", str(details["prompt"])))
            if details.get("negative"):
                items.append(("Negative prompt", str(details["negative"])))
            if details.get("model"):
                items.append(("Model", str(details["model"])))
    return items


def _trace_items(findings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for finding in findings:
        if finding["rule"] in _TRACE_CODES:
            details = finding["details"]
            items.append(("AI still", f"{details.get('reference', '')} {_where(finding)}"))
    return items


def _approval(entry: dict[str, Any]) -> str:
    if entry["approval"]:
        how = f", matched by {entry['matched_by']}" if entry.get("matched_by") else ""
        return f"log entry {entry['approval']}{how}"
    if entry.get("role") == "source":
        return "project media (not final content)"
    if not entry["final"]:
        return "not final content (policy)"
    return ""


def _problems(entry: dict[str, Any]) -> tuple[str, ...]:
    """What the policy objects to: the gate findings (missing approval, unreadable ...)."""
    return tuple(f["message"] for f in entry["findings"] if f.get("gate") in ("fail", "warn"))


def _guidelines(findings: list[dict[str, Any]]) -> tuple[str, ...]:
    found: list[str] = []
    for finding in findings:
        guideline = finding["details"].get("guideline")
        if guideline and finding.get("gate") in ("fail", "warn") and guideline not in found:
            found.append(str(guideline))
    return tuple(found)


def _ingredients(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    present = _first(findings, "C2P012")
    tree = present["details"].get("ingredients") if present else None
    return list(tree) if isinstance(tree, list) else []
