"""The README (and the pages under docs/) say what the tool does: every `provscan` command of
their `sh` blocks that names the sample runs (exit 0 or 1, never a usage or internal
error), the quick start's sample output is what `./dev sample` prints, the JSON schema
version they quote is the one the tool writes, and their relative links lead somewhere."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO

PROVSCAN = Path(sys.executable).parent / "provscan"
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SAMPLE = FIXTURES / "sample"


def _dev_sample() -> list[str]:
    """The arguments `./dev sample` gives provscan, read from the dev script itself."""
    line = next(
        ln for ln in (REPO / "dev").read_text().splitlines() if ln.strip().startswith("sample)")
    )
    words = shlex.split(line.split('/bin/provscan"', 1)[1].split(";;")[0])
    return [w for w in words if w != "$@"]


DEV_SAMPLE = _dev_sample()
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def fenced(text: str, language: str) -> list[str]:
    """The bodies of the page's fenced blocks of ``language``."""
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S)


def commands(page: Path) -> list[str]:
    """The `provscan ...` lines of a page's sh blocks that name the sample, and `provscan
    rules` lines (the others name placeholders such as DELIVERY, or change the user's trust
    lists)."""
    lines = []
    for block in fenced(page.read_text(encoding="utf-8"), "sh"):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith(("provscan rules", "provscan ")) and (
                "fixtures/sample" in line or line.startswith("provscan rules")
            ):
                lines.append(line)
    return lines


def test_the_pages_name_runnable_commands() -> None:
    """The README holds the five everyday commands and the multi-report scan, all runnable."""
    readme = commands(REPO / "README.md")
    verbs = {shlex.split(line)[1] for line in readme}
    assert {"scan", "inspect", "log", "rules"} <= verbs
    assert any(" -o " in line for line in readme)


@pytest.mark.parametrize(
    "line",
    [pytest.param(line, id=f"{page.name}:{n}") for page in PAGES
     for n, line in enumerate(commands(page))],
)  # fmt: skip
def test_documented_command_runs(line: str, tmp_path: Path) -> None:
    """A documented command run as written (from a folder holding the sample, so reports
    land there): exit 0 or 1, no usage error, no internal error; its reports are written."""
    shutil.copytree(SAMPLE, tmp_path / "fixtures" / "sample")
    argv, _, redirect = line.partition(" > ")
    args = shlex.split(argv)[1:]
    if "--baseline" in args:  # the baseline the page wrote just before
        at = args.index("--baseline")
        first = [str(PROVSCAN), *args[:at], "--write-baseline", args[at + 1]]
        done = subprocess.run(first, cwd=tmp_path, capture_output=True, timeout=600, check=False)
        assert done.returncode in (0, 1)
    result = subprocess.run([str(PROVSCAN), *args], cwd=tmp_path, capture_output=True,
                            text=True, timeout=600, check=False)  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if redirect:
        (tmp_path / redirect.strip()).write_text(result.stdout)
    for i, arg in enumerate(args):
        if arg in ("-o", "--output", "--write-baseline") and ":" not in args[i + 1]:
            assert (tmp_path / args[i + 1]).stat().st_size > 0


def _excerpt_matches(excerpt: list[str], printed: list[str]) -> list[str]:
    """The excerpt's lines not found, in order, among the printed lines ("..." skips any
    number of lines; a line ending in "..." matches a printed line that starts with it)."""
    missing, at = [], 0
    for line in excerpt:
        if line == "...":
            continue
        prefix = line[:-3] if line.endswith("...") else None
        for j in range(at, len(printed)):
            if printed[j] == line or (prefix is not None and printed[j].startswith(prefix)):
                at = j + 1
                break
        else:
            missing.append(line)
    return missing


def test_quick_start_output_is_what_dev_sample_prints(tmp_path: Path) -> None:
    """The quick start's sample output is an excerpt of what ./dev sample prints, line for
    line and in order; the multi-report example's stderr line is the tool's."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = fenced(readme, "text")
    printed = subprocess.run([str(PROVSCAN), *DEV_SAMPLE, "-q"], cwd=REPO, capture_output=True,
                             text=True, timeout=600, check=False)  # fmt: skip
    assert printed.returncode == 1
    sample = blocks[0].splitlines()
    assert len(sample) > 15
    assert _excerpt_matches(sample, printed.stdout.splitlines()) == []
    shutil.copytree(SAMPLE, tmp_path / "fixtures" / "sample")
    line = next(c for c in commands(REPO / "README.md") if " -o " in c)
    ran = subprocess.run([str(PROVSCAN), *shlex.split(line)[1:]], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    said = next(b for b in blocks if b.startswith("provscan: gate"))
    assert _excerpt_matches(said.splitlines(), ran.stderr.splitlines()) == []


def test_quoted_schema_version_is_the_tools() -> None:
    """Every `"schema_version": "X"` the pages quote is the version the tool writes."""
    result = subprocess.run([str(PROVSCAN), "scan", str(SAMPLE / "delivery"), "--no-trace",
                             "-f", "json"], capture_output=True, text=True, timeout=600,
                            check=False)  # fmt: skip
    version = json.loads(result.stdout)["schema_version"]
    quoted = [(page.name, v) for page in PAGES
              for v in re.findall(r'"schema_version": "([0-9.]+)"', page.read_text())]  # fmt: skip
    assert quoted and all(v == version for _, v in quoted), quoted


def test_relative_links_lead_to_files() -> None:
    """Every relative link and picture of the pages names a file or folder that exists."""
    broken = []
    for page in PAGES:
        text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
        for target in _LINK.findall(text):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.name}: {target}")
    assert broken == []


def test_readme_is_for_users() -> None:
    """The README stays short and keeps its sections for users; the logs and figures moved
    to docs/ with every picture they show."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    heads = re.findall(r"^## (.+)$", readme, flags=re.M)
    wanted = ["Install", "Quick start", "Five everyday commands", "Reports and CI", "Exit codes"]
    assert [h for h in heads if h in wanted] == wanted and len(readme) < 20_000
    assert "./dev sample" in readme and "./dev test" in readme
    shown = {p.name for p in (REPO / "docs").glob("*.png")}
    linked = {m for page in PAGES for m in re.findall(r"\(([\w-]+\.png)\)", page.read_text())}
    assert shown <= linked
