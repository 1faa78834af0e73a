"""The IMF stage of a scan: what each composition (CPL) of an IMF package plays, and from where.

A folder of the deliverable holding an ASSETMAP is an IMF package. Its packing lists and
composition playlists are found by their root element (never by file name), and every
resource's TrackFileId is followed through the ASSETMAP to the scanned file. Then:

* a track file with AI evidence puts an IMF001 on the CPL that plays it, naming the
  sequence and the composition timecode (and where its trace hits land in the composition),
  so the gate approves it by the track file's own log entries, as it does a trace hit;
* every placed track file gets an IMF005 saying where it plays;
* an MXF of the package that no composition plays gets IMF002; a track file that is not in
  the package, or not on disk, gets IMF003 on the CPL; a package document that does not
  parse gets IMF004; a track file whose size is not the PKL's gets IMF006.

Only files the walk already vetted are read (opened with O_NOFOLLOW through
:class:`provscan.asset.Asset`), never written. A hostile package gives findings, never an
exception.
"""

from __future__ import annotations

import math
import posixpath
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from provscan.asset import Asset
from provscan.findings import make_finding
from provscan.imf.package import (
    AssetMap,
    Composition,
    Document,
    ImfError,
    PackingList,
    Placement,
    parse_assetmap,
    parse_document,
    read_capped,
)
from provscan.model import Confidence, Evidence, FileResult, Report, Rule, Verdict
from provscan.paths import content_id, locate
from provscan.results import briefs_named, briefs_of, with_changes
from provscan.rules import imf as rules
from provscan.verdict import with_findings

AI_TRACK = frozenset({Verdict.AI_GENERATED, Verdict.AI_EDITED, Verdict.AI_SUSPECTED})
ASSETMAP_NAMES = frozenset({"assetmap.xml", "assetmap"})
ASSETMAP_WORD = re.compile(rb"(?i)assetmap")  # in every path of ASSETMAP_NAMES (a prefilter)
DELIVERABLE = "deliverable"  # sources and timelines are never packages of the delivery
MAX_REASONS = 3  # deciding evidence messages of a track file repeated in IMF001
MAX_REPEATS = 100  # plays of one placement whose trace hits are listed (RepeatCount is free)


@dataclass(slots=True)
class _Package:
    """One package folder and what of it parsed."""

    folder: str  # report path of the folder ("" for the scan root)
    assetmap_file: FileResult
    assetmap: AssetMap | None = None
    pkls: list[tuple[FileResult, PackingList]] = field(default_factory=list)
    cpls: list[tuple[FileResult, Composition]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # report paths of documents that failed
    missing: dict[str, str] = field(default_factory=dict)  # track file id -> why


@dataclass(frozen=True, slots=True)
class _New:
    """A finding to add: its rule, evidence, and what makes its fingerprint unique."""

    rule: Rule
    evidence: Evidence
    discriminator: str = ""


def apply_imf(report: Report) -> Report:
    """The report with IMF findings on the packages' CPLs, track files and documents, and a
    summary of each package in ``options["imf"]`` (unchanged when there is no package)."""
    clock = time.perf_counter()
    assetmaps = list(_assetmaps(report))
    if not assetmaps:  # decided from the paths alone: no result is read back
        return report
    stage = _Stage(report)
    packages = [stage.load(report.files[index]) for index in assetmaps]
    referenced = stage.place(packages)
    summary = [stage.finish(package, referenced) for package in packages]
    files = stage.files_with_findings()
    seconds = time.perf_counter() - clock
    return replace(
        report,
        files=files,
        duration_s=round(report.duration_s + seconds, 3),
        options={**report.options, "imf": summary},
    )


def _assetmaps(report: Report) -> Iterator[int]:
    """Where the deliverable's ASSETMAP files are in the report, one per folder (the first
    in walk order)."""
    seen: set[str] = set()
    for index, brief in briefs_named(report.files, ASSETMAP_WORD):
        if brief.role != DELIVERABLE:
            continue
        folder, name = posixpath.split(brief.path)
        if name.lower() in ASSETMAP_NAMES and folder not in seen:
            seen.add(folder)
            yield index


class _Stage:
    """One IMF run over a report: reading, resolving and the findings to add."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.by_path = {f.path: f for f in report.files if f.role == DELIVERABLE}
        self.by_lower = {p.lower(): f for p, f in reversed(self.by_path.items())}
        self.added: dict[str, list[_New]] = {}

    # --- phase 1: documents --------------------------------------------------------------

    def load(self, assetmap_file: FileResult) -> _Package:
        """Parse a package's ASSETMAP, then its PKLs and CPLs (found by root element)."""
        folder = posixpath.dirname(assetmap_file.path)
        package = _Package(folder, assetmap_file)
        document = self._parse(assetmap_file, package, parse_assetmap)
        package.assetmap = document if isinstance(document, AssetMap) else None
        listed = self._listed(package)
        for result in self._documents(package, listed):
            failure = self._is_package_doc(result, listed)
            document = self._parse(result, package, parse_document, failure)
            if isinstance(document, PackingList):
                package.pkls.append((result, document))
            elif isinstance(document, Composition):
                package.cpls.append((result, document))
        return package

    def _parse(
        self,
        result: FileResult,
        package: _Package,
        parser: Callable[[bytes, str], Document | None],
        report_failure: bool = True,
    ) -> Document | None:
        """The parsed document, or None (IMF004 when ``report_failure``)."""
        try:
            with Asset(locate(self.report, result), result.path).open() as f:
                data = read_capped(f, _name(result))
            return parser(data, _name(result))
        except ImfError as exc:
            if report_failure:
                self._unreadable(result, package, str(exc))
        except OSError as exc:
            if report_failure:
                self._unreadable(result, package, f"{_name(result)}: cannot be read ({exc})")
        return None

    def _unreadable(self, result: FileResult, package: _Package, message: str) -> None:
        package.failed.append(result.path)
        ev = Evidence(rules.PACKAGE_UNREADABLE.code, message, key="imf", value=_name(result))
        self._add(result, rules.PACKAGE_UNREADABLE, ev)

    def _listed(self, package: _Package) -> dict[str, str]:
        """Report path -> asset id, for the ASSETMAP's assets that resolve to scanned files."""
        out: dict[str, str] = {}
        for asset_id, paths in (package.assetmap.assets if package.assetmap else {}).items():
            result = self.resolve(package.folder, paths[0])
            if result is not None:
                out.setdefault(result.path, asset_id)
        return out

    def _documents(self, package: _Package, listed: dict[str, str]) -> list[FileResult]:
        """The package's XML files but its ASSETMAP: listed in it, or beside it."""
        members = self._members(package, listed)
        return [r for r in members
                if r.path != package.assetmap_file.path and _is_xml(r)]  # fmt: skip

    def _members(self, package: _Package, listed: dict[str, str]) -> list[FileResult]:
        """Files of the package: the ASSETMAP's assets and the files directly in its folder
        (not those of subfolders, which may be packages of their own)."""
        found = {p: self.by_path[p] for p in listed}
        for path, result in self.by_path.items():
            if posixpath.dirname(path) == package.folder:
                found.setdefault(path, result)
        return sorted(found.values(), key=lambda r: r.path)

    def _is_package_doc(self, result: FileResult, listed: dict[str, str]) -> bool:
        """Whether a failure to parse this XML is the package's problem: it is one of the
        package's assets, or named like a CPL or PKL. Other XML beside a package (a sidecar,
        a vendor's notes) is not the IMF stage's to judge."""
        if result.path in listed:
            return True
        return _name(result).lower().startswith(("cpl", "pkl"))

    # --- phase 2: placements -------------------------------------------------------------

    def place(self, packages: list[_Package]) -> set[str]:
        """IMF001, IMF003 and IMF005 for every composition; the report paths it plays.

        An id is looked up in its own package's ASSETMAP first, then in the other packages
        of the scan: a supplemental package plays its original version's track files.
        """
        index = _IdIndex(self, packages)
        referenced: set[str] = set()
        for package in packages:
            for cpl_file, cpl in package.cpls:
                for placement in cpl.resources:
                    track = index.find(package, placement.track_file_id)
                    if isinstance(track, str):
                        self._missing(package, cpl_file, cpl, placement, track)
                        continue
                    referenced.add(track.path)
                    self._placed(cpl_file, cpl, placement, track)
        return referenced

    def _missing(
        self,
        package: _Package,
        cpl_file: FileResult,
        cpl: Composition,
        placement: Placement,
        why: str,
    ) -> None:
        track_id = placement.track_file_id
        if track_id in package.missing:
            return  # once per id: the first placement names where it is missing
        package.missing[track_id] = why
        where = f"{placement.sequence}, segment {placement.segment}"
        message = f"track file {track_id} ({where}) {why}: that part of the composition " \
                  f'"{cpl.title}" was not checked'  # fmt: skip
        details = {"track_file_id": track_id, "sequence": placement.sequence,
                   "segment": placement.segment, "composition": _identity(cpl)}  # fmt: skip
        ev = Evidence(rules.MISSING_TRACK_FILE.code, message, key="track_file_id",
                      value=track_id, details=details)  # fmt: skip
        self._add(cpl_file, rules.MISSING_TRACK_FILE, ev)

    def _placed(
        self, cpl_file: FileResult, cpl: Composition, placement: Placement, track: FileResult
    ) -> None:
        where = _where(cpl, placement)
        coordinates = f"{cpl.id}|{placement.segment}|{placement.sequence}|{placement.resource}"
        info = Evidence(
            rules.PLACED_IN_COMPOSITION.code,
            f'plays in composition "{cpl.title}" ({_name(cpl_file)}) at {where}',
            key="composition",
            value=cpl.id,
            details={**_placement_details(cpl, placement), "cpl": cpl_file.path},
        )
        self._add(track, rules.PLACED_IN_COMPOSITION, info, coordinates)
        if track.verdict in AI_TRACK:
            ev = _ai_track(cpl, placement, track, _rel(cpl_file, track))
            self._add(cpl_file, rules.AI_TRACK_IN_COMPOSITION, ev, coordinates)

    # --- phase 3: package checks and summary ---------------------------------------------

    def finish(self, package: _Package, referenced: set[str]) -> dict[str, Any]:
        """IMF002 and IMF006 for one package; its summary for ``options["imf"]``."""
        listed = self._listed(package)
        unreferenced = self._unreferenced(package, listed, referenced)
        self._sizes(package, listed)
        return {
            "folder": package.folder or ".",
            "assetmap": package.assetmap_file.path,
            "packing_lists": [r.path for r, _ in package.pkls],
            "compositions": [_summary(r, cpl) for r, cpl in package.cpls],
            "unreferenced": unreferenced,
            "missing": [{"id": i, "why": why} for i, why in package.missing.items()],
            "unreadable": package.failed,
        }

    def _unreferenced(
        self, package: _Package, listed: dict[str, str], referenced: set[str]
    ) -> list[str]:
        """IMF002 on the package's MXF files no composition plays (not judged when a CPL or
        the ASSETMAP did not parse: what they play is unknown, and IMF004 already fails)."""
        if package.failed:
            return []
        titles = ", ".join(f'"{cpl.title}"' for _, cpl in package.cpls) or "none"
        out = []
        for result in self._members(package, listed):
            if not _is_mxf(result) or result.path in referenced:
                continue
            out.append(result.path)
            message = (f"no composition of the IMF package {package.folder or '.'} plays this "
                       f"MXF (compositions: {titles})")  # fmt: skip
            ev = Evidence(rules.OUTSIDE_COMPOSITION.code, message, key="package",
                          value=package.folder or ".",
                          details={"asset_id": listed.get(result.path)})  # fmt: skip
            self._add(result, rules.OUTSIDE_COMPOSITION, ev)
        return out

    def _sizes(self, package: _Package, listed: dict[str, str]) -> None:
        """IMF006 on a track file whose size is not what a PKL of the package declares."""
        by_id = {asset_id: path for path, asset_id in listed.items()}
        for pkl_file, pkl in package.pkls:
            for asset_id, packed in pkl.assets.items():
                path = by_id.get(asset_id)
                if path is None or packed.size is None or packed.type == "text/xml":
                    continue  # not here (IMF003 says so if played), or a document, not a track
                result = self.by_path[path]
                if result.size != packed.size:
                    ev = _size_mismatch(result, pkl_file, asset_id, packed.size)
                    self._add(result, rules.PACKAGE_MISMATCH, ev, pkl.id)

    # --- shared ------------------------------------------------------------------------

    def resolve(self, folder: str, path: str) -> FileResult | None:
        """The scanned file an ASSETMAP path names, or None (outside the folder, absent)."""
        rel = _join(folder, path)
        if rel is None:
            return None
        return self.by_path.get(rel) or self.by_lower.get(rel.lower())

    def _add(self, result: FileResult, rule: Rule, ev: Evidence, discriminator: str = "") -> None:
        self.added.setdefault(result.path, []).append(_New(rule, ev, discriminator))

    def files_with_findings(self) -> Sequence[FileResult]:
        """Every file of the report, with its new findings and its verdict decided again."""
        changes = {i: self._with(self.by_path[b.path])
                   for i, b in enumerate(briefs_of(self.report.files))
                   if b.path in self.added and b.role == DELIVERABLE}  # fmt: skip
        return with_changes(self.report.files, changes)

    def _with(self, result: FileResult) -> FileResult:
        identity = content_id(self.report, result)
        new = [make_finding(n.rule, n.evidence, f"{identity}|{n.discriminator}")
               for n in self.added[result.path]]  # fmt: skip
        return with_findings(result, new)


class _IdIndex:
    """Track file id -> the scanned file, or why there is none, across every package."""

    def __init__(self, stage: _Stage, packages: list[_Package]) -> None:
        self.stage, self.packages = stage, packages

    def find(self, package: _Package, track_id: str) -> FileResult | str:
        """The scanned track file, else why it cannot be checked (a phrase)."""
        if package.assetmap is None:
            return "cannot be looked up: the package's ASSETMAP did not parse"
        for other in (package, *(p for p in self.packages if p is not package)):
            paths = other.assetmap.assets.get(track_id) if other.assetmap else None
            if paths is None:
                continue
            result = self.stage.resolve(other.folder, paths[0])
            if result is not None:
                return result
            if other is package:
                return _absent(package.folder, paths[0])
        return "is not in the package's ASSETMAP (a supplemental package may play it from " \
               "its original version, which was not scanned)"  # fmt: skip


def _absent(folder: str, path: str) -> str:
    if _join(folder, path) is None:
        return f"has ASSETMAP path {path!r}, which leaves the package folder"
    return f"is {path} in the ASSETMAP, but that file was not scanned (absent on disk)"


# --- evidence -------------------------------------------------------------------------------


def _ai_track(cpl: Composition, placement: Placement, track: FileResult, name: str) -> Evidence:
    """IMF001: the AI track file, its deciding evidence, and where it plays."""
    reasons = [track.findings[i].evidence.message for i in track.deciding][:MAX_REASONS]
    first = f": {reasons[0]}" if reasons else ""
    message = (f"track file {name} ({track.verdict.value}{first}) plays in composition "
               f'"{cpl.title}" at {_where(cpl, placement)}')  # fmt: skip
    details: dict[str, object] = {
        "reference": track.path,
        "reference_verdict": track.verdict.value,
        "reference_evidence": reasons,
        **_placement_details(cpl, placement),
    }
    hits = list(_hits(cpl, placement, track))
    if hits:
        details["hits"] = hits
    sure = Confidence.LOW if track.verdict is Verdict.AI_SUSPECTED else Confidence.HIGH
    return Evidence(rules.AI_TRACK_IN_COMPOSITION.code, message, key="track_file",
                    value=track.path, confidence=sure, details=details)  # fmt: skip


def _size_mismatch(result: FileResult, pkl_file: FileResult, asset_id: str, size: int) -> Evidence:
    """IMF006: the file's size against the one its packing list declares."""
    message = (f"{result.size} bytes, not the {size} bytes {_name(pkl_file)} declares for "
               f"{asset_id}: not the file that was packaged")  # fmt: skip
    details = {"pkl": pkl_file.path, "asset_id": asset_id, "declared": size,
               "actual": result.size}  # fmt: skip
    return Evidence(rules.PACKAGE_MISMATCH.code, message, key="pkl_size", value=str(size),
                    details=details)  # fmt: skip


def _where(cpl: Composition, placement: Placement) -> str:
    span = f"{cpl.timecode(placement.record_in)}-{cpl.timecode(placement.record_out)}"
    return f"{span} ({placement.sequence}, segment {placement.segment})"


def _placement_details(cpl: Composition, placement: Placement) -> dict[str, object]:
    return {
        "composition": _identity(cpl),
        "sequence": placement.sequence,
        "segment": placement.segment,
        "resource": placement.resource,
        "record_in_tc": cpl.timecode(placement.record_in),
        "record_out_tc": cpl.timecode(placement.record_out),
        "record_in_s": round(cpl.seconds(placement.record_in), 6),
        "record_out_s": round(cpl.seconds(placement.record_out), 6),
        "entry_point": placement.entry_point,
        "source_duration": placement.source_duration,
        "repeat_count": placement.repeat_count,
        "edit_rate": _rate(placement.edit_rate),
    }


def _hits(cpl: Composition, placement: Placement, track: FileResult) -> Iterator[dict[str, object]]:
    """The track file's trace hits (TRC001 ranges, seconds in the file) where they play in
    the composition: parts outside the placed range dropped, once per repeat."""
    first = Fraction(placement.entry_point)
    last = first + placement.source_duration
    for finding in track.findings:
        ranges = finding.evidence.details.get("ranges") if finding.rule.code == "TRC001" else None
        for span in ranges if isinstance(ranges, list) else ():
            units = _span_units(span, placement.edit_rate)
            if units is None or min(units[1], last) <= max(units[0], first):
                continue
            start, end = max(units[0], first), min(units[1], last)
            for repeat in range(min(placement.repeat_count, MAX_REPEATS)):
                record_in = _record(cpl, placement, start, repeat)
                record_out = _record(cpl, placement, end, repeat)
                yield {"reference": finding.evidence.value,
                       "start_tc": cpl.timecode(record_in), "end_tc": cpl.timecode(record_out),
                       "start_s": round(cpl.seconds(record_in), 6),
                       "end_s": round(cpl.seconds(record_out), 6)}  # fmt: skip


def _record(cpl: Composition, placement: Placement, units: Fraction, repeat: int) -> Fraction:
    """A position in the track file (its edit units) as composition edit units, in the
    ``repeat``-th play of the placement."""
    into = units - placement.entry_point + placement.source_duration * repeat
    return placement.record_in + placement.to_composition(into, cpl.edit_rate)


def _span_units(span: object, rate: Fraction) -> tuple[Fraction, Fraction] | None:
    """A trace range (seconds in the file) in the resource's edit units."""
    if not isinstance(span, dict):
        return None
    start, end = span.get("start"), span.get("end")
    if not isinstance(start, int | float) or not isinstance(end, int | float):
        return None
    if not (math.isfinite(start) and math.isfinite(end)):
        return None
    return _seconds(start) * rate, _seconds(end) * rate


def _seconds(value: float) -> Fraction:
    # Trace times are floats from frame times; a bounded denominator keeps them exact enough
    return Fraction(value).limit_denominator(1_000_000)


def _summary(result: FileResult, cpl: Composition) -> dict[str, object]:
    return {
        "file": result.path,
        **_identity(cpl),
        "edit_rate": _rate(cpl.edit_rate),
        "start_timecode": cpl.start_timecode,
        "end_timecode": cpl.timecode(cpl.duration),
        "duration_s": round(cpl.seconds(cpl.duration), 6),
        "duration_tc": cpl.duration_timecode(),
        "resources": len(cpl.resources),
    }


def _identity(cpl: Composition) -> dict[str, str]:
    return {"id": cpl.id, "title": cpl.title}


# --- small helpers ----------------------------------------------------------------------------


def _join(folder: str, path: str) -> str | None:
    """An ASSETMAP path as a report path; None when it leaves the package folder."""
    path = path.strip().replace("\\", "/")
    if not path or path.startswith("/") or "\x00" in path:
        return None
    rel = posixpath.normpath(posixpath.join(folder, path))
    if rel == ".." or rel.startswith("../") or (folder and not rel.startswith(folder + "/")):
        return None
    return rel


def _rel(cpl_file: FileResult, track: FileResult) -> str:
    """The track file's path as seen from its CPL's folder (usually its file name)."""
    return posixpath.relpath(track.path, posixpath.dirname(cpl_file.path) or ".")


def _name(result: FileResult) -> str:
    return posixpath.basename(result.path)


def _is_xml(result: FileResult) -> bool:
    return result.format == "xml" or result.path.lower().endswith(".xml")


def _is_mxf(result: FileResult) -> bool:
    return result.format == "mxf" or result.path.lower().endswith(".mxf")


def _rate(rate: Fraction) -> str:
    return f"{rate.numerator}/{rate.denominator}"
