"""Steps a Ctrl-C or SIGTERM must not cut in two (:mod:`generator.interrupts`), and the package build's use of them."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from conftest import make_document
from generator import package
from generator.builders import Planned
from generator.interrupts import deferred


@pytest.fixture(autouse=True)
def ctrl_c_raises():
    """Ctrl-C raises ``KeyboardInterrupt`` here, as in a terminal: CI (and ``nohup … &``, any background job of a
    shell) starts the tests with Ctrl-C ignored, which every process inherits."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _as_from_a_terminal() -> None:
    """A child's Ctrl-C handling as a terminal's command has it (see :func:`ctrl_c_raises`)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_a_ctrl_c_inside_the_block_is_raised_after_it():
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)                        # the handler would have run here
            steps.append("after the signal")
        steps.append("never")
    assert steps == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_sigterm_handler_is_called_once_after_the_block_and_restored(monkeypatch):
    calls = []
    monkeypatch.setattr(signal, "SIGTERM", signal.SIGTERM)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: calls.append((signum, len(steps))))
    steps = []
    try:
        with deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.01)
            steps.append(1)
        assert calls == [(signal.SIGTERM, 1)]
        assert signal.getsignal(signal.SIGTERM) is not None and signal.getsignal(signal.SIGTERM) != signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_an_ignored_signal_stays_ignored_and_handlers_are_restored_when_the_block_raises():
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with pytest.raises(ValueError):
            with deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.01)
                raise ValueError("the block's own error")
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_ctrl_c_while_the_handlers_are_put_back_leaves_no_signal_held(monkeypatch):
    """A Ctrl-C right after SIGINT's handler is back, before SIGTERM's is (found by the tester, by this simulation):
    the Ctrl-C is raised there, and SIGTERM's handler was left holding signals for the rest of the command, so a
    later SIGTERM was swallowed. Now a holder that outlives its block hands the signal on at once."""
    import generator.interrupts as interrupts
    calls = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: calls.append(signum))
    real = signal.signal

    def put_back(sig, handler):
        done = real(sig, handler)
        if sig == signal.SIGINT and handler is signal.default_int_handler:
            raise KeyboardInterrupt                 # the Ctrl-C that arrives just then
        return done

    try:
        with pytest.raises(KeyboardInterrupt):
            with deferred():
                monkeypatch.setattr(interrupts.signal, "signal", put_back)
        monkeypatch.setattr(interrupts.signal, "signal", real)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)
        assert calls == [signal.SIGTERM]
    finally:
        monkeypatch.setattr(interrupts.signal, "signal", real)
        signal.signal(signal.SIGTERM, previous)


def test_outside_the_main_thread_the_block_just_runs():
    ran = []

    def other():
        with deferred():
            ran.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert ran == [signal.default_int_handler]


def _rendering_workers(wrote: list, on_submit=None):
    """Render processes already started (what :class:`package.Workers` gives :func:`package.build`) whose every job
    renders 0.4 s after it is submitted, in a thread: it writes its first file if its folder still exists, records
    in ``wrote`` whether it did, and finishes. ``on_submit()`` runs inside ``submit()``, the job registered."""

    class Pool:
        def submit(self, fn, job):
            future = Future()
            future.set_running_or_notify_cancel()   # as the pool's queue does once a process may take the job
            first = Path(job[2][0][1])

            def render():                           # the render process
                time.sleep(0.4)
                wrote.append(first.parent.is_dir())
                if first.parent.is_dir():
                    first.write_bytes(b"rendered")
                future.set_result([])

            threading.Thread(target=render, daemon=True).start()
            if on_submit is not None:
                on_submit()
            return future

    class Started:
        pool = Pool()

        def release(self):
            pass

    return Started()


def _nothing_left(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith((".tmp-", ".old-"))]


def test_ctrl_c_inside_submit_still_waits_for_the_submitted_job(tmp_path):
    """Found by CI: Ctrl-C while ``ProcessPoolExecutor.submit`` waited for the fork server (the job already
    registered in the pool) left the job unrecorded; the stopped build removed its folder without waiting, the job
    then wrote the first document's files into a new ``.tmp-`` folder beside the package. Now the job is recorded,
    the build waits for it, then removes the folder: the job writes into the folder while it exists, nothing is
    left, and the Ctrl-C is still raised."""
    wrote = []

    def ctrl_c():                                   # the user presses Ctrl-C while submit() still runs
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)

    planned = [Planned("doc-0", "test", make_document(), [])]
    with pytest.raises(KeyboardInterrupt):
        package.build(planned, tmp_path / "pkg", package.Options(formats=("docx",), jobs=2),
                      {"date": "2021-08-31"}, workers=_rendering_workers(wrote, ctrl_c))
    time.sleep(0.5)
    assert wrote == [True]
    assert _nothing_left(tmp_path)


def test_a_second_ctrl_c_while_the_stopped_build_waits_for_its_jobs_leaves_nothing(tmp_path, monkeypatch):
    """Ctrl-C, then Ctrl-C again while the stopped build waits for the job already rendering (found by the tester: 3
    of 8 double stops left a ``.tmp-`` folder with the rendered files): the second is raised once the job is done
    and the folder removed; the job wrote while its folder existed, nothing is left."""
    wrote = []
    pickled = package._pickled

    def interrupted(document):
        if document.title == "second":              # the user presses Ctrl-C, and again 0.1 s later
            threading.Timer(0.1, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT)).start()
            raise KeyboardInterrupt
        return pickled(document)

    monkeypatch.setattr(package, "_pickled", interrupted)
    second = make_document(6)
    second.title = "second"
    planned = [Planned("doc-0", "test", make_document(), []), Planned("doc-1", "test", second, [])]
    with pytest.raises(KeyboardInterrupt):
        package.build(planned, tmp_path / "pkg", package.Options(formats=("docx",), jobs=2),
                      {"date": "2021-08-31"}, workers=_rendering_workers(wrote))
    time.sleep(0.5)
    assert wrote == [True]
    assert _nothing_left(tmp_path)


def test_ctrl_c_while_the_package_is_replaced_keeps_a_package_in_place(tmp_path, monkeypatch):
    """Ctrl-C between moving the previous package aside and moving the new one in: the package's folder was
    missing (and the next build removed the previous one as debris). Now the replacement completes, the zip is
    published with it, and the Ctrl-C is raised after."""
    planned = [Planned("doc-0", "test", make_document(), [])]
    options = package.Options(formats=("docx",), jobs=1)
    destination = tmp_path / "pkg"
    package.build(planned, destination, options, {"date": "2021-08-31"})
    replace = os.replace
    moves = []

    def interrupted_replace(source, target):
        replace(source, target)
        moves.append(Path(target).name)
        if Path(target).name.startswith(".old-"):
            os.kill(os.getpid(), signal.SIGINT)      # after the previous package is moved aside
            time.sleep(0.01)

    monkeypatch.setattr(package.os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        package.build([Planned("doc-0", "test", make_document(6), [])], destination, options, {"date": "2021-08-31"})
    monkeypatch.setattr(package.os, "replace", replace)
    assert moves[-3].startswith(".old-pkg~") and moves[-2:] == ["pkg", "pkg.zip"]
    assert (destination / "doc-0.docx").is_file() and (tmp_path / "pkg.zip").is_file()
    assert _nothing_left(tmp_path)


#: What every command script of :func:`_stopped` starts with (what its code may use) and ends with (its command
#: ``stops`` registered and the command line run through ``cli.run``, as ``gosprog`` runs).
_SCRIPT_HEAD = """import os
import signal
import sys
import time
import click
from generator import cli
"""
_SCRIPT_TAIL = """
sys.modules["stopping_command"] = type(sys)("stopping_command")
sys.modules["stopping_command"].stops = stops
cli.register("stops", "stopping_command:stops")
cli.run(prog_name="gosprog")
"""


def _stopped(command: str, *args: str, status: int, said: str):
    """Run ``command`` (code defining the click command ``stops``) as a gosprog command, as a terminal would; it must
    end with ``status`` and print ``said`` alone on standard error, with no traceback. Returns the finished process."""
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", _SCRIPT_HEAD + command + _SCRIPT_TAIL, *args], cwd=root,
                          capture_output=True, text=True, timeout=60, preexec_fn=_as_from_a_terminal)
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert done.stderr.strip() == said
    return done


_WRAPPED_CTRL_C = '''

class Stops:
    def __set_name__(self, owner, name):
        os.kill(os.getpid(), signal.{stop})      # Ctrl-C or SIGTERM while a module being imported defines its classes
        time.sleep(1)

@click.command("stops")
def stops():
    class Finding:                   # Python 3.11 wraps it: RuntimeError: Error calling __set_name__ ...
        figures = Stops()
'''


@pytest.mark.parametrize("stop, lang, status, said", [("SIGINT", "ru", 1, "Прервано."), ("SIGINT", "en", 1, "Aborted!"),
                                                      ("SIGTERM", "ru", 143, "")])
def test_ctrl_c_inside_an_import_is_said_as_a_ctrl_c_not_a_traceback(stop, lang, status, said):
    """Ctrl-C while a command imports its modules (the first quarter second of ``gosprog build``): Python raises it
    inside the import's machinery, which wraps it in another exception; the user got a traceback ending in
    «RuntimeError: Error calling __set_name__ on 'Field' instance 'figures' in 'Finding'». Now it ends as a Ctrl-C
    that click sees: its message, status 1 (SIGTERM: 143, silent, as when it is raised elsewhere)."""
    done = _stopped(_WRAPPED_CTRL_C.replace("{stop}", stop), "--lang", lang, "stops", status=status, said=said)
    assert "RuntimeError" not in done.stderr


def test_ctrl_c_while_the_render_processes_start_still_closes_them(tmp_path, monkeypatch):
    """Ctrl-C right after ``build --full`` started its render processes, before it registered their closing: the
    command ended while they were still being started, and one printed a traceback (the pool's semaphore was gone
    with this process). Now they are closed (every process ended) before the command ends, and it says «Прервано.»."""
    import multiprocessing

    from click.testing import CliRunner

    from generator.cli import main
    made = []

    class Interrupted(package.Workers):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)

    monkeypatch.setattr(package, "Workers", Interrupted)
    root = Path(__file__).resolve().parents[1]
    result = CliRunner().invoke(main, ["build", str(root / "data" / "social-support-vologda"), "--out",
                                       str(tmp_path / "out"), "--full", "--jobs", "2", "--quiet"])
    assert result.exit_code == 1 and "Прервано." in result.output, result.output
    assert len(made) == 1 and made[0].pool is None              # closed: its processes waited for
    assert not multiprocessing.active_children()
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.pdf"))


_IGNORED_STOP = '''

class Dropped:
    def __del__(self):              # where Python runs a signal's handler but cannot raise what it raises
        os.kill(os.getpid(), signal.{stop})
        time.sleep(1)

@click.command("stops")
def stops():
    Dropped()
    time.sleep(0.2)
    click.echo("went on")
'''


@pytest.mark.parametrize("stop, status, said", [("SIGINT", 1, "Прервано."), ("SIGTERM", 143, "")])
def test_a_stop_python_could_not_raise_inside_a_callback_still_stops_the_command(stop, status, said):
    """Ctrl-C or SIGTERM handled while Python ran a callback that cannot raise (seen: a weak reference's callback
    of the import system, during the first half second of ``gosprog build``): Python printed «Exception ignored
    in: …» and a traceback, and the build went on and published its package with status 0. Now the signal is
    sent again and stops the command: its usual message and status, no traceback."""
    done = _stopped(_IGNORED_STOP.replace("{stop}", stop), "stops", status=status, said=said)
    assert "went on" not in done.stdout


_STOP_KEPT_AS_TEXT = """

@click.command("stops")
def stops():
    try:
        os.kill(os.getpid(), signal.{signal})
        time.sleep(0.5)
    except BaseException as exc:               # a library building its schema keeps only the text of what it met
        said = f"Error building validator: {type(exc).__name__}"
    raise ValueError(said)
"""


@pytest.mark.parametrize("stop, status, said", [("SIGINT", 1, "Прервано."), ("SIGTERM", 143, "")])
def test_a_stop_a_library_kept_only_as_text_still_ends_as_a_stop(stop, status, said):
    """Found by the tester: SIGTERM (or Ctrl-C) while pydantic built the data schema's validators came out as
    pydantic-core's ``SchemaError`` naming the stop only in its text: a traceback, status 1. The command's handlers
    record the stops they raise, so the error is still ended as the stop: «Прервано.» and 1, or 143."""
    done = _stopped(_STOP_KEPT_AS_TEXT.replace("{signal}", stop), "stops", status=status, said=said)
    assert "ValueError" not in done.stderr
