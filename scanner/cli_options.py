"""The command line's vocabulary: output formats, what fails the gate, and each option's
name, help and bounds (typer annotations), shared by the commands of ``provscan.cli``; and
how help and usage errors read: every value named by a word (TARGET, PATH, N, SECONDS),
flags without a type, choices as ``a|b|c`` in any case, an error in one line."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click.types import ParamType
from typer._types import TyperChoice
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


class OutputFormat(StrEnum):
    """Report formats of ``scan`` (provscan.report.outputs.FORMATS)."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    SARIF = "sarif"
    CSV = "csv"
    HTML = "html"
    GITHUB = "github"
    GITLAB = "gitlab"


class Show(StrEnum):
    """Which files the text report lists (``--show``)."""

    FAIL = "fail"
    WARN = "warn"
    ALL = "all"


class TraceFormat(StrEnum):
    """Output formats of ``trace`` and ``inspect``."""

    TEXT = "text"
    JSON = "json"


class FailOn(StrEnum):
    """What makes ``scan`` exit 1: the level of the findings the gate counts, in the words of
    severities and policy levels (error, warning); ``violation`` is error's former name."""

    ERROR = "error"  # a finding at level error (the gate fails)
    WARNING = "warning"  # a finding at level error or warning (the gate fails or warns)
    NONE = "none"  # never (report only)
    VIOLATION = "violation"  # read as error (hidden from the help)


def at_least(minimum: float, unit: str) -> Any:
    """A typer callback refusing values below ``minimum``, in words."""

    def check(value: float | None) -> float | None:
        if value is not None and value < minimum:
            shown = int(minimum) if float(minimum).is_integer() else minimum
            raise typer.BadParameter(f"{value:g} is too small: at least {shown} {unit}")
        return value

    return check


TargetArg = Annotated[
    Path, typer.Argument(metavar="TARGET", help="A deliverable folder, or one file.")
]
LogOpt = Annotated[
    Path | None,
    typer.Option(
        "--log",
        metavar="PATH",
        help="The production's AI-use log (.toml or .csv) to check against.",
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        callback=at_least(0.1, "second"),
        help="Per-file time limit in seconds (at least 0.1); a file that exceeds it becomes a "
        "finding (SCN008).",
    ),
]
SourcesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--sources",
        metavar="FOLDER",
        help="Project media folder (repeatable): scanned too; its stills with AI evidence are "
        "searched for in the deliverable's videos and stills.",
    ),
]
NoTraceOpt = Annotated[
    bool,
    typer.Option(
        "--no-trace",
        metavar="",
        help="Do not search videos and stills for AI stills (references) by their pixels.",
    ),
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        metavar="N",
        callback=at_least(1, "worker"),
        help="Files analysed in parallel, each in its own worker process (default: all cores; "
        "never more than there are files); the report is identical, in the same order, "
        "whatever the number.",
    ),
]
CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        metavar="PATH",
        help="SQLite catalog (created if missing): unchanged files are not read again, the log "
        "and policy are re-applied to stored evidence, an interrupted scan resumes.",
    ),
]
DaskOpt = Annotated[
    str | None,
    typer.Option(
        "--dask",
        metavar="ADDRESS",
        help="Dask scheduler address (tcp://host:8786): analyse files on that cluster, whose "
        "workers must see the same paths.",
    ),
]
TimelineOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--timeline",
        metavar="EDIT",
        help="The edit of a final (EDL, FCP 7 XML, FCPXML, AAF or OTIO; repeatable): each "
        "clip's source is found among the scanned files and its verdict applied to the clip's "
        "record range in the final named like the timeline, or the one given as EDIT=FINAL "
        "(its path in the deliverable).",
    ),
]
RateOpt = Annotated[
    str | None,
    typer.Option(
        "--rate",
        metavar="FPS",
        help="Frame rate of EDLs (24, 25, 29.97, 30000/1001...): an EDL names none, and "
        "without this one is guessed from its timecodes.",
    ),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        metavar="PATTERN",
        help="Leave out paths matching this gitignore-style pattern (repeatable), e.g. "
        "'*.tmp' or 'previs/'; as a line of the root's .provscanignore.",
    ),
]
NoDefaultExcludesOpt = Annotated[
    bool,
    typer.Option(
        "--no-default-excludes",
        metavar="",
        help="Scan OS and version-control junk too (.DS_Store, ._*, Thumbs.db, .git/...: "
        "left out by default, and listed as skipped).",
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        metavar="",
        help="No progress on stderr (a bar on a terminal, a line every 30 s elsewhere).",
    ),
]
PolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        metavar="PATH",
        help="Policy file (TOML): final-content globs and rule levels.",
    ),
]
TrustOpt = Annotated[
    Path | None,
    typer.Option(
        "--trust-anchors",
        metavar="PEM",
        help="PEM file of C2PA trust anchors (root certificates).",
    ),
]
AllowedOpt = Annotated[
    Path | None,
    typer.Option(
        "--allowed-list",
        metavar="PEM",
        help="PEM file of end-entity certificates trusted as-is.",
    ),
]
TrustCfgOpt = Annotated[
    Path | None,
    typer.Option(
        "--trust-config",
        metavar="PATH",
        help="C2PA trust store config (allowed EKU OIDs).",
    ),
]
NoDefaultTrustOpt = Annotated[
    bool,
    typer.Option(
        "--no-default-trust",
        metavar="",
        help="Trust only what this run is given (--trust-anchors, --allowed-list), not the "
        "bundled and installed trust lists (provscan trust).",
    ),
]


class QueryFormat(StrEnum):
    """Output formats of ``catalog query``."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


class GroupBy(StrEnum):
    """What ``catalog query --count-by`` counts by."""

    TOOL = "tool"
    FOLDER = "folder"
    VERDICT = "verdict"
    GATE = "gate"
    KIND = "kind"
    ROOT = "root"


class _WordArgument(TyperArgument):
    """An argument named by its word (TARGET), with no Python type beside it."""

    def make_metavar(self, ctx: Any, *, usage: bool = False) -> str:
        """TARGET in help; in the usage line also [TARGET] when optional, TARGET... when
        repeated (typer's own: ``{TARGET}``, ``TARGET:<path>``)."""
        name = self.metavar or (self.name or "value").upper()
        if usage and not self.required:
            name = f"[{name}]"
        return name + "..." if usage and self.nargs != 1 else name


class _WordOption(TyperOption):
    """An option whose value is named by a word, a flag by nothing, a choice by its values."""

    def make_metavar(self, ctx: Any) -> str:
        """The option's metavar; a flag's nothing; a choice's values; else its name."""
        if self.metavar is not None:
            return self.metavar
        if self.is_flag:
            return ""
        if isinstance(self.type, TyperChoice):
            shown = [str(getattr(c, "value", c)) for c in self.type.choices]
            return "|".join(s for s in shown if s != FailOn.VIOLATION)
        return (self.name or "value").upper()


class _Unnamed(ParamType):
    """An argument's type that converts as before but names nothing in help: the word
    (TARGET) says it, where typer would add ``<path>`` beside it."""

    def __init__(self, inner: ParamType) -> None:
        self.inner = inner
        self.name = inner.name  # (provscan's arguments are paths, numbers, words: not composite)

    def get_metavar(self, param: Any, ctx: Any) -> str | None:
        """Nothing (not None, which typer would replace by the type's name)."""
        return ""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        """The inner type's conversion."""
        return self.inner.convert(value, param, ctx)


def _in_words(params: list[Any]) -> list[Any]:
    """The parameters, shown by the classes above (they add no state, only how help reads)."""
    for param in params:
        if type(param) is TyperArgument:
            param.__class__ = _WordArgument
            param.metavar = param.metavar or (param.name or "value").upper()
            param.type = param.type if isinstance(param.type, _Unnamed) else _Unnamed(param.type)
        elif type(param) is TyperOption:
            param.__class__ = _WordOption
    return params


class WordsCommand(TyperCommand):
    """A command whose help names values by words (every ``provscan`` command uses it)."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, help option included, shown in words."""
        return _in_words(list(super().get_params(ctx)))


class WordsGroup(TyperGroup):
    """A group of commands (``provscan``, ``provscan log``...) whose help reads in words."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, help option included, shown in words."""
        return _in_words(list(super().get_params(ctx)))


HELP_NAMES = {"help_option_names": ["-h", "--help"]}
_HINT = re.compile(r"^Invalid value for (.+?): ")


def usage_line(exc: Exception) -> str:
    """A usage error in one line: the command, the option and what is wrong, and where the
    help is (``provscan scan: --format: 'xml' is not one of text, json, ...``)."""
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "provscan"
    format_message = getattr(exc, "format_message", None)
    message = format_message() if callable(format_message) else str(exc)
    message = " ".join(message.split())
    hint = _HINT.match(message)
    if hint:
        names = [part.strip().strip("'") for part in hint.group(1).split(" / ")]
        option = next((n for n in names if n.startswith("--")), names[0])
        message = f"{option}: {message[hint.end() :]}"
    message = message.replace("', '", ", ").replace("one of '", "one of ").rstrip(".")
    message = message.replace("'.", "").rstrip("'") if "is not one of" in message else message
    return f"{command}: {message} (see {command} -h)"
