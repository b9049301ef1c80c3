"""Load a program folder (``program.yaml`` + ``subprograms/*.yaml``) into a :class:`Program`.

Every error names the file, line, column and field, and says what was expected.
Structural checks that pydantic cannot see (duplicate codes, references to
indicators or sources that do not exist, row lengths that do not match the
years) are made here too, so a loaded program is internally well-formed;
arithmetic is the business of :mod:`generator.rules`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from . import yamlread
from .errors import DataError, DataErrors, field_path
from ..paths import safe_name
from .schema import Program, Subprogram, normalise_code

RUSSIAN_NUMBER = re.compile(r"^-?\d{1,3}( \d{3})+(,\d+)?$|^-?\d+,\d+$")


@dataclass
class Located:
    """Where each part of the loaded program came from: file and marks per field path."""

    files: dict[str, Path] = field(default_factory=dict)       # "program" / subprogram code → file
    marks: dict[str, dict] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)     # the plain values read, per unit (for text checks)

    def where(self, unit: str, path: tuple = ()) -> tuple[Path | None, int | None]:
        marks = self.marks.get(unit, {})
        for cut in range(len(path), -1, -1):
            if path[:cut] in marks:
                return self.files.get(unit), marks[path[:cut]][0]
        return self.files.get(unit), None


def _explain(err: dict) -> str:
    kind, value = err["type"], err.get("input")
    if isinstance(value, str) and RUSSIAN_NUMBER.match(value.strip()):
        plain = value.replace(" ", "").replace(",", ".")
        return f"expected a number, got the text {value!r}: write it as {plain}"
    if kind == "extra_forbidden":
        return "unknown key (see docs/data-format.md for the keys this place accepts)"
    if kind == "missing":
        return "required key is missing"
    if kind in ("decimal_parsing", "decimal_type", "int_parsing", "int_type", "float_parsing"):
        return f"expected a number, got {value!r}"
    if kind == "value_error":
        message = err["msg"].removeprefix("Value error, ")
        if isinstance(value, Decimal):
            value = format(value, "f")
        return f"{message}, got {value!r}" if not isinstance(value, (dict, list)) else message
    if kind == "literal_error":
        return f"{err['msg'].lower()}, got {value!r}"
    if kind == "string_type":
        return f"expected text, got {value!r}"
    if kind == "list_type":
        return f"expected a list, got {type(value).__name__}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping of keys, got {value!r}"
    return f"{err['msg']} (got {value!r})"


def _validation_errors(exc: ValidationError, path: Path, marks: dict) -> list[DataError]:
    errors: list[DataError] = []
    seen: set[tuple] = set()
    for err in exc.errors():
        loc = tuple(err["loc"])
        real = loc      # union members add their type names to the location: cut back to a real path
        while real and real not in marks:
            real = real[:-1]
        shown = real + (loc[len(real)],) if err["type"] == "missing" and len(loc) > len(real) else real
        if shown in seen:
            continue
        seen.add(shown)
        line, column = marks.get(real, (None, None))
        errors.append(DataError(_explain(err), file=path, line=line, column=column,
                                field=field_path(shown) or None))
    return errors


def read_model(model, path: Path, located: Located | None = None, unit: str | None = None):
    """Read one YAML file into a pydantic model, with located errors."""
    return _read_model(model, Path(path), located or Located(), unit or str(path))


def _read_model(model, path: Path, located: Located, unit: str, extra: dict | None = None):
    value, marks = yamlread.read(path)
    if not isinstance(value, dict):
        raise DataError("expected a mapping of keys at the top of the file", file=path, line=1)
    located.files[unit] = path
    located.marks[unit] = marks
    located.values[unit] = value
    try:
        return model.model_validate({**value, **(extra or {})})
    except ValidationError as exc:
        raise DataErrors(_validation_errors(exc, path, marks)) from None


def load_program(folder: str | Path, with_locations: bool = False):
    """Read and check a program folder. Raises :class:`DataErrors` (or :class:`DataError`)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("not a program folder (expected a directory with program.yaml)", file=folder)
    program_file = folder / "program.yaml"
    if not program_file.is_file():
        raise DataError("program.yaml is missing", file=folder)
    located = Located()
    errors: list[DataError] = []
    program = None
    try:
        program = _read_model(Program, program_file, located, "program")
    except DataErrors as exc:
        errors.extend(exc.errors)
    except DataError as exc:
        errors.append(exc)
    subprograms: list[Subprogram] = []
    for path in sorted((folder / "subprograms").glob("*.yaml"), key=_natural):
        try:
            sub = _read_model(Subprogram, path, located, f"sp:{path.stem}")
        except DataErrors as exc:
            errors.extend(exc.errors)
            continue
        except DataError as exc:
            errors.append(exc)
            continue
        if f"sp{sub.code}" in located.files:
            first = located.files[f"sp{sub.code}"]
            line = located.marks[f"sp:{path.stem}"].get(("code",), (None,))[0]
            errors.append(DataError(f"duplicate subprogram code {sub.code!r}: {first} has it too",
                                    file=path, line=line, field="code"))
            continue
        located.files[f"sp{sub.code}"] = path
        located.marks[f"sp{sub.code}"] = located.marks.pop(f"sp:{path.stem}")
        located.values[f"sp{sub.code}"] = located.values.pop(f"sp:{path.stem}", None)
        located.files.pop(f"sp:{path.stem}", None)
        subprograms.append(sub)
    if errors:
        raise DataErrors(errors)
    program.subprograms = subprograms
    structural = check_structure(program, located)
    if structural:
        raise DataErrors(structural)
    return (program, located) if with_locations else program


def _natural(path: Path):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.stem)]


def check_structure(program: Program, located: Located) -> list[DataError]:
    """References and shapes: what must hold before any arithmetic is meaningful."""
    errors: list[DataError] = []

    def err(unit: str, path: tuple, message: str) -> None:
        file, line = located.where(unit, path)
        errors.append(DataError(message, file=file, line=line, field=field_path(path) or None))

    from ..wording import catalogue
    book = catalogue()
    for key, part in (("kind", "kinds"), ("budget", "budgets"), ("unit", "units")):
        if getattr(program, key) not in book.get(part, {}):
            err("program", (key,), f"unknown {key} {getattr(program, key)!r} (known: {', '.join(book.get(part, {}))}; "
                "see templates/wording.yaml)")
    for key in program.wording:
        if key not in book.get("texts", {}):
            err("program", ("wording", key), f"unknown text {key!r} (see templates/wording.yaml \"texts\")")
    source_keys = {s.key for s in program.sources}
    project_codes = {normalise_code(r.code) for r in program.regional_projects.rows if r.code} \
        if program.regional_projects else None
    n_years = len(program.years)
    seen_codes: dict[str, str] = {}
    for sub in program.subprograms:
        unit = f"sp{sub.code}"
        folded = safe_name(sub.code)        # file names are made from codes: "A"/"a", "1.1"/"1.1." would collide
        if folded in seen_codes:
            err(unit, ("code",), f"duplicate subprogram code {sub.code!r} (also in {seen_codes[folded]})")
        seen_codes[folded] = str(located.files.get(unit))
        years = program.subprogram_years(sub)
        if not set(years) <= set(program.years):
            err(unit, ("years",), f"years {years} are outside the program's period {program.years}")
        indicator_codes = set()
        if sub.indicators:
            for i, ind in enumerate(sub.indicators.items):
                if ind.code in indicator_codes:
                    err(unit, ("indicators", "items", i, "code"), f"duplicate indicator code {ind.code!r}")
                indicator_codes.add(ind.code)
        if sub.activities:
            codes = set()
            for i, act in enumerate(sub.activities.items):
                if normalise_code(act.code) in codes:
                    err(unit, ("activities", "items", i, "code"), f"duplicate activity code {act.code!r}")
                codes.add(normalise_code(act.code))
                if act.project and project_codes is not None and normalise_code(act.project) not in project_codes:
                    err(unit, ("activities", "items", i, "project"),
                        f"regional project {act.project!r} is not in program table 6 "
                        f"(known: {', '.join(sorted(project_codes))})")
                for j, link in enumerate(act.indicators):
                    if link.indicator is not None and indicator_codes and link.indicator not in indicator_codes:
                        err(unit, ("activities", "items", i, "indicators", j, "indicator"),
                            f"indicator {link.indicator!r} does not exist in this subprogram "
                            f"(known: {', '.join(sorted(indicator_codes))})")
                    if link.source_codes is not None and len(link.source_codes) != len(sub.activities.year_columns):
                        err(unit, ("activities", "items", i, "indicators", j, "source_codes"),
                            f"{len(link.source_codes)} source codes for {len(sub.activities.year_columns)} years")
        if sub.financing:
            activity_codes = {normalise_code(a.code) for a in sub.activities.items} if sub.activities else set()
            for i, row in enumerate(sub.financing.rows):
                if row.kind == "activity" and activity_codes and normalise_code(row.code) not in activity_codes:
                    err(unit, ("financing", "rows", i, "code"),
                        f"activity {row.code!r} is not in the list of main activities (table 3)")
                for j, line in enumerate(row.sources):
                    if line.source not in source_keys:
                        err(unit, ("financing", "rows", i, "sources", j, "source"),
                            f"unknown funding source {line.source!r} (known: {', '.join(sorted(source_keys))})")
                    if len(line.values) != len(years):
                        err(unit, ("financing", "rows", i, "sources", j, "values"),
                            f"{len(line.values)} values for {len(years)} years {years}")
        if sub.forecast:
            for i, row in enumerate(sub.forecast.rows):
                if len(row.values) != len(years):
                    err(unit, ("forecast", "rows", i, "values"), f"{len(row.values)} values for {len(years)} years")
        for t, table in enumerate(sub.tables):
            if not table.header:
                err(unit, ("tables", t, "header"), "a printed table needs at least one header row")
    if program.tax_expenditures:
        for g, group in enumerate(program.tax_expenditures.groups):
            for i, item in enumerate(group.items):
                for key in ("payers", "amounts"):
                    if len(getattr(item, key)) != n_years:
                        err("program", ("tax_expenditures", "groups", g, "items", i, key),
                            f"{len(getattr(item, key))} values for {n_years} years")
    for b, block in enumerate(program.passport.financing):
        if len(block.years) != n_years:
            err("program", ("passport", "financing", b, "years"), f"{len(block.years)} values for {n_years} years")
    return errors
