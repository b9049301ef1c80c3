"""Python's cyclic garbage collector paused while many long-lived objects are made.

A collection walks every object the collector tracks that is younger than its generation; while a program is read,
its documents planned or its modules imported, tens of thousands of new objects arrive, none of them garbage, and
the collections that their arrival sets off find nothing (CPython's ``gc`` module: a collection of the youngest
generation runs after 700 more allocations than deallocations of tracked objects, and it and the middle one walk
what is there). They are left out until the block ends; reference counting still frees whatever is dropped meanwhile.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def paused():
    """No collection inside the block (nested blocks too); the collector is on again after it, if it was before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
