"""The terminal report in colour: SGR codes on the same words, aligned columns, escaped file
text, and when a stream gets colour (NO_COLOR, FORCE_COLOR, TERM=dumb, not a terminal)."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from provscan.model import Evidence, Finding, Gate, Verdict
from provscan.report import to_text
from provscan.report.to_text import render, wants_color
from provscan.rulebook import by_code

from tests.test_reports import make_report

OWN_SGR = {
    f"\x1b[{';'.join(codes)}m"
    for table in (to_text._VERDICT_STYLE, to_text._GATE_STYLE, to_text._MARK_STYLE)
    for codes in table.values()
} | {"\x1b[1m", to_text.RESET}


class FakeTTY(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _strip(text: str) -> str:
    return to_text.SGR.sub("", text)


def _collapse(text: str) -> str:
    return re.sub(" +", " ", text)


def _heads(text: str) -> list[str]:
    """The file lines (path, format, verdict, gate) of a rendered report."""
    return [line for line in text.splitlines() if "  gate: " in line]


def test_colour_off_is_the_plain_report() -> None:
    """color=False is the default and writes no escape at all (the golden pins its bytes)."""
    plain = render(make_report())
    assert render(make_report(), color=False) == plain and "\x1b" not in plain


def test_colour_paints_verdicts_gates_marks_and_rules() -> None:
    """Verdicts, gates, finding marks, rule codes and the summary's gate line get SGR colours."""
    text = render(make_report(), color=True)
    for painted in (
        "\x1b[1;31mAI-GENERATED\x1b[0m",
        "\x1b[33mAI-SUSPECTED\x1b[0m",
        "\x1b[2mno AI markers found\x1b[0m",
        "gate: \x1b[1;31mFAIL\x1b[0m",
        "gate: \x1b[33mWARN\x1b[0m",
        "gate: \x1b[32mpass\x1b[0m (approved: log entry AI-001, matched by sha256)",
        "  \x1b[1;31mX\x1b[0m \x1b[1mPOL001\x1b[0m AI material",
        "  \x1b[31mx\x1b[0m \x1b[1mGEN001\x1b[0m",
        "  \x1b[33m!\x1b[0m \x1b[1mLOG001\x1b[0m",
        "\x1b[1;31mgate: FAIL (1 fail, 1 warn, 2 pass)\x1b[0m",
    ):
        assert painted in text, painted


def test_colour_keeps_every_word_of_the_plain_report() -> None:
    """Colour text minus SGR codes and padding is the plain text: colour never stands alone."""
    plain = render(make_report())
    coloured = render(make_report(), color=True)
    assert _strip(coloured) != plain  # the columns are aligned
    assert _collapse(_strip(coloured)) == _collapse(plain)


def test_colour_aligns_formats_verdicts_and_gates() -> None:
    """Every file line puts its format, verdict and "gate:" in the same columns."""
    heads = _heads(_strip(render(make_report(), color=True)))
    assert len(heads) == 4
    for column in ("[jpeg]", "gate: "):
        assert len({line.index(column) for line in heads}) == 1, column
    verdicts = {line.index(w) for line in heads for w in ("AI-", "no AI") if w in line}
    assert len(verdicts) == 1


def test_path_column_is_capped_and_long_paths_kept_whole() -> None:
    """A path longer than the cap is printed whole; it does not widen every other line."""
    report = make_report()
    long = "deliveries/" + "x" * 80 + ".jpg"
    report = replace(report, files=(*report.files, replace(report.files[0], path=long)))
    heads = _heads(_strip(render(report, color=True)))
    assert heads[-1].startswith(long + "  [jpeg]")
    assert heads[0].index("[jpeg]") == to_text.PATH_COLUMN_MAX + 2


def test_hostile_file_text_is_escaped_in_colour() -> None:
    """ESCs in a file name or message are escaped: the only raw ESCs are the renderer's SGR."""
    report = make_report()
    evidence = Evidence("GEN001", "prompt \x1b]0;pwned\x07 \x1b[2J", "parameters", "p")
    finding = Finding(by_code()["GEN001"], evidence, "7f" * 12)
    hostile = replace(report.files[1], path="evil\x1b[31m.jpg", findings=(finding,))
    text = render(replace(report, files=(hostile,)), color=True)
    assert "evil\\x1b[31m.jpg" in text and "evil\x1b" not in text
    assert "prompt \\x1b]0;pwned\\x07 \\x1b[2J" in text
    for sgr in OWN_SGR:
        text = text.replace(sgr, "")
    assert "\x1b" not in text and "\x07" not in text


def test_hostile_log_and_approval_text_is_escaped() -> None:
    """Text from the AI-use log (an entry id, the log's path) is escaped too, colour or not."""
    report = make_report()
    approved = replace(report.files[0], approval="AI-\x1b[8m1")
    log = replace(report.log, path="ai\x1b[2J.toml") if report.log else None
    report = replace(report, files=(approved,), log=log)
    for color in (False, True):
        text = render(report, color=color)
        assert "log entry AI-\\x1b[8m1" in text and "ai\\x1b[2J.toml" in text
        for sgr in OWN_SGR:
            text = text.replace(sgr, "")
        assert "\x1b" not in text


def test_every_verdict_and_gate_has_a_style() -> None:
    """No verdict or gate word is left without a colour (nor a colour without its word)."""
    assert set(to_text._VERDICT_STYLE) == {v.value for v in Verdict} == set(to_text._VERDICT_WORDS)
    assert set(to_text._GATE_STYLE) == {g.value for g in Gate} == set(to_text._GATE_WORDS)


@pytest.fixture()
def colour_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment with no colour preference and a capable terminal type."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    return monkeypatch


def test_wants_color_on_a_terminal_only(colour_env: pytest.MonkeyPatch) -> None:
    """A terminal gets colour; a pipe or file (not a tty) does not."""
    assert wants_color(FakeTTY()) is True
    assert wants_color(io.StringIO()) is False


def test_wants_color_honours_no_color(colour_env: pytest.MonkeyPatch) -> None:
    """A non-empty NO_COLOR turns colour off; an empty one does not (no-color.org)."""
    colour_env.setenv("NO_COLOR", "1")
    assert wants_color(FakeTTY()) is False
    colour_env.setenv("NO_COLOR", "")
    assert wants_color(FakeTTY()) is True


def test_wants_color_off_for_a_dumb_terminal(colour_env: pytest.MonkeyPatch) -> None:
    """TERM=dumb cannot show SGR codes: no colour."""
    colour_env.setenv("TERM", "dumb")
    assert wants_color(FakeTTY()) is False


def test_force_color_wins(colour_env: pytest.MonkeyPatch) -> None:
    """A non-empty FORCE_COLOR gives colour even to a pipe, with NO_COLOR set or TERM=dumb."""
    colour_env.setenv("FORCE_COLOR", "1")
    colour_env.setenv("NO_COLOR", "1")
    colour_env.setenv("TERM", "dumb")
    assert wants_color(io.StringIO()) is True
    colour_env.setenv("FORCE_COLOR", "")
    assert wants_color(FakeTTY()) is False
