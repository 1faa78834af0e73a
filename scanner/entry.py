"""The console entry point (``provscan``): a Ctrl-C while provscan is still loading its
libraries ends it with one line and exit 130, not a traceback from inside an import;
``provscan --version`` answers before the command line (typer) loads at all, and
``provscan inspect FILE...`` with plain arguments runs without typer (provscan.cli_core)."""

from __future__ import annotations

import gc
import os
import signal
import sys
from types import FrameType


def main() -> None:
    """Load the command line with interrupts answered in one line, then run it."""
    if sys.argv[1:] == ["--version"]:
        from provscan import __version__

        sys.stdout.write(f"provscan {__version__}\n")
        return
    # Loading makes tens of thousands of objects that live as long as the process; the cycle
    # collector would only walk them again and again (start-up). A plain inspect keeps it off
    # (see cli_core.run_plain); every other command turns it on once the CLI has loaded.
    gc.disable()
    previous = signal.signal(signal.SIGINT, _interrupted_while_loading)
    from provscan import cli_core

    plain = cli_core.plain_inspect(sys.argv[1:])
    if plain is not None:  # typer would parse these arguments the same way: start-up
        signal.signal(signal.SIGINT, previous)
        cli_core.run_plain(*plain)
    from provscan import cli

    gc.enable()
    signal.signal(signal.SIGINT, previous)
    cli.main()


def _interrupted_while_loading(signum: int, frame: FrameType | None) -> None:
    # Nothing has started yet (no worker, no output): nothing to clean up or flush.
    sys.stderr.write("provscan: interrupted\n")
    sys.stderr.flush()
    os._exit(130)
