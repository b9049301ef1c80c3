"""Builders: domain objects → format-neutral documents (one module per document family)."""

from __future__ import annotations

from pathlib import Path

from .. import model
from ..data import schema
from ..plans import Planned  # noqa: F401  (the builders' public name of a planned document)
from . import program as program_builders
from . import subprogram as subprogram_builders


def program_package(program: schema.Program, located=None) -> list[Planned]:
    """Every document of the program package, in reading order."""
    def files(*units: str) -> list[str]:
        if located is None:
            return []
        return sorted({str(located.files[u]) for u in units if u in located.files})

    out = [Planned("00-programma-pasport", "program-passport", program_builders.passport(program), files("program")),
           Planned("01-programma-tablicy", "program-tables", program_builders.tables_document(program),
                   files("program", *[f"sp{s.code}" for s in program.subprograms]))]
    for sub in program.subprograms:
        unit = f"sp{sub.code}"
        stem = f"{10 + _order(sub)}-podprogramma-{_safe(sub.code)}"
        out.append(Planned(f"{stem}-pasport", "subprogram-passport",
                           subprogram_builders.passport(program, sub), files(unit, "program")))
        out.append(Planned(f"{stem}-tablicy", "subprogram-tables",
                           subprogram_builders.tables_document(program, sub), files(unit)))
        appendices = subprogram_builders.appendices_document(program, sub)
        if appendices is not None:
            out.append(Planned(f"{stem}-prilozheniya", "subprogram-appendices", appendices, files(unit)))
    return out


def _order(sub: schema.Subprogram) -> int:
    return int(sub.code) if sub.code.isascii() and sub.code.isdigit() else 0


def _safe(code: str) -> str:
    from ..paths import safe_name
    return safe_name(code)


def plan(program: schema.Program, located=None, out: str | Path = "output", base: str | Path | None = None):
    """The program package of ``program`` as a :class:`generator.plans.Plan`: every document of
    :func:`program_package`, written to ``OUT/<program>/<edition date>`` (:mod:`generator.paths`); the
    sources are listed relative to ``base`` (the data folder)."""
    from ..paths import program_package_folder
    from ..plans import Plan
    meta = {"program": program.code, "title": program.title, "edition": program.edition.date.isoformat(),
            "date": program.edition.date.isoformat(), "kind": "program-package"}
    return Plan(program_package(program, located), program_package_folder(out, program.code, program.edition.date),
                meta, Path(base) if base is not None else None)
