"""The parallel build (issue 23, point 3): render processes start before the program is read, a document is
one job whose formats share one layout and one plain form, and one Typst font set serves every compile of a
process, with the same bytes as before."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import importlib

from conftest import ROOT, make_document
from generator import model, package
from generator.builders import Planned
from generator.cli import main
from generator.writers import _plain, typst_pdf

cli = importlib.import_module("generator.cli.build")     # the build command's module

DATA = ROOT / "data" / "social-support-vologda"


def test_workers_are_running_while_the_program_is_checked(tmp_path, monkeypatch):
    """The render processes are started (in a thread: the main one goes on reading the data meanwhile)
    before the program is checked, and come up while it is: nothing in the main thread waits for them."""
    seen = []
    original = cli.checked

    def spy(*args, **kwargs):
        deadline = time.monotonic() + 60
        while len(multiprocessing.active_children()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)            # the main thread is held here: the workers start without it
        seen.append(len(multiprocessing.active_children()))
        return original(*args, **kwargs)

    monkeypatch.setattr(cli, "checked", spy)
    result = CliRunner().invoke(main, ["build", str(DATA), "--out", str(tmp_path), "--format", "docx",
                                           "--only", "00-programma-pasport", "--only", "11-podprogramma-1-pasport",
                                           "--jobs", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert seen and seen[0] == 2
    assert "файлов: 2 (собрано заново: 2)" in result.output
    assert not multiprocessing.active_children()        # closed with the command


def test_plain_form_and_layout_computed_once_per_document(tmp_path, monkeypatch):
    """Each document's plain form is computed once (for its PDF), and its tables' print layout once for its
    DOCX, XLSX and PDF together (:func:`generator.model.layout_once`); its input hashes need neither."""
    calls, laid_out = [], []
    original, original_blocks = _plain.plain, model._print_blocks

    def counting(document):
        calls.append(document.title)
        return original(document)

    def counting_blocks(section, style, table_size=None):
        laid_out.append(id(section))
        return original_blocks(section, style, table_size)

    monkeypatch.setattr(_plain, "plain", counting)
    monkeypatch.setattr(model, "_print_blocks", counting_blocks)
    documents = [make_document(), make_document(6)]
    for i, doc in enumerate(documents):
        doc.title = f"Документ {i}"
    planned = [Planned(f"doc-{i}", "test", doc, []) for i, doc in enumerate(documents)]
    manifest = package.build(planned, tmp_path / "pkg", package.Options(jobs=1), {"date": "2021-08-31"})
    assert manifest["rendered"] == 6                         # 2 documents x docx, xlsx, pdf
    assert sorted(calls) == ["Документ 0", "Документ 1"]
    assert len(laid_out) == len(set(laid_out)) == sum(len(doc.sections) for doc in documents)
    assert (tmp_path / "pkg" / "doc-1.pdf").read_bytes().startswith(b"%PDF")


def test_layout_is_kept_only_inside_its_block():
    """Outside :func:`generator.model.layout_once` every question is answered anew (a builder may still change
    its table); inside, the same answer object for the same table and arguments, equal to the fresh one."""
    table = next(make_document().tables())
    fresh = table.fitted_widths(170.0, 12.0)
    assert table.fitted_widths(170.0, 12.0) is not fresh
    with model.layout_once():
        first = table.fitted_widths(170.0, 12.0)
        with model.layout_once():                        # nested: the outer block's answers
            assert table.fitted_widths(170.0, 12.0) is first
        assert first == fresh
        assert table.fitted_widths(160.0, 12.0) != first
    assert table.fitted_widths(170.0, 12.0) is not first
    table.body.append(model.Row([model.Cell("9" * 30)]))   # changed outside a block: the answer follows
    assert table.fitted_widths(170.0, 12.0)[0] > fresh[0]


def test_one_font_set_for_every_compile_same_bytes(tmp_path):
    import typst
    typst_pdf.font_set.cache_clear()
    first, second = make_document(), make_document(6)
    pdfs = [typst_pdf.render(first), typst_pdf.render(second)]
    info = typst_pdf.font_set.cache_info()
    assert info.misses == 1 and info.hits == 1
    folder = Path(typst_pdf.templates_mod.get(None).dirs[0]) / "fonts"
    fonts = typst_pdf.font_set.__wrapped__((str(folder),))
    assert {f.family for f in fonts.fonts()} >= {"Liberation Serif"}
    # the bundled faces, and Typst's own embedded ones (no path); never a system font
    assert all(f.path is None or Path(f.path).parent == folder for f in fonts.fonts())
    # the same bytes as a compile given the font folders themselves (each compile reading them again)
    saved = typst_pdf.font_set
    try:
        typst_pdf.font_set = lambda dirs: list(dirs)
        assert typst_pdf.render(first) == pdfs[0] and typst_pdf.render(second) == pdfs[1]
    finally:
        typst_pdf.font_set = saved
    assert isinstance(saved(tuple()), typst.Fonts)


def test_a_cold_build_hands_out_its_jobs_before_hashing_its_documents(tmp_path, monkeypatch):
    """Nothing to compare with (first build or --full): each job goes to the render processes as soon as its
    document is serialized, and the input hashes are computed after (while the documents render), from the same
    bytes: each document is pickled once. With a previous package to compare with, the hashes decide first what
    renders."""
    from concurrent.futures import Future
    events = []

    class Pool:
        def submit(self, fn, job):
            events.append(("submit", job[0].name))
            future = Future()
            future.set_result(fn(job))
            return future

    class Started:
        pool = Pool()

        def release(self):
            events.append(("release", None))

    pickled, digest = package._pickled, package._digest
    monkeypatch.setattr(package, "_pickled", lambda document: events.append(("pickle", document.title))
                        or pickled(document))
    monkeypatch.setattr(package, "_digest", lambda data: events.append(("hash", len(data))) or digest(data))
    documents = [make_document(), make_document(6)]
    for i, doc in enumerate(documents):
        doc.title = f"Документ {i}"
    planned = [Planned(f"doc-{i}", "test", doc, []) for i, doc in enumerate(documents)]
    options = package.Options(formats=("docx",), jobs=2)
    first = package.build(planned, tmp_path / "pkg", options, {"date": "2021-08-31"}, workers=Started())
    assert [kind for kind, _ in events] == ["pickle", "submit", "pickle", "submit", "hash", "hash", "release"], events
    assert first["files"][0]["input_hash"] == package.input_hash(planned[0], "docx", options,
                                                                  package.templates_digest(None))
    events.clear()
    documents[1].title = "Документ 1, исправленный"
    manifest = package.build(planned, tmp_path / "pkg", options, {"date": "2021-08-31"}, workers=Started())
    assert [kind for kind, _ in events] == ["pickle", "hash", "pickle", "hash", "submit", "release"]
    assert events[-2] == ("submit", "doc-1") and manifest["rendered"] == 1


def test_render_processes_end_while_the_package_is_finished(tmp_path, monkeypatch):
    """Once every document is rendered, the render processes are let go before the package's zip is finished
    (they end meanwhile); closing the workers waits until they have ended; the package is whole."""
    states = []
    original = package._PackageZip.finish

    def spy(self, *args, **kwargs):
        states.append(workers._ending is not None and workers.pool is not None)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(package._PackageZip, "finish", spy)
    documents = [make_document(), make_document(6)]
    planned = [Planned(f"doc-{i}", "test", doc, []) for i, doc in enumerate(documents)]
    options = package.Options(formats=("docx", "xlsx"), jobs=2)
    workers = package.Workers(2, package.preload_modules([(planned[0], [("docx", None), ("xlsx", None)], options)]))
    try:
        manifest = package.build(planned, tmp_path / "pkg", options, {"date": "2021-08-31"}, workers=workers)
    finally:
        workers.close()
    assert states == [True]
    assert not multiprocessing.active_children()
    assert sorted(e["file"] for e in manifest["files"]) == ["doc-0.docx", "doc-0.xlsx", "doc-1.docx", "doc-1.xlsx"]
    assert all((tmp_path / "pkg" / e["file"]).stat().st_size == e["size"] for e in manifest["files"])


def _typst_threads() -> tuple[str | None, int, bytes]:
    """In a render process: its RAYON_NUM_THREADS, its threads after a Typst compile, and the PDF."""
    import os

    pdf = typst_pdf.render(make_document())
    return os.environ.get("RAYON_NUM_THREADS"), len(os.listdir("/proc/self/task")), pdf


def test_a_render_process_lays_out_with_one_typst_thread(monkeypatch):
    """The render processes of a parallel build already take every core: Typst lays out in one thread there
    (rayon's pool of one), unless the user chose a number; the PDF is the same as one laid out with Typst's
    default threads in this process."""
    monkeypatch.delenv("RAYON_NUM_THREADS", raising=False)
    modules = package.modules_for(("pdf",), "typst")
    with package.Workers(2, modules) as workers:
        setting, threads, pdf = workers.pool.submit(_typst_threads).result(timeout=120)
    assert setting == "1"
    assert threads == 3                  # the worker's own, its parent watch, one Typst helper
    assert pdf == typst_pdf.render(make_document())
    monkeypatch.setenv("RAYON_NUM_THREADS", "2")         # the user's choice is kept
    package._one_typst_thread()
    assert os.environ["RAYON_NUM_THREADS"] == "2"


_PREPARED_PROBE = """
import sys
from generator import package


def prepared_here():
    import gc
    import os
    from generator.writers import docx, typst_pdf
    return (len(docx._PREPARED), typst_pdf.font_set.cache_info().currsize, gc.get_freeze_count() > 0,
            len(os.listdir("/proc/self/task")), "typst" in sys.modules)


if __name__ == "__main__":
    with package.Workers(2, package.modules_for(sys.argv[1].split(","), "typst")) as workers:
        print(*workers.pool.submit(prepared_here).result(timeout=120))
"""


def test_render_processes_inherit_what_the_fork_server_prepared(tmp_path):
    """The fork server prepares, before it forks the render processes, what each would make before its first
    document: python-docx's template (the default style's font and size), the ``typst`` extension and the bundled
    font set; and it freezes the objects its imports made (out of the render processes' garbage collections). A
    render process holds them before its first document, with no thread besides its own and its parent watch (the
    fork server ran no Typst compile, which starts threads); a build without PDF never loads Typst, a PDF-only build
    never python-docx. (In a fresh interpreter: a fork server already running in this one keeps the modules it
    started with.)"""
    assert "generator.writers.docx_ready" in package.modules_for(("docx", "pdf"), "typst")
    assert not any("docx" in m for m in package.modules_for(("pdf",), "typst"))
    probe = tmp_path / "probe.py"
    probe.write_text(_PREPARED_PROBE, encoding="utf-8")
    answers = {fmts: subprocess.run([sys.executable, str(probe), fmts], capture_output=True, text=True,
                                    timeout=180, cwd=ROOT) for fmts in ("docx,pdf", "xlsx", "pdf")}
    assert [answers[f].stdout.split() for f in ("docx,pdf", "xlsx", "pdf")] == [
        ["1", "1", "True", "2", "True"], ["0", "0", "True", "2", "False"], ["0", "1", "True", "2", "True"]], answers


def test_a_build_stopped_while_handing_out_waits_for_the_jobs_already_out(tmp_path, monkeypatch):
    """Ctrl-C while the documents are being serialized and handed out (a job is already rendering, the next
    document not yet pickled): the build waits for the job that is out before it removes its folder, so no
    render process writes into (and recreates) a removed temporary folder; nothing is left behind."""
    from concurrent.futures import Future
    submitted, abandoned = [], []

    class Pool:
        def submit(self, fn, job):
            future = Future()
            submitted.append(future)
            return future                          # still rendering

    class Started:
        pool = Pool()

        def release(self):
            pass

    pickled = package._pickled

    def interrupted(document):
        if submitted:                              # the second document: the user presses Ctrl-C
            raise KeyboardInterrupt
        return pickled(document)

    monkeypatch.setattr(package, "_pickled", interrupted)
    monkeypatch.setattr(package, "_abandon", lambda futures: abandoned.append(list(futures)))
    planned = [Planned(f"doc-{i}", "test", doc, []) for i, doc in enumerate([make_document(), make_document(6)])]
    with pytest.raises(KeyboardInterrupt):
        package.build(planned, tmp_path / "pkg", package.Options(formats=("docx",), jobs=2),
                      {"date": "2021-08-31"}, workers=Started())
    assert len(submitted) == 1 and abandoned == [submitted]
    assert not list(tmp_path.iterdir()) or all(not p.name.startswith(".tmp-") for p in tmp_path.iterdir())


class _Started:
    """Render processes already started (what :class:`package.Workers` gives :func:`package.build`), whose pool
    answers each job with ``answer(fn, job)`` (a ``Future``); ``shut`` records the build's ``shutdown`` calls."""

    def __init__(self, answer):
        self.shut: list[bool] = []
        started = self

        class Pool:
            def submit(self, fn, job):
                return answer(fn, job)

            def shutdown(self, wait=True):
                started.shut.append(wait)
        self.pool = Pool()

    def release(self) -> None:
        pass


def _future(result=None, error: BaseException | None = None):
    """A finished ``Future`` (its result, or ``error``)."""
    from concurrent.futures import Future
    future = Future()
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
    return future


def _sequential_zip(folder: Path, manifest: dict, stamp: tuple) -> bytes:
    """The package's zip as it was written before, after the last document: every file in the manifest's order,
    then the manifest and the table of contents (DOCX and XLSX stored, PDFs deflated at level 1)."""
    import io
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in [e["file"] for e in manifest["files"]] + ["manifest.json", "soderzhanie.txt"]:
            info = zipfile.ZipInfo(f"{folder.name}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name.endswith((".docx", ".xlsx")) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (folder / name).read_bytes(), compresslevel=1 if name.endswith(".pdf") else None)
    return out.getvalue()


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_zip_written_while_documents_render_is_the_zip_written_after_them(tmp_path, jobs):
    """The package's zip is made as its files come (a thread, in the manifest's order, each file once its render
    job is done): the same bytes as writing it after the last document; a serial build writes it at the end."""
    documents = [make_document(), make_document(6), make_document(3)]
    planned = [Planned(f"doc-{i}", "test", doc, []) for i, doc in enumerate(documents)]
    options = package.Options(formats=("docx", "xlsx", "pdf"), pdf_engine="typst", jobs=jobs)
    workers = package.Workers(jobs, package.preload_modules([(planned[0], [("docx", None)], options)]))
    try:
        manifest = package.build(planned, tmp_path / "pkg", options, {"date": "2021-08-31"}, workers=workers)
    finally:
        workers.close()
    assert len(manifest["files"]) == 9
    written = (tmp_path / "pkg.zip").read_bytes()
    assert written == _sequential_zip(tmp_path / "pkg", manifest, (2021, 8, 31, 0, 0, 0))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".pkg.lock") == ["pkg", "pkg.zip"]


def test_a_failed_render_job_leaves_the_previous_zip_and_no_unfinished_one(tmp_path):
    """A job that fails while the zip is being written: the build fails with the job's error, the half-made zip
    is removed, the previous package and its zip stay as they were."""
    planned = [Planned(f"doc-{i}", "test", doc, []) for i, doc in enumerate([make_document(), make_document(6)])]
    options = package.Options(formats=("docx",), jobs=1, incremental=False)
    package.build(planned, tmp_path / "pkg", options, {"date": "2021-08-31"})
    before = (tmp_path / "pkg.zip").read_bytes()

    def answer(fn, job):
        return _future(error=RuntimeError("the render process failed")) if job[0].name == "doc-1" \
            else _future(package._render_pickled(job))

    with pytest.raises(RuntimeError, match="the render process failed") as failed:
        package.build(planned, tmp_path / "pkg", package.Options(formats=("docx",), jobs=2, incremental=False),
                      {"date": "2021-08-31"}, workers=_Started(answer))
    assert (tmp_path / "pkg.zip").read_bytes() == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    # the error is raised by the main thread only: no frame of the zip's thread in its traceback (found by the tester)
    import traceback
    assert "run" not in [frame.name for frame in traceback.extract_tb(failed.value.__traceback__)]


def test_a_render_process_that_dies_is_a_russian_message_and_the_previous_package_stays(tmp_path):
    """A render process killed (out of memory, a user's kill): the pool breaks; the build says so in Russian
    (:class:`package.PackageError`, no traceback) and leaves the previous package and its zip as they were."""
    from concurrent.futures.process import BrokenProcessPool
    planned = [Planned(f"doc-{i}", "test", doc, []) for i, doc in enumerate([make_document(), make_document(6)])]
    package.build(planned, tmp_path / "pkg", package.Options(formats=("docx",), jobs=1, incremental=False),
                  {"date": "2021-08-31"})
    before = {p.name: p.read_bytes() for p in (tmp_path / "pkg").iterdir()}, (tmp_path / "pkg.zip").read_bytes()

    started = _Started(lambda fn, job: _future(error=BrokenProcessPool("A process in the process pool was "
                                                                       "terminated abruptly")))
    with pytest.raises(package.PackageError, match="процесс, формировавший документы, аварийно завершился") as broken:
        package.build(planned, tmp_path / "pkg", package.Options(formats=("docx",), jobs=2, incremental=False),
                      {"date": "2021-08-31"}, workers=started)
    assert "предыдущий пакет не изменен, повторите сборку" in str(broken.value)
    assert started.shut == [True]                   # the broken pool's processes ended before the folder is removed
    assert ({p.name: p.read_bytes() for p in (tmp_path / "pkg").iterdir()}, (tmp_path / "pkg.zip").read_bytes()) == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_a_stopped_build_stops_the_zip_waiting_for_a_job_that_never_ends(tmp_path, monkeypatch):
    """Stopped while a job is still out (its render process hung): the zip stops waiting for that job at once and
    is removed; the build does not wait for it beyond the stop."""
    from concurrent.futures import Future
    hung = Future()

    def stopped():
        raise KeyboardInterrupt

    monkeypatch.setattr(package, "_abandon", lambda futures: None)
    planned = [Planned("doc-0", "test", make_document(), [])]
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        package.build(planned, tmp_path / "pkg", package.Options(formats=("docx",), jobs=2),
                      {"date": "2021-08-31"}, workers=_Started(lambda fn, job: hung), check=stopped)
    assert time.monotonic() - started < 10
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    assert not any(t.name == "gosprog-package-zip" for t in __import__("threading").enumerate())


def test_a_build_stopped_while_the_zip_thread_starts_raises_the_stop_and_leaves_nothing(tmp_path, monkeypatch):
    """Ctrl-C or SIGTERM while the zip's thread is being started (``Thread.start`` waits for the new thread): the
    build ends with that stop, not with the error of joining a thread that never started, and removes the
    unfinished zip (found in the suite under load: a SIGTERM test saw a traceback)."""
    import threading
    start = threading.Thread.start

    def interrupted(self):
        if self.name == "gosprog-package-zip":
            raise KeyboardInterrupt
        return start(self)

    monkeypatch.setattr(threading.Thread, "start", interrupted)
    planned = [Planned("doc-0", "test", make_document(), [])]
    with pytest.raises(KeyboardInterrupt):
        package.build(planned, tmp_path / "pkg", package.Options(formats=("docx",), jobs=2),
                      {"date": "2021-08-31"}, workers=_Started(lambda fn, job: _future(package._render_pickled(job))))
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    assert not (tmp_path / "pkg").exists() and not (tmp_path / "pkg.zip").exists()


def test_a_full_build_starts_its_render_processes_before_hashing_and_an_unchanged_one_starts_none(tmp_path,
                                                                                                  monkeypatch):
    """``--full`` renders everything whatever the inputs' hashes say: its render processes start first (their fork
    server imports the writers while this process hashes the inputs and reads the program). Without ``--full`` the
    hashes come first, and a rebuild with nothing changed starts no render process at all."""
    import generator.buildstamp as buildstamp
    events = []
    real_workers, real_fingerprint = package.Workers, buildstamp.fingerprint

    def workers(*args, **kwargs):
        events.append("workers")
        return real_workers(*args, **kwargs)

    def fingerprint(*args, **kwargs):
        events.append("fingerprint")
        return real_fingerprint(*args, **kwargs)

    monkeypatch.setattr(package, "Workers", workers)
    monkeypatch.setattr(buildstamp, "fingerprint", fingerprint)
    only = ["--only", "00-programma-pasport", "--format", "docx", "--jobs", "2", "-q", "--out", str(tmp_path)]
    for extra, expected in ((["--full"], ["workers", "fingerprint"]), ([], ["fingerprint"]),
                            (["--format", "xlsx"], ["fingerprint", "workers"])):
        events.clear()
        result = CliRunner().invoke(main, ["build", str(DATA), *only, *extra], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert events == expected, extra


def test_the_program_is_read_and_planned_with_the_collector_paused_and_it_runs_again_after(tmp_path, monkeypatch):
    """Before the first document goes out, reading the program and planning its documents make tens of thousands
    of objects that live until the command ends: no garbage collection looks among them then (``collector.paused``);
    the collector is on again afterwards, also when the data cannot be read (the build refuses it)."""
    import gc

    import generator.builders as builders
    seen = []
    real_plan = builders.plan

    def plan(*args, **kwargs):
        seen.append(gc.isenabled())
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(builders, "plan", plan)
    assert gc.isenabled()
    result = CliRunner().invoke(main, ["build", str(DATA), "--out", str(tmp_path), "--format", "docx", "--only",
                                       "00-programma-pasport", "--jobs", "1", "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert seen == [False] and gc.isenabled()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "program.yaml").write_text("code: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(bad), "--out", str(tmp_path / "out"), "--jobs", "1", "-q"])
    assert result.exit_code == 1 and "program.yaml:" in result.output, result.output
    assert gc.isenabled()


def test_a_font_set_the_fork_server_cannot_make_is_left_to_the_render_process():
    """The fork server forks every render process from itself: a failure while it prepares the font set must not end
    it (multiprocessing passes over an ImportError only); the render process then makes the set itself and says what
    failed with the document it renders."""
    probe = ("import typst\n"
             "def broken(**kwargs):\n    raise RuntimeError('unreadable font')\n"
             "typst.Fonts = broken\n"
             "import generator.writers.typst_ready\n"
             "from generator.writers import typst_pdf\n"
             "print(typst_pdf.font_set.cache_info().currsize)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.strip() == "0", done.stderr
