"""Python's cyclic garbage collector paused while many long-lived objects are made.

A collection walks every object the collector tracks that is younger than its generation; while a program is read,
its documents planned or its modules imported, tens of thousands of new objects arrive, none of them garbage, and
the collections that their arrival sets off find nothing (CPython's ``gc`` module: a collection of the youngest
generation runs after 700 more allocations than deallocations of tracked objects, and it and the middle one walk
what is there). They are left out until the block ends; reference counting still frees whatever is dropped meanwhile.

The collector is one per process: blocks entered by several threads share one pause, counted under a lock, and the
last to leave turns it on again if it was on before the first entered (two threads each saving and restoring
``gc.isenabled()`` could leave it off for good: one saves "off" while the other's block runs).
"""

from __future__ import annotations

import contextlib
import gc
import threading

_lock = threading.Lock()
_inside = 0                 # blocks entered and not left, in every thread
_was_enabled = False        # the collector's state when the first of them was entered


@contextlib.contextmanager
def paused():
    """No collection inside the block (nested blocks and other threads' blocks too); the collector is on again once
    the last block is left, if it was on when the first was entered."""
    global _inside, _was_enabled
    with _lock:
        if _inside == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0 and _was_enabled:
                gc.enable()
