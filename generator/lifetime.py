"""The processes a build starts (worker processes, the PDF helper) never outlive it.

Ctrl-C reaches only the `rehab` process (they ignore it), which stops them when it stops for
any reason (Ctrl-C, TERM, an error); and one whose parent dies without a word (kill -9) goes
with it (Linux: the kernel's parent-death signal; elsewhere a watch on the parent, twice a
second). Small on purpose: the PDF helper imports it before anything else of the build.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

# What stops a build: Ctrl-C, TERM (`kill`, a timeout) and HUP (a closed terminal).
STOPS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
              if hasattr(signal, name))
_PR_SET_PDEATHSIG = 1


def tie_to_build(builder: int) -> None:
    """First thing in a process the build started: Ctrl-C is the build's to decide, TERM and
    HUP do what they do by default (not the build's handlers a fork copied), none is held;
    and the process ends when the build does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for stop in set(STOPS) - {signal.SIGINT}:
        signal.signal(stop, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)
    _die_with_parent(builder)


def _die_with_parent(builder: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    parent = os.getppid()
    if parent != builder and not _alive(builder):  # (a forkserver's worker has another parent)
        os._exit(1)  # the build died before this process was set up

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)  # the parent went without stopping us

    threading.Thread(target=watch, daemon=True, name="rehab-parent-watch").start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
