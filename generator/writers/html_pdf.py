"""PDF through HTML and CSS (WeasyPrint): the engine for staff who edit HTML/CSS templates.

The model becomes HTML through ``templates/document.html.j2`` (autoescaped,
sandboxed) and is laid out with ``templates/style.css``. The renderer fetches
nothing: its URL fetcher serves only files inside the template folders and
inline ``data:`` images made by gosprog, and refuses everything else. Fonts are
the bundled faces of ``templates/fonts`` declared by ``@font-face`` in
``style.css`` under a family name of their own, so no system font is chosen.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from .. import model
from .. import templates as templates_mod
from ._files import write_atomic
from ._plain import for_pdf


def url_fetcher_for(templates: templates_mod.Templates):
    """A WeasyPrint URL fetcher that reads template files and our own PNG data URLs, nothing else."""
    import base64

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class GuardedFetcher(URLFetcher):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.requested: list[str] = []      # every URL the renderer asked for
            self.refused: list[str] = []        # those it was refused

        def fetch(self, url, headers=None):
            self.requested.append(url)
            if url.startswith("data:image/png;base64,"):
                return URLFetcherResponse(url, base64.b64decode(url.split(",", 1)[1]),
                                          {"Content-Type": "image/png"})
            parsed = urlparse(url)
            if parsed.scheme == "file":
                path = Path(unquote(parsed.path)).resolve()
                for folder in templates.dirs:
                    if path.is_relative_to(folder):
                        try:   # the same name in the user's overlay wins over the default
                            found = templates.find(path.relative_to(folder).as_posix())
                        except FileNotFoundError:
                            break
                        return URLFetcherResponse(url, found.read_bytes(), {"Content-Type": _mime(found)})
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url[:80]!r}: only files of the template folders are read")

    return GuardedFetcher(allowed_protocols=("file", "data"))


def _mime(path: Path) -> str:
    return {".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml", ".ttf": "font/ttf"}.get(path.suffix, "application/octet-stream")


def to_html(document: model.Document, templates: templates_mod.Templates, plain_data=None) -> str:
    """The HTML of ``document`` (``templates/document.html.j2`` over the plain tree), as WeasyPrint prints it;
    ``plain_data``: the plain form when the caller has it already."""
    return templates.render("document.html.j2",
                            doc=for_pdf(document, plain_data))


def render(document: model.Document, *, templates=None, pdf_standard: str | None = None, plain_data=None,
           **options) -> bytes:
    """The PDF bytes of ``document`` through HTML/CSS and WeasyPrint (:func:`to_html`; no network: only
    the document's own images are fetched); ``pdf_standard`` ``"a-2b"``/``"a-3b"`` gives PDF/A. Raises
    ``ValueError`` for an unknown standard. ``plain_data``: the document's :func:`~generator.writers._plain.plain`
    form when the caller has it already (a package build computes it once per document)."""
    from weasyprint import HTML

    tpl = templates_mod.get(templates)
    html = to_html(document, tpl, plain_data)
    base = tpl.find("document.html.j2").parent
    variant = {"a-2b": "pdf/a-2b", "a-3b": "pdf/a-3b", "a-2u": "pdf/a-2u", "ua-1": "pdf/ua-1"}.get(pdf_standard or "")
    if pdf_standard and not variant:
        raise ValueError(f"unknown PDF standard {pdf_standard!r}")
    kwargs = {"pdf_variant": variant} if variant else {}
    # A fixed identifier, and font subsets stamped with the document's date rather than the clock
    # (fontTools reads SOURCE_DATE_EPOCH): the same document gives the same bytes.
    epoch = str(int(document.date.replace(tzinfo=_dt.timezone.utc).timestamp()))
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = epoch
    try:
        return HTML(string=html, base_url=base.as_uri() + "/", url_fetcher=url_fetcher_for(tpl)).write_pdf(
            pdf_identifier=_identifier(document), uncompressed_pdf=False, **kwargs)
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def _identifier(document: model.Document) -> bytes:
    """The PDF's /ID, fixed per document (reproducible bytes) and free of the tool's name."""
    return hashlib.sha256(f"{document.title}\n{document.date.isoformat()}".encode()).hexdigest()[:32].encode()


def write(document: model.Document, path: Path, **options) -> None:
    """Render ``document`` to ``path`` (:func:`render`), atomically: the file is whole or absent (previous one kept)."""
    write_atomic(path, render(document, **options))
