"""Steps that a Ctrl-C or a SIGTERM must not cut in two.

Python runs a signal's handler in the main thread between two bytecodes, so ``KeyboardInterrupt`` (Ctrl-C) or the
CLI's ``SystemExit(143)`` (SIGTERM, :func:`generator.cli.run`) can be raised anywhere, also between two steps that only
together leave the files consistent. Two were found in the package build (:mod:`generator.package`):

- handing a render job to the process pool and recording its future: ``ProcessPoolExecutor.submit`` registers the
  job and may then wait hundreds of milliseconds for the fork server to start a process; stopped there, the job was
  never recorded, so the stopped build did not wait for it and removed its temporary folder while the job was still
  going to write into it (a ``.tmp-`` folder with the first document's files was left beside the package);
- replacing the package: between moving the previous package aside and moving the new one into its place, the
  package's folder does not exist.

:func:`deferred` holds the signals' handlers back for such a step and runs them, in the order the signals came,
right after it; the step itself is short, or waits for something bounded. The standard library has no such helper
(``signal.pthread_sigmask`` blocks the signal only in the calling thread: the build's other threads would receive it
and Python would still run the handler in the main thread at once).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import Iterator

#: The signals that stop a command: Ctrl-C and ``kill``/a service manager's SIGTERM.
STOPPING = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def deferred(signals: tuple[signal.Signals, ...] = STOPPING) -> Iterator[None]:
    """Run the block with ``signals`` held back: a signal received meanwhile is handled once the block has ended
    (its handler is called then; a signal left at its default action is sent again; an ignored one stays ignored).

    In a thread other than the main one (where Python never runs signal handlers and cannot change them) the block
    simply runs. The handlers in place are restored even if the block raises; a held-back signal's handler then
    raises over the block's exception (as it would have a moment later)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[tuple[int, object]] = []
    previous: dict[int, object] = {}
    holding = [True]

    def hold(signum, frame) -> None:
        if holding[0]:
            received.append((signum, frame))
        else:                                       # the block is over, its handlers not all back yet
            _handle(signum, frame, previous[signum])

    try:
        for sig in signals:
            previous[sig] = signal.signal(sig, hold)
        yield
    finally:
        # From here a signal is handled at once, also by a `hold` not yet replaced: a handler that raises between
        # two of the restorations below (a Ctrl-C just after SIGINT's is back) would otherwise leave SIGTERM held
        # for the rest of the command, and swallowed.
        holding[0] = False
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum, frame in received:
            _handle(signum, frame, previous[signum])


def _handle(signum: int, frame, handler) -> None:
    """What ``handler`` (a signal's handler as ``signal.signal`` returns it) does with ``signum``."""
    if callable(handler):
        handler(signum, frame)                      # e.g. default_int_handler: raises KeyboardInterrupt
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), signum)                # its default action (ends the process), as it would have been
