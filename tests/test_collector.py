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
