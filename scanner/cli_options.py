"""The command line's vocabulary: output formats, what fails the gate, and each option's
name, help and bounds (typer annotations), shared by the commands of ``provscan.cli``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class OutputFormat(StrEnum):
    """Report formats of ``scan``."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    SARIF = "sarif"
    CSV = "csv"
    HTML = "html"


class TraceFormat(StrEnum):
    """Output formats of ``trace`` and ``inspect``."""

    TEXT = "text"
    JSON = "json"


class FailOn(StrEnum):
    """What makes ``scan`` exit 1."""

    VIOLATION = "violation"  # a file or log finding the policy calls a violation (gate fail)
    WARNING = "warning"  # a violation or a warning (gate warn)
    NONE = "none"  # never (report only)


TargetArg = Annotated[Path, typer.Argument(help="A deliverable folder, or one file.")]
LogOpt = Annotated[
    Path | None,
    typer.Option("--log", help="The production's AI-use log (.toml or .csv) to check against."),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        min=0.1,
        help="Per-file time limit in seconds; a file that exceeds it becomes a finding (SCN008).",
    ),
]
SourcesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--sources",
        help="Project media folder (repeatable): scanned too; its stills with AI evidence are "
        "searched for in the deliverable's videos and stills.",
    ),
]
NoTraceOpt = Annotated[
    bool,
    typer.Option(
        "--no-trace",
        help="Do not search videos and stills for AI stills (references) by their pixels.",
    ),
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        help="Files analysed in parallel, each in its own worker process (default: all cores; "
        "never more than there are files); the report is identical, in the same order, "
        "whatever the number.",
    ),
]
CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        help="SQLite catalog (created if missing): unchanged files are not read again, the log "
        "and policy are re-applied to stored evidence, an interrupted scan resumes.",
    ),
]
DaskOpt = Annotated[
    str | None,
    typer.Option(
        "--dask",
        help="Dask scheduler address (tcp://host:8786): analyse files on that cluster, whose "
        "workers must see the same paths.",
    ),
]
TimelineOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--timeline",
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
        help="Frame rate of EDLs (24, 25, 29.97, 30000/1001...): an EDL names none, and "
        "without this one is guessed from its timecodes.",
    ),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        help="Leave out paths matching this gitignore-style pattern (repeatable), e.g. "
        "'*.tmp' or 'previs/'; as a line of the root's .provscanignore.",
    ),
]
NoDefaultExcludesOpt = Annotated[
    bool,
    typer.Option(
        "--no-default-excludes",
        help="Scan OS and version-control junk too (.DS_Store, ._*, Thumbs.db, .git/...: "
        "left out by default, and listed as skipped).",
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="No progress bar on stderr (it shows only on a terminal)."),
]
PolicyOpt = Annotated[
    Path | None,
    typer.Option("--policy", help="Policy file (TOML): final-content globs and rule levels."),
]
TrustOpt = Annotated[
    Path | None,
    typer.Option("--trust-anchors", help="PEM file of C2PA trust anchors (root certificates)."),
]
AllowedOpt = Annotated[
    Path | None,
    typer.Option("--allowed-list", help="PEM file of end-entity certificates trusted as-is."),
]
TrustCfgOpt = Annotated[
    Path | None,
    typer.Option("--trust-config", help="C2PA trust store config (allowed EKU OIDs)."),
]
NoDefaultTrustOpt = Annotated[
    bool,
    typer.Option(
        "--no-default-trust",
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
