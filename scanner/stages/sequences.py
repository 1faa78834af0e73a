"""Numbered frames of one shot, grouped into one item of the report after the scan.

VFX vendors and DI houses deliver shots as frame sequences (``shot.1001.exr`` ...,
``reel_00086400.dpx`` ...): ten thousand frames must read as one deliverable, not as ten
thousand lines. Frames of a frame format (OpenEXR, DPX, Cineon, ARRIRAW, DNG) group by
their folder, the name around the frame number and the extension; PNG, TIFF and JPEG
frames only when named in the VFX manner (``name.0001.png``, or the bare number a renderer
writes: ``0001.png``), so that a photographer's ``IMG_0001.jpg ... IMG_0050.jpg`` stay
stills. A group of at least two frames becomes one result: its pattern, first and last
frame, gaps, the frames whose header or size differs from the rest, and every frame's own
result (each stays addressable). Its findings are its frames' findings merged (each says
which frames, when not all), so the verdict and then the gate judge the sequence whole,
and the AI-use log approves it by its pattern, or by a glob of it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from provscan.compact import Compactor
from provscan.findings import make_finding
from provscan.model import Evidence, FileResult, Finding, FrameSequence, Report, evolve
from provscan.paths import SOURCE
from provscan.results import Brief, Entry, Results, briefs_of, briefs_where, items_of
from provscan.rules import sequence as rules
from provscan.verdict import decide

FRAME_FORMATS = frozenset({"exr", "dpx", "cineon", "arriraw"})
STILL_FORMATS = frozenset({"png", "tiff", "jpeg"})
MIN_FRAMES = 2
LAYOUT_RULE = "FRM005"  # detectors.frame_headers: the frame's layout, what frames share
MAX_LISTED = 6  # ranges named in a message; the details keep them all
_NUMBERED = re.compile(r"^(?P<head>.*?)(?P<number>\d+)(?P<tail>\.[^./]+)$")


@dataclass(frozen=True, slots=True)
class _Frame:
    number: int
    digits: str
    result: FileResult


def group_sequences(report: Report, groups: Groups | None = None) -> Report:
    """The report with the frames of each numbered sequence replaced, at the place of its
    first frame, by one result for the sequence (unchanged when there is none). The frames
    are found from the files' briefs (``groups``: already found, by ``sequence_groups``);
    only theirs are read back (an archive's files are not all held)."""
    files = report.files
    briefs = briefs_of(files)
    groups = sequence_groups(files) if groups is None else groups
    if not groups:
        return report
    at: dict[int, FileResult | None] = {}
    compactor = Compactor()  # (frames read back from disk share their equal evidence again)
    for key, members in groups.items():
        members.sort(key=lambda m: (m[1], briefs[m[0]].path))
        frames = [_Frame(number, digits, compactor.result(files[index]))
                  for index, number, digits in members]  # fmt: skip
        at[members[0][0]] = build(key[0] + key[1], key[2], frames)
        at.update((index, None) for index, _, _ in members[1:])
    if isinstance(files, Results):
        out = Results(held=files.held)
        for index, item in enumerate(items_of(files)):
            _place(out, index, item, at)
        return replace(report, files=out)
    kept: list[FileResult] = []
    for index, result in enumerate(files):
        _place(kept, index, result, at)
    return replace(report, files=tuple(kept))


def _place(
    out: Any, index: int, item: FileResult | Entry, at: dict[int, FileResult | None]
) -> None:
    """Append a file, or its sequence in place of its first frame (no other frame)."""
    if index not in at:
        out.append(item)
    elif (sequence := at[index]) is not None:
        out.append(sequence)


_Key = tuple[str, str, str, str]  # folder, name before the number, extension, format


Groups = dict[_Key, list[tuple[int, int, str]]]  # group key -> (index, number, digits) of frames


def sequence_groups(files: Sequence[FileResult]) -> Groups:
    """The frames of each sequence of at least MIN_FRAMES: group key -> (index, frame
    number, its digits) of each frame."""
    groups: dict[_Key, list[tuple[int, int, str]]] = defaultdict(list)
    for index, brief in briefs_where(files, _may_be_frame):
        found = _frame_of(brief)
        if found is not None:
            key, number, digits = found
            groups[key].append((index, number, digits))
    return {key: members for key, members in groups.items() if len(members) >= MIN_FRAMES}


def _may_be_frame(brief: Brief) -> bool:
    """Whether a file of this kind, role and format may be a frame (its name aside)."""
    fmt = brief.format
    framed = fmt in FRAME_FORMATS or fmt in STILL_FORMATS  # (a DNG is "tiff")
    return framed and brief.role != SOURCE and not brief.sequence


def _frame_of(brief: Brief) -> tuple[_Key, int, str] | None:
    """The group key, frame number and digits of a file that may be a frame of a sequence
    (see _may_be_frame), or None."""
    folder, _, name = brief.path.rpartition("/")  # (string work: called for every file)
    named = _NUMBERED.match(name)
    if named is None:
        return None
    head, digits, tail = named.group("head", "number", "tail")
    if not _frame_format(brief.format, head, digits, tail):
        return None
    return (f"{folder}/" if folder else "", head, tail, brief.format), int(digits), digits


def _frame_format(fmt: str, head: str, digits: str, tail: str) -> bool:
    if fmt in FRAME_FORMATS or (fmt == "tiff" and tail.lower() == ".dng"):
        return True
    vfx_name = head.endswith(".") or head == ""
    return fmt in STILL_FORMATS and vfx_name and len(digits) >= 3


def build(stem: str, tail: str, frames: Sequence[_Frame]) -> FileResult:
    """The result of one sequence from its frames (in frame order)."""
    widths = {len(f.digits) for f in frames}
    hashes = "#" * widths.pop() if len(widths) == 1 else "#"  # unpadded numbers: one "#"
    pattern = f"{stem}{hashes}{tail}"
    numbers = tuple(f.number for f in frames)
    results = tuple(f.result for f in frames)
    gaps = tuple(_gaps(numbers))
    differing = tuple(_differing(frames))
    findings = [*_merged(frames), *_own(pattern, numbers, gaps, differing, results)]
    verdict, deciding = decide(findings)
    timecode, rate = _time_of(results[0])
    sequence = FrameSequence(pattern, numbers[0], numbers[-1], numbers, results, gaps,
                             differing, timecode, rate)  # fmt: skip
    first = results[0]
    return evolve(first, path=pattern, size=sum(r.size for r in results), verdict=verdict,
                  findings=tuple(findings), deciding=deciding, sequence=sequence,
                  sha256="", phash="")  # fmt: skip


def _gaps(numbers: Sequence[int]) -> Iterator[tuple[int, int]]:
    present = sorted(set(numbers))
    for before, after in pairwise(present):
        if after > before + 1:
            yield before + 1, after - 1


def _layout(result: FileResult) -> str:
    return next((f.evidence.value for f in result.findings if f.rule.code == LAYOUT_RULE), "")


def _differing(frames: Sequence[_Frame]) -> Iterator[tuple[int, str]]:
    """Frames whose layout differs from most frames', then (when most frames have one
    byte size, as uncompressed frames do) those of another size."""
    layouts = Counter(layout for f in frames if (layout := _layout(f.result)))
    usual = layouts.most_common(1)[0][0] if layouts else ""
    sizes = Counter(f.result.size for f in frames)
    size, many = sizes.most_common(1)[0]
    fixed = len(frames) >= 3 and many * 2 > len(frames)
    for frame in frames:
        layout = _layout(frame.result)
        if usual and layout and layout != usual:
            yield frame.number, f"header says {layout} (the others: {usual})"
        elif fixed and frame.result.size != size:
            yield frame.number, f"{frame.result.size:,} bytes (the others: {size:,})"


def ranges(numbers: Sequence[int]) -> str:
    """``1001-1012, 1015`` for a sorted list of frame numbers."""
    spans: list[tuple[int, int]] = []
    for number in numbers:
        if spans and number <= spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], max(number, spans[-1][1]))
        else:
            spans.append((number, number))
    words = [f"{a}-{b}" if b > a else str(a) for a, b in spans]
    if len(words) > MAX_LISTED:
        words = [*words[:MAX_LISTED], f"and {len(words) - MAX_LISTED} more ranges"]
    return ", ".join(words)


def _merged(frames: Sequence[_Frame]) -> Iterator[Finding]:
    """The frames' findings, one per (rule, key, value): each says which frames, when not
    all, and which frame to open first."""
    seen: dict[tuple[str, str, str], list[tuple[_Frame, Finding]]] = {}
    for frame in frames:
        for finding in frame.result.findings:
            ev = finding.evidence
            seen.setdefault((finding.rule.code, ev.key, ev.value), []).append((frame, finding))
    for hits in seen.values():
        first_frame, finding = hits[0]
        numbers = [frame.number for frame, _ in hits]
        which = ranges(numbers)
        details = {**finding.evidence.details, "frames": which, "frame_count": len(hits),
                   "first_frame": first_frame.result.path}  # fmt: skip
        message = finding.evidence.message
        if len(hits) < len(frames):
            message = f"{message} (frame{'s' if len(hits) > 1 else ''} {which})"
        evidence = replace(finding.evidence, message=message, details=details)
        identity = _identity(f.fingerprint for _, f in hits)
        yield make_finding(finding.rule, evidence, identity)


def _identity(parts: Iterator[str]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode())
    return digest.hexdigest()


def _own(
    pattern: str,
    numbers: Sequence[int],
    gaps: Sequence[tuple[int, int]],
    differing: Sequence[tuple[int, str]],
    results: Sequence[FileResult],
) -> Iterator[Finding]:
    """SEQ001 for missing frames, SEQ002 for frames that differ."""
    identity = _identity(r.findings[0].fingerprint if r.findings else r.path for r in results)
    if gaps:
        missing = sum(b - a + 1 for a, b in gaps)
        listed = ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in gaps[:MAX_LISTED])
        more = f" and {len(gaps) - MAX_LISTED} more gaps" if len(gaps) > MAX_LISTED else ""
        total = numbers[-1] - numbers[0] + 1
        ev = Evidence(rules.GAP.code, f"{missing} of {total} frames missing: {listed}{more}",
                      key="gaps", value=listed,
                      details={"gaps": [list(g) for g in gaps], "missing": missing})  # fmt: skip
        yield make_finding(rules.GAP, ev, identity)
    if differing:
        words = "; ".join(f"frame {n}: {why}" for n, why in differing[:MAX_LISTED])
        more = f" and {len(differing) - MAX_LISTED} more" if len(differing) > MAX_LISTED else ""
        ev = Evidence(rules.DIFFERS.code, f"{len(differing)} frame(s) differ from the rest of "
                      f"{pattern}: {words}{more}", key="differing",
                      value=",".join(str(n) for n, _ in differing),
                      details={"frames": {str(n): why for n, why in differing}})  # fmt: skip
        yield make_finding(rules.DIFFERS, ev, identity)


def _time_of(result: FileResult) -> tuple[str, str]:
    for finding in result.findings:
        if finding.rule.code == LAYOUT_RULE:
            details = finding.evidence.details
            return str(details.get("timecode", "")), str(details.get("frame_rate", ""))
    return "", ""
