"""The DOCX writer, with python-docx's template already prepared for the default style.

A parallel build's fork server imports this module instead of :mod:`generator.writers.docx`
(:func:`generator.package.preload_modules`): the template made Russian in the default font and size
(:func:`generator.writers.docx.prepared`) is then made once, before the render processes are forked, and each
inherits it instead of making its own (30-40 ms of every process's first document). Only plain Python and lxml
objects are made here: Typst, which starts threads when it compiles, is never run before a fork.
"""

from __future__ import annotations

from ..model import Style
from .docx import prepared

prepared(Style().font, Style().text_size)
