"""Does the render show what the edit says? The timeline and the trace, checked against
each other on one final.

Both see the same AI stills from two sides: the edit lists the clips that use a still, the
trace finds the still's pixels in the render. When they disagree, one of them is looking at
another version of the cut (the delivered EDL is not the one the final was rendered from),
or the still was changed beyond recognition; either way a person should look. Only stills
the trace searched for count (AI stills it could use as references), and only on a final it
searched to the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from provscan.model import Confidence, Evidence, FileResult, MediaKind, Verdict
from provscan.rules import timeline as rules
from provscan.timeline.cut import Cut
from provscan.timeline.resolve import Resolution

AI_STILL = frozenset({Verdict.AI_GENERATED, Verdict.AI_EDITED, Verdict.AI_SUSPECTED})
SLACK_S = 1.0  # a dissolve, a sampling step or a trimmed frame or two is not a disagreement


def was_searched(final: FileResult, trace: object) -> bool:
    """Whether the trace searched this final for references, to the end."""
    if not isinstance(trace, dict) or not trace.get("references") or not trace.get("searched"):
        return False
    if final.kind is not MediaKind.VIDEO or final.verdict is Verdict.UNREADABLE:
        return False
    not_searched = ("TRC004", "TRC006")  # the search failed, or no decoder of it opens the file
    return not any(f.rule.code in not_searched for f in final.findings)


def disagreements(cut: Cut, clips: Sequence[Resolution], final: FileResult,
                  source_of: Callable[[str], FileResult]) -> Iterator[Evidence]:  # fmt: skip
    """TML006 per AI still the edit places where the render does not show it, and per
    trace hit the edit places no clip of."""
    hits = [dict(f.evidence.details) for f in final.findings if f.rule.code == "TRC001"]
    placed = [r for r in clips if r.clip.enabled and r.source and _reference(source_of(r.source))]
    for res in placed:
        span = (cut.seconds(res.clip.record_in), cut.seconds(res.clip.record_out))
        seen = [r for h in hits if h.get("reference") == res.source for r in _ranges(h)]
        if not any(_meet(span, r) for r in seen):
            yield _unseen(cut, res, span, seen)
    for hit in hits:
        spans = [(cut.seconds(r.clip.record_in), cut.seconds(r.clip.record_out))
                 for r in placed if r.source == hit.get("reference")]  # fmt: skip
        for shown in _ranges(hit):
            if not any(_meet(span, shown) for span in spans):
                yield _unplaced(cut, str(hit.get("reference")), shown)


def _reference(source: FileResult) -> bool:
    """An AI still the trace could search for (not refused as too flat or small)."""
    return (source.kind is MediaKind.IMAGE and source.verdict in AI_STILL
            and not any(f.rule.code == "TRC005" for f in source.findings))  # fmt: skip


def _ranges(hit: dict[str, Any]) -> list[tuple[float, float]]:
    ranges = hit.get("ranges")
    if not isinstance(ranges, list):
        return []
    return [(float(r["start"]), float(r["end"])) for r in ranges
            if isinstance(r, dict) and "start" in r and "end" in r]  # fmt: skip


def _meet(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] - SLACK_S < b[1] and b[0] < a[1] + SLACK_S


def _unseen(cut: Cut, res: Resolution, span: tuple[float, float],
            seen: list[tuple[float, float]]) -> Evidence:  # fmt: skip
    where = "; the render shows it at " + ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in seen)
    message = (f"{Path(cut.path).name} places {res.source} at {span[0]:.1f}-{span[1]:.1f} s "
               f"(clip {res.clip.index}), but the trace did not find it there in the render"
               f"{where if seen else ''}: is the edit the final's version?")  # fmt: skip
    return Evidence(rules.CUT_RENDER_DISAGREE.code, message, key="timeline", value=res.source,
                    confidence=Confidence.MEDIUM,
                    details={"timeline": cut.path, "reference": res.source,
                             "clip_index": res.clip.index, "edit_s": list(span),
                             "render_s": [list(r) for r in seen]})  # fmt: skip


def _unplaced(cut: Cut, reference: str, shown: tuple[float, float]) -> Evidence:
    message = (
        f"the render shows {reference} at {shown[0]:.1f}-{shown[1]:.1f} s, where "
        f"{Path(cut.path).name} places no clip of it: is the edit the final's version?"
    )
    return Evidence(rules.CUT_RENDER_DISAGREE.code, message, key="timeline", value=reference,
                    confidence=Confidence.MEDIUM,
                    details={"timeline": cut.path, "reference": reference, "edit_s": None,
                             "render_s": [list(shown)]})  # fmt: skip
