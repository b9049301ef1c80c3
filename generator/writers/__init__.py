"""Writers: render a :class:`generator.model.Document` to one file format.

Like tablib's formats, each writer is one small module registered here by its
format name; a new format is one new module and one line below. Every writer
has the same signature ``write(document, path, **options) -> None`` and writes
atomically (to a temporary file, then renamed into place).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:           # the document model is not imported with the format list: a no-change
    from ..model import Document    # `gosprog build` checks its formats and stops before any document exists

PDF_ENGINES = ("typst", "weasyprint")
DEFAULT_PDF_ENGINE = "typst"


def _docx(document: Document, path: Path, **options) -> None:
    from . import docx
    docx.write(document, path, **options)


def _xlsx(document: Document, path: Path, **options) -> None:
    from . import xlsx
    xlsx.write(document, path, **options)


def _pdf(document: Document, path: Path, *, pdf_engine: str = DEFAULT_PDF_ENGINE, **options) -> None:
    if pdf_engine == "typst":
        from . import typst_pdf as engine
    elif pdf_engine == "weasyprint":
        from . import html_pdf as engine
    else:
        raise ValueError(f"unknown PDF engine {pdf_engine!r}; choose one of {', '.join(PDF_ENGINES)}")
    engine.write(document, path, **options)


def module_of(fmt: str, pdf_engine: str = DEFAULT_PDF_ENGINE) -> str:
    """The module that writes ``fmt`` (``"pdf"`` with ``pdf_engine``), e.g. ``"generator.writers.docx"``;
    raises ``ValueError`` for an unknown format or engine."""
    if fmt == "pdf":
        if pdf_engine not in PDF_ENGINES:
            raise ValueError(f"unknown PDF engine {pdf_engine!r}; choose one of {', '.join(PDF_ENGINES)}")
        return f"{__name__}.{'typst_pdf' if pdf_engine == 'typst' else 'html_pdf'}"
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return f"{__name__}.{fmt}"


WRITERS: dict[str, Callable[..., None]] = {"docx": _docx, "xlsx": _xlsx, "pdf": _pdf}
FORMATS = tuple(WRITERS)


def write(document: Document, path: str | Path, fmt: str | None = None, **options) -> Path:
    """Render ``document`` to ``path`` in ``fmt`` (default: the path's suffix).

    The cyclic garbage collector is paused while the file is written (:func:`generator.collector.paused`): a
    writer makes a great many objects (a cell, its format and its XML) and no garbage cycle, and in a process
    that holds much data already (the subsidy data of 20,000 municipalities) each full collection walked all
    of it: the consolidated report's XLSX grew x10.4 for x10 rows, x9.8 with the collector paused."""
    from ..collector import paused
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    with paused():
        WRITERS[fmt](document, path, **options)
    return path
