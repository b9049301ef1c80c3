"""Plans: what a report family publishes, generic over families.

Every report family (the program package in :mod:`generator.builders`, the editions' comparison in
:mod:`generator.editions.documents`, the quarterly reports in :mod:`generator.quarterly.plan`, the annual
reports in :mod:`generator.annual.plan`) is a package of the same shape: builders (domain objects →
:class:`generator.model.Document`) and one ``plan(...)`` function returning a :class:`Plan`: the documents to
write (:class:`Planned`: file stem, kind, formats), where the package goes (:mod:`generator.paths`) and the
manifest's metadata. :func:`publish` renders any plan with :func:`generator.package.build`; the command line
only parses options, calls the family's ``plan`` and ``publish``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from . import model


@dataclass
class Planned:
    """A document of a package: its file stem (ASCII, safe on Windows), kind, and the data it came from."""

    name: str
    kind: str
    document: model.Document
    sources: list[str] = field(default_factory=list)
    formats: tuple[str, ...] | None = None     # the formats this document exists in; None: every requested one


@dataclass
class Plan:
    """One package to publish: ``documents`` in reading order, written to the folder ``destination``
    (replaced atomically, with a manifest and a zip beside it); ``meta`` goes into the manifest (``kind`` is
    the family's package kind, ``date`` the package date); sources are listed relative to ``base``."""

    documents: list[Planned]
    destination: Path
    meta: dict
    base: Path | None = None

    def only(self, texts: Iterable[str]) -> "Plan":
        """The plan reduced to the documents whose file name, kind or Russian title contains one of ``texts``
        (``--only``; :func:`generator.select.matching`: any case, ё, quotes); unchanged for no text. The result
        may have no document."""
        from .select import matching
        texts = list(texts)
        if not texts:
            return self
        return replace(self, documents=matching(self.documents, texts))


def publish(plan: Plan, options, progress: Callable[[Iterable, int], Iterable] | None = None,
            extra_meta: dict | None = None, workers=None, check=None) -> dict:
    """Render ``plan`` with ``options`` (:class:`generator.package.Options`); ``extra_meta`` (such as the
    ``forced`` mark of the publishing gate) is added to the manifest after the plan's own. Returns the
    manifest (a dict: ``files``, ``rendered``, ...). ``workers``: render processes started earlier
    (:class:`generator.package.Workers`); ``check``: run while the documents render (see
    :func:`generator.package.build`). Raises :class:`generator.package.PackageError` (Russian
    message) when the package cannot be written; the previous package is then intact."""
    from .package import build
    return build(plan.documents, plan.destination, options, {**plan.meta, **(extra_meta or {})},
                 progress=progress, base=plan.base, workers=workers, check=check)
