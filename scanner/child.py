"""What every isolated child process does first, before it touches a file.

A child reads hostile files with native libraries, so it caps its own address space, keeps
the libraries' log lines off the terminal (provscan reports those problems as findings),
and drops a fault handler inherited from its parent: a child killed by a signal is reported
by its supervisor as a finding naming the signal, and a crash dump of a forked pytest or
``python -X faulthandler`` process would otherwise land in the user's terminal or CI log,
looking like a failure of the run. ``PROVSCAN_CHILD_FAULTHANDLER=1`` keeps it, for
debugging a crash in a native library. A child also ignores SIGINT: Ctrl-C reaches every
process of the terminal's foreground group, and only the supervisor decides what an
interrupt means and says it, in one line.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import os
import signal
from collections.abc import Iterator


def quiet_libraries() -> None:
    """Silence library loggers (the CLI's own process does the same).

    Libraries log their complaints about hostile files (Pillow's TIFF plugin, mutagen);
    provscan reports those as findings, so their log lines would only be noise on stderr.
    """
    logging.getLogger().setLevel(logging.CRITICAL)
    logging.getLogger("PIL").setLevel(logging.CRITICAL)


def limit_memory(memory_mb: int) -> None:
    """Cap the process's address space so a memory bomb fails inside it, not the machine."""
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass  # no rlimits on this platform: the time limit still bounds the file


def ignore_interrupts() -> None:
    """SIGINT ignored from now on, then let through (a supervisor holds it back while it
    starts a child: see interrupts_held)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(AttributeError, OSError, ValueError):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """While inside (a child being forked), SIGINT waits: the child inherits the blocked
    signal and ignores it before it lets it through, so an early Ctrl-C can never kill it
    before it is ready; this process gets the interrupt as soon as the block ends."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    except (AttributeError, OSError, ValueError):  # no POSIX signal masks here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def started(memory_mb: int) -> None:
    """The start of every child: no death by Ctrl-C, memory cap, quiet loggers, no inherited
    crash dumps."""
    ignore_interrupts()
    limit_memory(memory_mb)
    quiet_libraries()
    if os.environ.get("PROVSCAN_CHILD_FAULTHANDLER") != "1":
        faulthandler.disable()


def silence(*fds: int) -> None:
    """Point file descriptors at /dev/null: libtiff, libjpeg, FFmpeg, OpenCV and the
    timeline adapters write their complaints about hostile bytes straight to them, through
    the user's progress bar, while provscan reports each problem as a finding."""
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.dup2(null, fd)
        finally:
            os.close(null)
