"""Which scanned file each clip of a cut shows.

By media path when the timeline has one (the exact file, else the scanned file whose path
ends the same way: timelines carry the editor's paths, not this machine's). Without a path
(EDLs, many AAFs) by name: the file name in the clip name or an Avid ``SOURCE FILE``
comment, the file's stem as clip or reel name (CMX reels are cut to 8 characters). When
several files fit, or a video fits by name only, the clip's source timecode must fall within
the file's own timecode span; a clip that still fits several files, or none, is unresolved
and listed with the reason, never dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from provscan.model import FileResult, MediaKind
from provscan.timeline.cut import Clip, Cut
from provscan.timeline.probe import Span

_FITS = {
    "video": frozenset({MediaKind.VIDEO, MediaKind.IMAGE}),
    "audio": frozenset({MediaKind.AUDIO, MediaKind.VIDEO}),
}


@dataclass(frozen=True, slots=True)
class Resolution:
    """A clip and the scanned file it shows (report path), or why there is none."""

    clip: Clip
    source: str = ""  # report path of the file; "" when unresolved or generated
    how: str = ""  # "media path", "file name in path", "clip name", "reel name" (+ timecode)
    why: str = ""  # for unresolved clips: what was tried and what failed
    candidates: tuple[str, ...] = ()  # report paths that fit equally (ambiguous)

    @property
    def generated(self) -> bool:
        """The clip is made by the edit itself (bars, slug, title): no source to check."""
        return bool(self.clip.generator)


@dataclass(frozen=True, slots=True)
class Sources:
    """The scanned files a clip may show, indexed for lookup."""

    files: dict[str, FileResult]  # report path -> result
    disk: dict[str, str]  # absolute path on disk -> report path
    by_name: dict[str, tuple[str, ...]]  # lower-case file name -> report paths
    by_stem: dict[str, tuple[str, ...]]  # lower-case stem -> report paths

    @classmethod
    def of(cls, results: Iterable[tuple[FileResult, Path]]) -> Sources:
        """Index scanned results with where each is on disk."""
        files, disk = {}, {}
        names, stems = defaultdict(list), defaultdict(list)
        for result, where in results:
            files[result.path] = result
            disk[str(where.absolute())] = result.path
            name = PurePosixPath(result.path).name.lower()
            names[name].append(result.path)
            stems[name.rsplit(".", 1)[0]].append(result.path)
        return cls(files, disk, _frozen(names), _frozen(stems))


def _frozen(table: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(paths) for key, paths in table.items()}


@dataclass(frozen=True, slots=True)
class _Fit:
    """A clip's candidate files before the timecode check."""

    paths: tuple[str, ...]
    how: str
    tried: str


def candidates(cut: Cut, clip: Clip, sources: Sources) -> _Fit:
    """The files that fit a clip by path or name (before any timecode check)."""
    tried = []
    if clip.url:
        exact = _exact(cut, clip.url, sources)
        if exact:
            return _Fit((exact,), "media path", "")
        tail = _by_path_tail(clip.url, sources)
        if tail:
            return _Fit(tail, "file name in its media path", "")
        tried.append(f"media path {clip.url}")
    for key, how in _name_keys(clip):
        found = _lookup(key, how, sources)
        if found:
            return _Fit(_kind_fits(clip, found, sources), how, "")
        tried.append(f"{how} {key!r}")
    return _Fit((), "", "; ".join(tried) or "the clip names no source")


def _exact(cut: Cut, url: str, sources: Sources) -> str:
    """The report path of the file the media path names, on this machine, if scanned."""
    path = Path(url)
    if not path.is_absolute():
        path = Path(cut.path).parent / path  # relative to the timeline, as NLEs write them
    try:
        key = str(path.absolute())
    except (OSError, ValueError):
        return ""
    return sources.disk.get(key, "")


def _by_path_tail(url: str, sources: Sources) -> tuple[str, ...]:
    """Scanned files with the path's file name, keeping those sharing the most folders."""
    parts = [p for p in url.replace("\\", "/").split("/") if p]
    if not parts:
        return ()
    found = sources.by_name.get(parts[-1].lower(), ())
    if len(found) < 2:
        return found
    scored = [(_shared_tail(parts, PurePosixPath(p).parts), p) for p in found]
    best = max(score for score, _ in scored)
    return tuple(p for score, p in scored if score == best)


def _shared_tail(a: list[str], b: tuple[str, ...]) -> int:
    count = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x.lower() != y.lower():
            break
        count += 1
    return count


def _name_keys(clip: Clip) -> list[tuple[str, str]]:
    """Names to look a clip up by, strongest first."""
    keys = []
    if clip.url:
        base = clip.url.replace("\\", "/").rsplit("/", 1)[-1]
        keys.append((base.lower(), "file name in its media path"))
    if clip.name:
        keys.append((clip.name.strip().lower(), "clip name"))
    if clip.reel:
        keys.append((clip.reel.strip().lower(), "reel name"))
    return [(k, how) for k, how in dict.fromkeys(keys) if k]


def _lookup(key: str, how: str, sources: Sources) -> tuple[str, ...]:
    """Files whose name (or stem) is ``key``; a reel is a stem, maybe cut to 8 characters."""
    if how == "reel name":
        return sources.by_stem.get(key) or _truncated_reel(key, sources)
    stem = key.rsplit(".", 1)[0]
    return sources.by_name.get(key) or sources.by_stem.get(key) or sources.by_stem.get(stem, ())


def _truncated_reel(reel: str, sources: Sources) -> tuple[str, ...]:
    """CMX 3600 reels hold 8 characters: a reel of 8 fits stems that begin with it."""
    if len(reel) != 8:
        return ()
    return tuple(p for stem, paths in sources.by_stem.items() if stem.startswith(reel)
                 for p in paths)  # fmt: skip


def _kind_fits(clip: Clip, found: tuple[str, ...], sources: Sources) -> tuple[str, ...]:
    """Those of the right kind for the clip's track (all of them if none is)."""
    fitting = tuple(p for p in found if sources.files[p].kind in _FITS[clip.kind])
    return fitting or found


def needs_span(fit: _Fit, sources: Sources) -> list[str]:
    """The candidate videos whose timecode span the decision needs."""
    if fit.how == "media path" or not fit.paths:
        return []
    if len(fit.paths) == 1 and fit.how == "file name in its media path":
        return []
    return [p for p in fit.paths if sources.files[p].kind is MediaKind.VIDEO]


def decide(clip: Clip, fit: _Fit, span_of: Callable[[str], Span | None]) -> Resolution:
    """The clip's source from its candidates and their spans (None: not known)."""
    if clip.generator:
        return Resolution(clip, how="generated by the edit")
    if not fit.paths:
        return Resolution(clip, why=f"no scanned file fits ({fit.tried})")
    checked = []
    for path in fit.paths:
        span = span_of(path)
        if span is None or span.holds(clip.source_in, clip.source_out, clip.source_rate):
            checked.append((path, span is not None))
    if not checked:
        tc_in, tc_out = clip.source_tc()
        why = (f"{_listed(fit.paths)} fit by {fit.how}, but none holds its source timecode "
               f"{tc_in}-{tc_out}")  # fmt: skip
        return Resolution(clip, why=why, candidates=fit.paths)
    if len(checked) > 1:
        return Resolution(clip, why=f"{len(checked)} scanned files fit it equally "
                          f"({_listed(p for p, _ in checked)})",
                          candidates=tuple(p for p, _ in checked))  # fmt: skip
    path, by_tc = checked[0]
    return Resolution(clip, source=path, how=f"{fit.how} and source timecode" if by_tc else fit.how)


def _listed(paths: Iterable[str]) -> str:
    items = list(paths)
    shown = ", ".join(items[:3])
    return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")
