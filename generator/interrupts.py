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

The command's own handlers (:func:`handle_stops`, installed by :func:`generator.cli.run`) record each stop they
raise, so that a stop a library turned into an error of its own is still ended as a stop (:func:`stop_of`), and one
Python could not raise at all is sent again (:func:`_unraisable`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
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


class Terminated(SystemExit):
    """SIGTERM, raised by the command's handler: the command ends as an exception does, its cleanups run (a build's
    temporary folder is removed, the previous package stays), with status 143 as for the signal itself."""


#: The stop signals this command received (SIGINT, SIGTERM), in order (:func:`stop_of`).
received: list[int] = []


def _terminated(signum, frame) -> None:
    received.append(signum)
    raise Terminated(128 + signum)


def _interrupted(signum, frame) -> None:
    received.append(signum)
    raise KeyboardInterrupt


def handle_stops() -> None:
    """Install the command's stop handlers: SIGTERM ends the command like an exception (:class:`Terminated`); Ctrl-C
    raises ``KeyboardInterrupt`` as Python's own handler does, unless Ctrl-C is ignored (``nohup``, a shell's
    background job: it stays ignored); both are recorded in :data:`received`. Also :func:`_unraisable` as
    ``sys.unraisablehook``. Main thread only (``signal.signal``)."""
    signal.signal(signal.SIGTERM, _terminated)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupted)
    sys.unraisablehook = _unraisable


def stop_of(exc: BaseException) -> BaseException | None:
    """The stop an error ``exc`` of the command comes from: the first one it received (``KeyboardInterrupt`` or
    :class:`Terminated`), None if none. Raised inside a library's machinery, a stop comes out as another error: an
    import wraps it (dataclasses: «RuntimeError: Error calling __set_name__»), pydantic-core keeps only its text
    (a ``SchemaError`` while the data schema is built); any error after a stop is the stop's."""
    if not received:
        return None
    return KeyboardInterrupt() if received[0] == signal.SIGINT else Terminated(128 + received[0])


def _unraisable(hook_args) -> None:
    """``sys.unraisablehook``: a Ctrl-C or SIGTERM whose handler Python ran inside a callback that cannot raise
    (a weak reference's callback during an import, a ``__del__``) was printed as «Exception ignored in: …» with a
    traceback, and the command went on as if nothing had been asked (a build published its package, status 0).
    The signal is sent to the main thread again a moment later (sent at once, its handler would run inside this
    hook, which cannot raise either), so that it stops the command where it can; anything else is printed as
    Python does."""
    if isinstance(hook_args.exc_value, KeyboardInterrupt):
        again = signal.SIGINT
    elif isinstance(hook_args.exc_value, Terminated):
        again = signal.SIGTERM
    else:
        sys.__unraisablehook__(hook_args)
        return
    resend = threading.Timer(0.01, signal.pthread_kill, (threading.main_thread().ident, again))
    resend.daemon = True
    resend.start()
