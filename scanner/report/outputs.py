"""Every report format and where each report of a run goes: the format named before a path
(``sarif:out.json``), else by the path's extension, else by ``--format``; ``-`` is stdout.

One scan feeds every output: :func:`chunks` renders one report in one format, as pieces to
write as they are made, so the caller writes several formats from the same results without
scanning again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from provscan.limits import Limits
from provscan.model import Report
from provscan.report import to_csv, to_github, to_gitlab, to_json, to_junit, to_sarif, to_text

FORMATS = ("text", "json", "junit", "sarif", "csv", "html", "github", "gitlab")
# What an extension says of a report's format (first: the one it means when nothing else
# is said); an extension not listed says nothing.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    ".txt": ("text", "github"),
    ".text": ("text", "github"),
    ".log": ("text", "github"),
    ".json": ("json", "sarif", "gitlab"),
    ".sarif": ("sarif",),
    ".xml": ("junit",),
    ".junit": ("junit",),
    ".csv": ("csv",),
    ".html": ("html",),
    ".htm": ("html",),
}
STDOUT = "-"


class OutputError(ValueError):
    """An output that cannot be used as given (one line naming it)."""


@dataclass(frozen=True, slots=True)
class Output:
    """One report of a run: its format, and its file (None: standard output)."""

    format: str
    path: Path | None = None

    @property
    def label(self) -> str:
        """How messages name it."""
        return "stdout" if self.path is None else str(self.path)


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """What shapes the reports besides the results: the text report's focus and colour,
    the base CI paths are relative to, SARIF's info results, the HTML pictures' limits."""

    show: str = "all"
    color: bool = False
    base: Path | None = None
    sarif_info: bool = False
    limits: Limits | None = None


def outputs(specs: Sequence[str], asked: str | None) -> list[Output]:
    """The reports ``-o`` asks for (``asked``: ``--format``, or None); with no ``-o``, one
    report on stdout. OutputError for an unknown format, an extension that contradicts
    ``--format``, a file named twice, or two reports on stdout."""
    if not specs:
        return [Output(asked or "text")]
    found = [_output(spec, asked) for spec in specs]
    seen: set[str] = set()
    for out in found:
        if out.label in seen:
            raise OutputError(f"{out.label}: --output names it twice (one report per file)")
        seen.add(out.label)
    return found


def _output(spec: str, asked: str | None) -> Output:
    named, sep, rest = spec.partition(":")
    if sep and named.lower() in FORMATS and rest:
        return Output(named.lower(), None if rest == STDOUT else Path(rest))
    if spec == STDOUT:
        return Output(asked or "text")
    path = Path(spec)
    meant = format_of(path)
    if asked is not None:
        if meant and asked not in meant:
            raise OutputError(
                f"{spec}: --format {asked} contradicts the extension {_suffix(path)} (a "
                f"{' or '.join(meant)} report); write {asked}:{spec} to mean it"
            )
        return Output(asked, path)
    if not meant:
        known = ", ".join(sorted(EXTENSIONS))
        raise OutputError(f"{spec}: the extension does not say which report to write "
                          f"({known}); add --format, or write FORMAT:{spec}")  # fmt: skip
    return Output(meant[0], path)


def format_of(path: PurePath) -> tuple[str, ...]:
    """The formats a file name's extension stands for (``x.sarif.json`` is SARIF)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-2:] == [".sarif", ".json"]:
        return ("sarif",)
    return EXTENSIONS.get(suffixes[-1], ()) if suffixes else ()


def _suffix(path: PurePath) -> str:
    return path.suffix or "(none)"


def chunks(report: Report, fmt: str, options: RenderOptions) -> Iterator[str]:
    """The report in ``fmt``, in pieces to write as they come (JSON a file at a time)."""
    if fmt == "json":
        yield from to_json.iter_chunks(report)
    elif fmt == "text":
        yield to_text.render(report, color=options.color, show=options.show)
    elif fmt == "html":
        yield _html(report, options)
    elif fmt == "csv":  # the BOM tells spreadsheet programs it is UTF-8
        yield "\ufeff" + to_csv.render(report)
    elif fmt == "junit":
        yield to_junit.render(report)
    elif fmt == "sarif":
        yield to_sarif.render(report, base=options.base, info=options.sarif_info)
    elif fmt == "github":
        yield from to_github.iter_lines(report, base=options.base)
    elif fmt == "gitlab":
        yield to_gitlab.render(report, base=options.base)
    else:
        raise OutputError(f"{fmt}: not a report format ({', '.join(FORMATS)})")


def _html(report: Report, options: RenderOptions) -> str:
    from provscan.pictures.plan import report_pictures  # the picture worker: HTML only
    from provscan.report import to_html

    return to_html.render(report, report_pictures(report, options.limits or Limits()))
