"""generator.collector.paused: the cyclic collector off inside the blocks, on again after the last, whatever the threads."""

from __future__ import annotations

import gc
import sys
import threading

from generator import collector
from generator.data import yamlread


def test_off_inside_nested_blocks_and_on_after_them():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_exception_inside_leaves_it_on():
    try:
        with collector.paused():
            raise ValueError("bad data")
    except ValueError:
        pass
    assert gc.isenabled()


def test_threads_reading_at_once_never_leave_it_off():
    """Four threads reading YAML at once, switching as often as the interpreter can: with each block saving and
    restoring the collector's state on its own, about one trial in five ended with it off for good."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    left_off = 0
    try:
        for _ in range(100):
            threads = [threading.Thread(target=lambda: [yamlread.parse("a: 1\n") for _ in range(5)])
                       for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            left_off += not gc.isenabled()
            gc.enable()
    finally:
        sys.setswitchinterval(interval)
    assert left_off == 0


def _collections_during(action) -> list[int]:
    """The generations of the collections that ran while ``action()`` ran."""
    seen: list[int] = []

    def note(phase, info):
        if phase == "start":
            seen.append(info["generation"])
    gc.callbacks.append(note)
    try:
        action()
    finally:
        gc.callbacks.remove(note)
    return seen


def _large_document():
    from generator import model
    columns = [model.Column(2.0), *[model.Column(1.0, kind="number", align="right") for _ in range(6)]]
    body = [model.Row([model.Cell(f"Муниципальное образование {i}"), *[model.Cell(i * 10 + c) for c in range(6)]])
            for i in range(3000)]
    doc = model.Document(title="Сводный отчет")
    doc.section("landscape").add(model.Table(columns, [model.Row([model.Cell(f"графа {c}") for c in range(7)])], body))
    return doc


def test_writing_a_document_runs_no_collection(tmp_path, monkeypatch):
    """A writer makes many objects and no garbage cycle: the collector is paused while it writes (with the data of
    20,000 municipalities in memory, its full collections made the consolidated report's XLSX grow faster than its
    rows). Checked against the same write with the pause taken out, which does collect."""
    from generator import writers
    doc = _large_document()
    paused = _collections_during(lambda: writers.write(doc, tmp_path / "paused.xlsx"))
    import contextlib
    monkeypatch.setattr(collector, "paused", contextlib.nullcontext)
    collected = _collections_during(lambda: writers.write(doc, tmp_path / "collected.xlsx"))
    # paused: only what the allocations meanwhile owe once the collector is on again (one youngest collection and
    # the older one it may set off), against a collection every 700 new objects while the cells are made
    assert len(paused) <= 2 and len(collected) > 20, (paused, collected)
    assert (tmp_path / "paused.xlsx").read_bytes() == (tmp_path / "collected.xlsx").read_bytes()
