"""PDF through Typst (the ``typst`` Python package): the fast engine.

The document goes to ``templates/document.typ`` as JSON in ``sys.inputs``;
the template places every text as a string, so nothing from data is ever
parsed as Typst markup (``#import``, ``$``, ``@`` … print literally). Images
are written next to a private copy of the template; nothing is fetched.

Fonts come only from the template folders' ``fonts/`` (the bundled Liberation
Serif, see :mod:`generator.fonts`): system fonts are ignored, so the PDF is the
same on every machine.
"""

from __future__ import annotations

import base64
import functools
import json
import shutil
import tempfile
from pathlib import Path

from .. import model
from .. import templates as templates_mod
from ._files import write_atomic
from ._plain import for_pdf

STANDARDS = {"a-2b": "a-2b", "a-3b": "a-3b", "a-2u": "a-2u", "ua-1": "ua-1"}


@functools.lru_cache(maxsize=4)
def font_set(folders: tuple[str, ...]):
    """One ``typst.Fonts`` per set of font folders, shared by every compile of this process: the faces are
    read and indexed once instead of once per document (system fonts never included)."""
    import typst
    return typst.Fonts(include_system_fonts=False, font_paths=list(folders))


def font_dirs(tpl) -> tuple[str, ...]:
    """The ``fonts/`` folders of the template folders ``tpl`` (:func:`generator.templates.get`), overlay first."""
    return tuple(str(d / "fonts") for d in tpl.dirs if (d / "fonts").is_dir())


def render(document: model.Document, *, templates=None, pdf_standard: str | None = None, plain_data=None,
           **options) -> bytes:
    """The PDF bytes of ``document`` through Typst: ``templates/document.typ`` (or an overlay's, ``templates``: a
    folder) laid over the plain tree (:func:`generator.writers._plain.plain`), only the bundled fonts;
    ``pdf_standard`` ``"a-2b"``/``"a-3b"`` gives archival PDF/A. Raises ``ValueError`` for an unknown
    standard, :class:`generator.templates.TemplateError`/``typst.TypstError`` for a template that fails.
    ``plain_data``: the document's :func:`~generator.writers._plain.plain`
    form when the caller has it already (a package build computes it once per document)."""
    import typst

    tpl = templates_mod.get(templates)
    data = for_pdf(document, plain_data)
    with tempfile.TemporaryDirectory(prefix="gosprog-typst-") as work:
        root = Path(work)
        shutil.copyfile(tpl.find("document.typ"), root / "document.typ")
        n = 0
        for section in data["sections"]:
            for block in section["blocks"]:
                if block["type"] == "image":
                    n += 1
                    name = f"image-{n}.png"
                    (root / name).write_bytes(base64.b64decode(block.pop("png")))
                    block["file"] = name
        kwargs = {}
        if pdf_standard:
            if pdf_standard not in STANDARDS:
                raise ValueError(f"unknown PDF standard {pdf_standard!r}")
            kwargs["pdf_standards"] = STANDARDS[pdf_standard]
        return typst.compile(str(root / "document.typ"), root=str(root), font_paths=font_set(font_dirs(tpl)),
                             ignore_system_fonts=True,
                             sys_inputs={"doc": json.dumps(data, ensure_ascii=False)}, **kwargs)


def write(document: model.Document, path: Path, **options) -> None:
    """Render ``document`` to ``path`` (:func:`render`), atomically: the file is whole or absent (previous one kept)."""
    write_atomic(path, render(document, **options))
