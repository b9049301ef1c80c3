"""The Typst writer, with ``typst`` imported and the bundled fonts indexed.

A parallel build's fork server imports this module instead of :mod:`generator.writers.typst_pdf`
(:func:`generator.package.modules_for`): the ``typst`` extension is loaded and the default templates' font set
(:func:`generator.writers.typst_pdf.font_set`) is made once, before the render processes are forked, and each
inherits them instead of making its own before its first PDF. Making a ``typst.Fonts`` reads and indexes the font
files and starts no thread; Typst's compiler, which does start threads, is never run before a fork.
"""

from __future__ import annotations

import typst  # noqa: F401  (loaded here, before the fork)

from .. import templates
from .typst_pdf import font_dirs, font_set

try:
    font_set(font_dirs(templates.get(None)))
except Exception:       # noqa: BLE001  left to the render process, which says what failed with its document
    # the fork server imports its modules once and forks every render process from itself: an exception here would
    # end it (multiprocessing passes over an ImportError only), and the build would fail without saying why
    pass
