"""Imported last by a parallel build's fork server: the objects its imports made are frozen (:func:`gc.freeze`).

Every render process is forked from the fork server and inherits those objects (the writers' modules, python-docx's
prepared template, the font set: a few hundred thousand). Frozen, they are left out of the render processes'
garbage collections, which would otherwise walk them all at each full collection and, by touching each object's
header, copy the memory pages the processes share (Python's documentation of :func:`gc.freeze`: called before a
fork, for the children's collections not to touch the parent's long-lived objects).
"""

import gc

gc.freeze()
