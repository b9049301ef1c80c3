"""Build a package: render planned documents to every format, with a manifest and a zip, atomically.

The package is written to a temporary folder next to its destination and
moved into place only when every file is written, so a failed or killed build
leaves the previous package as it was. Files whose inputs did not change since
the previous package (same content hash of document, format, options and
templates) are reused instead of rendered again.

A partial build (``Options.partial``: ``--only`` or a subset of ``--format``)
updates those files inside the existing package: every other file of the
previous package stays, byte for byte, and the manifest and zip are rebuilt
from what the package then holds.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import multiprocessing
import os
import pickle
import shutil
import tempfile
import threading
import zipfile
from concurrent.futures import CancelledError as FutureCancelled
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from . import __version__
from .buildstamp import sha256_file
from .i18n import _
from .interrupts import deferred
from .oserrors import write_reason
from .plans import Planned
from .writers import write as write_document

MANIFEST = "manifest.json"
#: The table of contents beside the manifest: each document's Russian title and its files
#: (``templates/contents.txt.j2``), for the reader who opens the folder or the zip.
CONTENTS = "soderzhanie.txt"


@dataclass
class Options:
    formats: tuple[str, ...] = ("docx", "xlsx", "pdf")
    pdf_engine: str = "typst"
    pdf_standard: str | None = None
    templates: str | None = None
    jobs: int = 0                 # 0: one per core
    incremental: bool = True
    partial: bool = False         # keep the previous package's other files (--only, a subset of --format)

    def writer_options(self, fmt: str) -> dict:
        options: dict = {}
        if fmt == "pdf":
            options = {"pdf_engine": self.pdf_engine, "pdf_standard": self.pdf_standard,
                       "templates": self.templates}
        return options


def templates_digest(overlay: str | None) -> str:
    from .templates import get
    digest = hashlib.sha256()
    for folder in get(overlay).dirs:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def document_key(document) -> str:
    """A digest of everything in ``document`` (a :class:`generator.model.Document`), 64 hex digits: SHA-256 of
    its pickle (:func:`_pickled`). The model is a tree of dataclasses, strings, decimals, dates and bytes, with no
    sets, so the pickle depends neither on the hash seed nor on where the objects lie in memory; objects a
    builder shares are written once and referred to after, the same way for the same code and data (a change
    of gosprog's code changes every key through :func:`input_hash` anyway). What is printed from it (layout,
    number style) is gosprog's code, in :func:`input_hash` by :func:`generator.buildstamp.code_digest`."""
    return _digest(_pickled(document))


def _pickled(document) -> bytes:
    """``document`` pickled (protocol 5): the bytes its input hash is made of and a render process reads it from,
    so a parallel build serializes each document once."""
    return pickle.dumps(document, protocol=5)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def input_hash(planned: Planned, fmt: str, options: Options, templates: str, key: str | None = None) -> str:
    """What a rendered file depends on: the document (:func:`document_key`; ``key`` when already computed), the
    format, the options, templates, version and gosprog's own code (:func:`generator.buildstamp.code_digest`: a
    changed writer renders again)."""
    from .buildstamp import code_digest
    payload = json.dumps({"doc": key or document_key(planned.document), "fmt": fmt, "version": __version__,
                          "code": code_digest(),
                          "options": {k: v for k, v in options.writer_options(fmt).items() if k != "templates"},
                          "templates": templates}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


#: The order a document's files are written in: its plain form (the PDF's input) first lays out its tables, which
#: the DOCX and XLSX writers then reuse (:func:`generator.model.layout_once`).
_ORDER = {"pdf": 0, "docx": 1, "xlsx": 2}


def _render(job: tuple) -> list[tuple[str, str, int]]:
    """Render one document's files: ``job`` is ``(planned, [(format, path), ...], options)``; returns each file's
    ``(name, sha256, size)`` (the manifest's, computed here while the file is at hand).
    Its layout is computed once for all its formats (:func:`generator.model.layout_once`), and its plain form
    once for the PDF. A template the engine refuses raises :class:`generator.templates.TemplateError`
    (file, line, message for the user), not the engine's own exception."""
    from .model import layout_once
    from .writers._plain import plain
    planned, files, options = job
    done = []
    with layout_once():
        plain_data = None
        for fmt, path in sorted(files, key=lambda file: _ORDER.get(file[0], 3)):
            extra = {}
            if fmt == "pdf":
                plain_data = plain_data or plain(planned.document)
                extra = {"plain_data": plain_data}
            try:
                write_document(planned.document, path, fmt, **options.writer_options(fmt), **extra)
            except Exception as exc:
                from .templates import get, typst_error
                located = typst_error(exc, get(options.templates))
                if located is None:
                    raise
                raise located from None
            done.append((Path(path).name, sha256_file(path), Path(path).stat().st_size))
    return done


def _render_pickled(job: tuple) -> list[tuple[str, str, int]]:
    """:func:`_render` of a job sent to a render process: ``(planned without its document, the document pickled
    (:func:`_pickled`), files, options)``."""
    planned, data, files, options = job
    return _render((replace(planned, document=pickle.loads(data)), files, options))


def _cost(job: tuple) -> int:
    """About how long ``job`` takes, to hand the longest out first: its table cells times its formats."""
    planned, files, _ = job
    cells = sum(len(row.cells) for table in planned.document.tables() for row in table.body)
    return (cells + 50) * len(files)


def _start_fork_server() -> None:
    """Start the fork server (if it is not running) with Ctrl-C and SIGTERM ignored, which it and every render
    process forked from it inherit: a terminal's Ctrl-C and a ``kill`` of the process group reach every process,
    and stopping the build is this process's to do (it abandons the jobs and keeps the previous package,
    :func:`build`). Before, the fork server and the workers each printed a Python traceback, and workers killed
    under a waiting pool left it hanging (CPython 3.11's pool then fails on its cancelled jobs). A worker still
    ends with this process (:func:`_watch_parent`). Only the main thread may change a signal's handling;
    elsewhere the server starts as it would."""
    import signal
    from multiprocessing import forkserver
    stopping = (signal.SIGINT, signal.SIGTERM)
    try:
        previous = [signal.signal(sig, signal.SIG_IGN) for sig in stopping]
    except ValueError:                         # not the main thread
        return
    try:
        forkserver.ensure_running()
    finally:
        for sig, handler in zip(stopping, previous):
            signal.signal(sig, handler)


def _warm() -> None:
    """A worker's first task: nothing (the writers are preloaded by the fork server); it makes the pool
    start its processes now, while the parent still reads the program."""


class Workers:
    """The render processes of a parallel build, started before the program is read, so that starting
    them (the fork server imports the writers named in ``modules``) overlaps reading and checking the data.
    One per core when ``jobs`` is 0; none (a serial build) for one job. Use as a context manager, pass to
    :func:`build`."""

    def __init__(self, jobs: int = 0, modules: list[str] | None = None):
        self.count = jobs or os.cpu_count() or 1
        self.pool: ProcessPoolExecutor | None = None
        self._ending: threading.Thread | None = None
        if self.count > 1:
            # forkserver, not fork: a process that has loaded fonts or started threads must not be forked;
            # it preloads the writers of the build's formats only (:func:`modules_for`)
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(modules or ["generator.package"])
            _start_fork_server()
            self.pool = ProcessPoolExecutor(max_workers=self.count, mp_context=context, initializer=_watch_parent,
                                            initargs=(os.getpid(),))
            # Starting a worker waits until the fork server has imported the writers (half a second): done
            # in a thread, so that this process reads and checks the data meanwhile.
            self._starting = threading.Thread(target=self._start, name="gosprog-workers-start", daemon=True)
            self._starting.start()

    def _start(self) -> None:
        try:
            for _ in range(self.count):
                self.pool.submit(_warm)
        except RuntimeError:        # closed before they were all started (the build stopped early)
            pass

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def release(self) -> None:
        """Let the render processes end now that their jobs are done, without waiting for them (they end while
        this process writes the package's manifest and zip); :meth:`close` waits."""
        if self.pool is not None and self._ending is None:
            self._starting.join()
            self._ending = threading.Thread(target=self.pool.shutdown, name="gosprog-workers-end", daemon=True)
            self._ending.start()

    def close(self) -> None:
        """Wait until the render processes have ended (jobs not started are cancelled). One step for Ctrl-C: a
        second Ctrl-C after a stopped build's first ended this process while the pool was still starting a render
        process, which then printed a traceback (its pool's semaphore was gone)."""
        if self.pool is not None:
            with deferred():
                self._starting.join()
                if self._ending is not None:
                    self._ending.join()
                self.pool.shutdown(wait=True, cancel_futures=True)
                self.pool = None


def build(planned: list[Planned], destination: Path, options: Options, meta: dict,
          progress: Callable[[Iterable], Iterable] | None = None, base: Path | None = None,
          workers: Workers | None = None, check: Callable[[], dict] | None = None) -> dict:
    """Render ``planned`` into ``destination`` (replaced atomically); returns the manifest.

    ``workers``: render processes already started (:class:`Workers`); otherwise they are started here
    when ``options.jobs`` asks for more than one. A document is one job: its formats are written by one
    process, from one layout (:func:`_render`).

    ``check``: called once the render jobs are handed out, while they run (the publishing gate: it needs no
    rendered file); what it returns is added to the manifest's ``meta``, and what it raises abandons the build
    (the jobs are stopped, the previous package left as it was) and is raised here.

    Raises :class:`PackageError` (a Russian message) when two documents would get the same file name, when
    another build holds the package, or when the output folder cannot be written (a file where a folder
    should be, a read-only or full disk); the previous package is then left as it was.
    """
    destination = Path(destination)
    names = [item.name for item in planned]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise PackageError(_("two documents of the package got the same file name: {names}").format(
            names=", ".join(twice)))
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with _lock(destination):
            _clean_debris(destination)
            return _build_locked(planned, destination, options, meta, progress, base, workers, check)
    except OSError as exc:
        where = _known_path(exc.filename, destination) or destination
        raise PackageError(_("could not write the package to {destination}: {path}: {reason}").format(
            destination=destination, path=where, reason=write_reason(exc))) from None
    except BrokenProcessPool:
        # a render process ended without finishing its job: killed (the system out of memory, a user's kill) or
        # crashed; the other jobs are stopped with it, and the previous package is left as it was
        raise PackageError(_("the package {destination} was not built: a process rendering the documents ended "
                             "abnormally (the system ran out of memory, or the process was stopped); the previous "
                             "package is unchanged, build again").format(destination=destination)) from None


def _known_path(path, destination: Path) -> Path | None:
    """The path a user knows for ``path`` (an ``OSError``'s file name): a file of the build's temporary folder is named
    as it is in the package, the temporary zip as the package's zip; other paths as they are."""
    if not path:
        return None
    parts = Path(path).parts
    for i, part in enumerate(parts):
        if part.startswith(_temporary(destination.name)):
            if part.endswith(".zip"):
                return destination.parent / f"{destination.name}.zip"
            return destination.joinpath(*parts[i + 1:])
    return Path(path)


class PackageError(RuntimeError):
    """The package could not be built; the message is for the user (in the interface's language, Russian by default),
    the previous package is intact."""


class BuildLocked(PackageError):
    pass


@contextlib.contextmanager
def _lock(destination: Path):
    """One build at a time per package folder (an advisory lock next to it)."""
    lock_path = destination.parent / f".{destination.name}.lock"
    handle = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(_("the package {destination} is being written by another build; try again later").format(
                destination=destination)) from None
        yield
    finally:
        handle.close()


def _temporary(name: str) -> str:
    """The prefix of what a build of package ``name`` writes before it is published (its folder, its zip), beside
    the package: removed by the next build (:func:`_clean_debris`), named as the package names it in messages
    (:func:`_known_path`)."""
    return f".tmp-{name}~"


def _clean_debris(destination: Path) -> None:
    """Remove what an interrupted build left (its temporary and set-aside folders); under the lock,
    nothing else can be writing them."""
    # Only this package's own debris: another package in the same folder may be building right now.
    for pattern in (_temporary(destination.name) + "*", f".old-{destination.name}~*"):
        for path in destination.parent.glob(pattern):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _build_locked(planned, destination: Path, options: Options, meta: dict, progress, base, workers=None,
                  check=None) -> dict:
    previous = _read_manifest(destination)
    pool = workers.pool if workers is not None and workers.pool is not None else None
    futures: list = []
    archive: _PackageZip | None = None
    work: Path | None = None
    try:
        with deferred():         # made and recorded in one step: a Ctrl-C between them left the folder
            work = Path(tempfile.mkdtemp(prefix=_temporary(destination.name), dir=destination.parent))
        os.chmod(work, 0o755)          # published folders are readable like their files (mkdtemp makes 0700)
        def formats_of(item) -> list[str]:
            # e.g. a draft resolution is prose: DOCX and PDF, never a workbook
            return [f for f in options.formats if item.formats is None or f in item.formats]

        pickled: dict[str, bytes] = {}
        rendering: dict = {}         # file name -> the future of the job that writes it (a parallel build)

        def pickled_of(item) -> bytes:
            # once per document: what its render process reads and what its input hashes are made of
            if item.name not in pickled:
                pickled[item.name] = _pickled(item.document)
            return pickled[item.name]

        def hand_out(found: list) -> None:
            # one job per document (its formats share its layout), the longest first: the last to finish are short;
            # each goes out as soon as its document is serialized, and is in `futures` from then on: a build
            # stopped while the others are being serialized still waits for it before removing its folder
            found.sort(key=_cost, reverse=True)
            for item, files, opts in found if pool is not None else []:
                data = pickled_of(item)
                # submitted and recorded in one step: stopped inside submit() (which may wait for the fork server
                # to start a process), the job ran unrecorded and wrote into the folder the stopped build removed
                with deferred():
                    futures.append(pool.submit(_render_pickled, (replace(item, document=None), data, files, opts)))
                    rendering.update((Path(path).name, futures[-1]) for _, path in files)

        # Nothing to compare with (a first build, or --full): every file renders, so the jobs go out before the
        # input hashes are computed, and the hashes are made while the documents render (from the same bytes).
        cold = not options.incremental or not any(f"{item.name}.{fmt}" in previous for item in planned
                                                  for fmt in formats_of(item))
        jobs = []
        if cold:
            jobs = [(item, [(fmt, work / f"{item.name}.{fmt}") for fmt in formats_of(item)], options)
                    for item in planned if formats_of(item)]
            hand_out(jobs)
        entries = []
        resolve = functools.lru_cache(maxsize=None)(lambda path: Path(path).resolve())   # once per path a build
        tpl_digest = templates_digest(options.templates)
        for item in planned:
            key = _digest(pickled_of(item))             # once per document: the hashes of its files
            sources = [_relative(s, base, resolve) for s in item.sources]
            files = []
            for fmt in formats_of(item):
                name = f"{item.name}.{fmt}"
                digest = input_hash(item, fmt, options, tpl_digest, key)
                entry = {"file": name, "kind": item.kind, "format": fmt, "title": item.document.title,
                         "sources": list(sources), "input_hash": digest}
                if item.document.provenance:        # kept out of the official text (issue 17)
                    entry["provenance"] = list(item.document.provenance)
                old = previous.get(name)
                if not cold and old and old.get("input_hash") == digest \
                        and (destination / name).is_file() and sha256_file(destination / name) == old.get("sha256"):
                    shutil.copy2(destination / name, work / name)
                else:
                    files.append((fmt, work / name))
                entries.append(entry)
            if files and not cold:
                jobs.append((item, files, options))
        if not cold:
            hand_out(jobs)
        if options.partial:
            entries += _carry_over(previous, {e["file"] for e in entries}, destination, work)
        # the package's zip is written as its files come, in the manifest's order (the last documents to finish are
        # short ones): after the last document only the manifest and the table of contents are left to add
        with deferred():         # its temporary file made and recorded in one step
            archive = _PackageZip(destination.parent / f"{destination.name}.zip", destination.name, meta.get("date"))
        archive.start(work, [e["file"] for e in entries], rendering if pool is not None else None)
        # while the documents render: the gate, the manifest's frame and the table of contents (no rendered file)
        if check is not None:
            meta = {**meta, **check()}
        formats = list(options.formats)
        if options.partial:
            formats = [f for f in ("docx", "xlsx", "pdf") if any(e["format"] == f for e in entries)]
        manifest = {**meta, "generator": f"gosprog {__version__}", "formats": formats,
                    "pdf_engine": options.pdf_engine if "pdf" in options.formats else None,
                    "files": entries, "contents": CONTENTS}
        table_of_contents = contents(manifest, options.templates)
        if pool is not None:
            # started early, their writers are loaded: even a single job went to them, not to this process
            done = _collect(futures, progress)
            workers.release()
        else:
            done = _run(jobs, options.jobs, progress)
        known = {name: (digest, size) for name, digest, size in done}
        for entry in entries:
            path = work / entry["file"]
            entry["sha256"], entry["size"] = known.get(entry["file"]) or (sha256_file(path), path.stat().st_size)
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                     encoding="utf-8")
        (work / CONTENTS).write_text(table_of_contents, encoding="utf-8")
        archive.finish([MANIFEST, CONTENTS])
        # one step: stopped between them, the package's folder was missing (moved aside, the new one not yet in
        # place: the next build removed the previous package with the debris), or the zip older than the folder
        with deferred():
            _swap(work, destination)
            work = None
            archive.publish()
        manifest["rendered"] = sum(len(files) for _, files, _ in jobs)
        return manifest
    except BaseException as exc:
        # Ctrl-C pressed again while the stopped build waits for the documents already rendering (up to a few
        # seconds, and people press it again) broke out of the wait: the folder was removed under the render
        # processes, which left it behind with their files. The cleaning is one step: a Ctrl-C during it is raised
        # once it is done.
        with deferred():
            _abandon(futures)
            if pool is not None and isinstance(exc, BrokenProcessPool):
                # a render process died: the pool ends the others; they are gone before their folder is removed
                # (one still writing a file there left the folder behind)
                pool.shutdown(wait=True)
            if archive is not None:
                archive.discard()
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)
                work = None
        raise
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def _collect(futures: list, progress) -> list[tuple[str, str, int]]:
    """Wait for the submitted render jobs in order (the first failure raises), with the progress bar; returns
    every rendered file's ``(name, sha256, size)``."""
    return _files_of((future.result() for future in futures), len(futures), progress)


def _files_of(results, count: int, progress) -> list[tuple[str, str, int]]:
    """The files of ``count`` jobs' ``results`` (each :func:`_render`'s list), consumed through the progress bar."""
    return [file for files in (progress(results, count) if progress else results) for file in files]


#: The longest a failed or stopped build waits for the render jobs already running (seconds).
ABANDON_WAIT_S = 60


def _abandon(futures: list) -> None:
    """A failed build: cancel its jobs not yet started and wait for those running, so that no worker still
    writes into the temporary folder when it is removed."""
    for future in futures:
        future.cancel()
    if futures:
        from concurrent.futures import wait
        # bounded: should the pool break (its processes killed), CPython 3.11 can leave a job's future unfinished
        # for ever; what a stray worker then writes is removed by the next build (_clean_debris)
        wait(futures, timeout=ABANDON_WAIT_S)


def contents(manifest: dict, templates: str | None = None) -> str:
    """The package's table of contents (:data:`CONTENTS`): the documents in the manifest's order, each
    with its Russian title and its files, rendered by ``templates/contents.txt.j2`` (a ``--templates``
    overlay may replace it)."""
    import datetime as _dt

    from .numbers import format_date_numeric
    from .templates import get
    documents: dict[tuple, dict] = {}
    for entry in manifest["files"]:
        stem = entry["file"].rsplit(".", 1)[0]
        doc = documents.setdefault((stem, entry.get("title")), {"title": entry.get("title") or stem, "files": []})
        doc["files"].append(entry["file"])
    edition = manifest.get("edition")
    return get(templates).render(CONTENTS_TEMPLATE, title=manifest.get("title"),
                                 edition=format_date_numeric(_dt.date.fromisoformat(edition)) if edition else None,
                                 year=manifest.get("year"), quarter=manifest.get("quarter"),
                                 sample=bool(manifest.get("sample")), documents=list(documents.values()))


CONTENTS_TEMPLATE = "contents.txt.j2"


def _carry_over(previous: dict, rebuilt: set[str], destination: Path, work: Path) -> list[dict]:
    """Copy the previous package's files that this partial build does not touch; their manifest entries
    (with their own input hashes) are kept, in the previous order."""
    kept = []
    for name, entry in previous.items():
        source = destination / name
        if name in rebuilt or not source.is_file() or sha256_file(source) != entry.get("sha256"):
            continue
        shutil.copy2(source, work / name)
        kept.append({k: v for k, v in entry.items() if k not in ("sha256", "size")})
    return kept


def _relative(path: str, base: Path | None, resolve=lambda path: Path(path).resolve()) -> str:
    """``path`` relative to ``base`` (both resolved), POSIX style; its file name when outside ``base`` or no base.
    ``resolve``: a path's resolved form (a build keeps them: a package names the same few data files as the sources
    of its documents, and each resolve is a system call per path component)."""
    if base is not None:
        try:
            return resolve(str(path)).relative_to(resolve(str(base))).as_posix()
        except ValueError:
            pass
    return Path(path).name


def _run_on(pool: ProcessPoolExecutor, jobs: list, progress) -> list[tuple[str, str, int]]:
    return _files_of(pool.map(_render, jobs, chunksize=1), len(jobs), progress)


def _run(jobs: list, workers: int, progress) -> list[tuple[str, str, int]]:
    """Render ``jobs`` here (one worker) or in a pool started for them; every file's ``(name, sha256, size)``."""
    workers = workers or os.cpu_count() or 1
    workers = min(workers, len(jobs)) if jobs else 1
    if workers <= 1:
        return _files_of((_render(job) for job in jobs), len(jobs), progress)
    with Workers(workers, preload_modules(jobs)) as started:
        return _run_on(started.pool, jobs, progress)


def preload_modules(jobs: list) -> list[str]:
    """The modules a worker process imports before its first job: this package and the writers of the
    jobs' formats only (a PDF-only build never loads python-docx or openpyxl)."""
    from .writers import DEFAULT_PDF_ENGINE
    # a job is (planned, [(format, path), ...], options): its formats and options are all that count here
    return modules_for({fmt for _, files, _ in jobs for fmt, _ in files},
                       next((options.pdf_engine for _, _, options in jobs), DEFAULT_PDF_ENGINE))


#: Writers whose fork-server import also prepares what each render process would make before its first
#: document: objects a fork copies and that start no thread (plain Python, lxml, a ``typst.Fonts``).
_READY = {"generator.writers.docx": "generator.writers.docx_ready",
          "generator.writers.typst_pdf": "generator.writers.typst_ready"}


def modules_for(formats, pdf_engine: str) -> list[str]:
    """The modules the fork server imports for a build of ``formats`` with ``pdf_engine``: this package, those
    formats' writers (:data:`_READY`'s variant where there is one) and, last, :mod:`generator.gc_freeze`."""
    from .writers import module_of
    return ["generator.package", *sorted({_READY.get(module, module)
                                          for module in (module_of(fmt, pdf_engine) for fmt in formats)}),
            "generator.gc_freeze"]


#: The threads Typst lays a document out with in a render process of a parallel build (rayon's global pool,
#: which reads this variable when Typst first compiles). The processes already use every core: Typst's
#: own helper threads only competed with the other process for them (waiting for work, rayon's threads spin
#: before they sleep). Measured on 2 cores, 9 paired cold builds of the default package: 0.4 CPU-s and 0.27 s of
#: wall time less (5.79 -> 5.40 CPU-s, 3.16 -> 2.89 s), the same bytes. A value the user set is kept.
TYPST_THREADS = ("RAYON_NUM_THREADS", "1")


def _one_typst_thread() -> None:
    """:data:`TYPST_THREADS` in this process's environment, unless the user set the variable."""
    os.environ.setdefault(*TYPST_THREADS)


def _watch_parent(parent: int) -> None:
    """Worker initializer: one Typst thread (:data:`TYPST_THREADS`); and exit when the building process is gone
    (killed), instead of idling forever.

    A forkserver worker's own parent is the fork server, which ends with the main process; the worker is
    then re-parented, so a changed ``os.getppid()`` or a vanished ``parent`` means the build is over.
    """
    import threading
    import time

    _one_typst_thread()

    from .fonts import show_warnings_plainly
    show_warnings_plainly()

    def watch() -> None:
        first = os.getppid()
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            if os.getppid() != first:
                os._exit(1)

    threading.Thread(target=watch, name="gosprog-parent-watch", daemon=True).start()


def _read_manifest(destination: Path) -> dict:
    try:
        data = json.loads((destination / MANIFEST).read_text(encoding="utf-8"))
        return {entry["file"]: entry for entry in data.get("files", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _swap(work: Path, destination: Path) -> None:
    """Put the finished folder in place: the old package is moved aside, then removed."""
    old = None
    if destination.exists():
        old = Path(tempfile.mkdtemp(prefix=f".old-{destination.name}~", dir=destination.parent))
        old.rmdir()
        os.replace(destination, old)
    os.replace(work, destination)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


#: Files that are zips already (DOCX, XLSX): stored in the package's zip as they are (deflating them again saved
#: 7 % of their size). PDFs are deflated: a Typst PDF's font programs and tables shrink by half; at zlib's fastest
#: level (1), which gives 3 % more bytes than its default (6) in a quarter less time (the zip is written while the
#: documents render, on the same two cores).
_COMPRESSED = (".docx", ".xlsx")
_FAST = (".pdf",)


class _PackageZip:
    """The package's zip (``target``, every entry under the folder ``top``), written while the documents render and
    published atomically: entry times fixed at the edition ``date`` (reproducible: the same files give the same
    bytes), DOCX and XLSX stored (:data:`_COMPRESSED`), PDFs deflated fast (:data:`_FAST`), the rest deflated.

    :meth:`start` adds the files in their order from a thread, each once the job writing it is done (its future in
    ``rendering``; a file without one is there already); zlib and file reading release the GIL, so the zip is made
    alongside the render processes rather than after the last document while the user waits. :meth:`finish`
    adds what is left and closes the zip, :meth:`publish` puts it in place, :meth:`discard` removes it (a failed
    or stopped build: the previous zip stays)."""

    def __init__(self, target: Path, top: str, date: str | None):
        import datetime as _dt

        from .writers._files import zip_date_time
        self.target, self.top = target, top
        self.stamp = zip_date_time(_dt.date.fromisoformat(date) if date else _dt.date(1980, 1, 1))
        fd, tmp = tempfile.mkstemp(prefix=_temporary(top), suffix=".zip", dir=target.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self.archive = zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED)
        self.folder: Path | None = None
        self.names: list[str] = []
        self.written = 0                     # how many of `names` are in the zip
        self.failed: BaseException | None = None
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def _add(self, name: str) -> None:
        info = zipfile.ZipInfo(f"{self.top}/{name}", date_time=self.stamp)
        info.compress_type = zipfile.ZIP_STORED if name.endswith(_COMPRESSED) else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.archive.writestr(info, (self.folder / name).read_bytes(),
                              compresslevel=1 if name.endswith(_FAST) else None)

    def start(self, folder: Path, names: list[str], rendering: dict | None) -> None:
        """Add ``names`` (files of ``folder``) in order, from a thread, as they are written (``rendering``: file
        name -> the future of its render job); ``None``: a serial build, everything is added by :meth:`finish`."""
        self.folder, self.names = folder, list(names)
        if rendering is None:
            return

        def run() -> None:
            for name in self.names:
                job = rendering.get(name)
                while job is not None and not self.stopping.is_set():
                    try:
                        # exception(), not result(): the job's error is raised by the main thread (_collect), and
                        # raising the same exception object here too would mix this thread's frames into its traceback
                        if job.exception(timeout=0.05) is not None:
                            return
                        break
                    except FutureTimeout:            # not done yet: look whether the build was stopped
                        continue
                    except FutureCancelled:          # a stopped build: the zip is discarded
                        return
                if self.stopping.is_set():
                    return
                try:
                    self._add(name)
                except BaseException as exc:          # noqa: BLE001 - raised by finish(), or dropped with the build
                    self.failed = exc
                    return
                self.written += 1
        self.thread = threading.Thread(target=run, name="gosprog-package-zip", daemon=True)
        self.thread.start()

    def finish(self, last: list[str]) -> None:
        """Add the files not yet in the zip, then ``last`` (of the same folder), and close it. Raises
        ``IsADirectoryError`` when a folder stands where the zip goes: before the package's folder is replaced, so
        that folder and zip stay those of one build."""
        if self.target.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(self.target))
        if self.thread is not None:
            self.thread.join()
            if self.failed is not None:
                raise self.failed
        for name in self.names[self.written:] + list(last):
            self._add(name)
        self.archive.close()
        os.chmod(self.tmp, 0o644)

    def publish(self) -> None:
        os.replace(self.tmp, self.target)

    def discard(self) -> None:
        """Stop adding files and remove the unfinished zip (the previous one, if any, stays)."""
        self.stopping.set()
        if self.thread is not None:
            try:
                self.thread.join(ABANDON_WAIT_S)
            except RuntimeError:        # the build was stopped while the thread was being started (it is not, or
                pass                    # it sees `stopping` before it adds anything)
        try:
            self.archive.close()
        except Exception:                   # noqa: BLE001 - half written by a stopped build: removed below
            pass
        self.tmp.unlink(missing_ok=True)
