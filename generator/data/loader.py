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
from ..i18n import _
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
        """``(file, line)`` of the value at ``path`` (keys and indexes) in ``unit`` (``"program"``, ``"sp1"``, a
        file's path): the line of the value or of its nearest located parent (1-based); ``(file, None)`` when
        nothing along the path is located, ``(None, None)`` for a unit that was not read."""
        marks = self.marks.get(unit, {})
        for cut in range(len(path), -1, -1):
            if path[:cut] in marks:
                return self.files.get(unit), marks[path[:cut]][0]
        return self.files.get(unit), None


def _explain(err: dict) -> str:
    """What was wrong with a value pydantic refused, in the user's language, with what to write instead."""
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if isinstance(value, str) and RUSSIAN_NUMBER.match(value.strip()):
        plain = value.replace(" ", "").replace(",", ".")
        return _("expected a number, got the text {value!r}: write it as {plain}").format(value=value, plain=plain)
    if kind == "extra_forbidden":
        return _("unknown key: check its spelling (docs/data-format.md lists the keys this place accepts)")
    if kind == "missing":
        return _("required key is missing: add it")
    if kind in ("decimal_parsing", "decimal_type", "int_parsing", "int_type", "float_parsing"):
        return _("expected a number, got {value!r}").format(value=value)
    if kind == "value_error":
        message = err["msg"].removeprefix("Value error, ")
        if isinstance(value, Decimal):
            value = format(value, "f")
        if isinstance(value, (dict, list)):
            return message
        return _("{message}, got {value!r}").format(message=message, value=value)
    if kind == "literal_error":
        allowed = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", "")))) or str(ctx.get("expected"))
        return _("expected one of: {allowed}; got {value!r}").format(allowed=allowed, value=value)
    if kind == "string_type":
        return _("expected text, got {value!r}: put the value in quotes").format(value=value)
    if kind == "list_type":
        if isinstance(value, dict):
            return _("expected a list ([..., ...]), got a mapping of keys")
        return _("expected a list ([..., ...]), got {value!r}").format(value=value)
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        if isinstance(value, list):
            return _("expected a mapping of keys (key: value), got a list")
        return _("expected a mapping of keys (key: value), got {value!r}").format(value=value)
    if kind == "string_pattern_mismatch":
        return _("{value!r} does not fit the pattern {pattern} (letters, digits and the signs it allows)").format(
            value=value, pattern=ctx.get("pattern"))
    if kind in ("bool_type", "bool_parsing"):
        return _("expected true or false, got {value!r}").format(value=value)
    if kind.startswith("date"):
        return _("expected a date (YYYY-MM-DD), got {value!r}").format(value=value)
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(ctx.values()), "")
        text = {"greater_than": _("must be greater than {bound}, got {value!r}"),
                "greater_than_equal": _("must be at least {bound}, got {value!r}"),
                "less_than": _("must be less than {bound}, got {value!r}"),
                "less_than_equal": _("must be at most {bound}, got {value!r}")}[kind]
        return text.format(bound=bound, value=value)
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        return _("wrong length ({detail}), got {value!r}").format(detail=err["msg"], value=value)
    return _("value {value!r} is not accepted here ({detail})").format(value=value, detail=err["msg"])


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
        raise DataError(_("expected a mapping of keys (key: value) at the top of the file"), file=path, line=1)
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
        raise DataError(_("not a program folder: give the folder that holds program.yaml and subprograms/"), file=folder)
    program_file = folder / "program.yaml"
    if program_file.is_dir():
        raise DataError(_("program.yaml is a folder here, not a file: the program's passport and edition are written "
                          "in the file program.yaml"), file=program_file)
    if not program_file.is_file():
        raise DataError(_("program.yaml is missing: give the folder that holds program.yaml and subprograms/"), file=folder)
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
            errors.append(DataError(_("duplicate subprogram code {code!r}: {first} has it too; give each subprogram its own code")
                                    .format(code=sub.code, first=first),
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
    texts = set(book.get("texts", {})) | {k for part in ("kinds", "budgets") for entry in book.get(part, {}).values()
                                          for k in (entry.get("texts") or {})}
    for key in program.wording:
        if key not in texts and not key.startswith("title_"):
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
            err(unit, ("code",), _("duplicate subprogram code {code!r} (also in {other}); give each subprogram its own code").format(
                code=sub.code, other=seen_codes[folded]))
        seen_codes[folded] = str(located.files.get(unit))
        years = program.subprogram_years(sub)
        if not set(years) <= set(program.years):
            err(unit, ("years",), _("years {years} are outside the program's period {period}").format(years=years, period=program.years))
        indicator_codes = set()
        if sub.indicators:
            for i, ind in enumerate(sub.indicators.items):
                if ind.code in indicator_codes:
                    err(unit, ("indicators", "items", i, "code"), _("duplicate indicator code {code!r}: give each indicator its own code").format(code=ind.code))
                indicator_codes.add(ind.code)
        if sub.activities:
            codes = set()
            for i, act in enumerate(sub.activities.items):
                if normalise_code(act.code) in codes:
                    err(unit, ("activities", "items", i, "code"), _("duplicate activity code {code!r}: give each main activity its own code").format(code=act.code))
                codes.add(normalise_code(act.code))
                if act.project and project_codes is not None and normalise_code(act.project) not in project_codes:
                    err(unit, ("activities", "items", i, "project"),
                        _("regional project {code!r} is not in program table 6 (known: {known})").format(
                            code=act.project, known=", ".join(sorted(project_codes))))
                for j, link in enumerate(act.indicators):
                    if link.indicator is not None and indicator_codes and link.indicator not in indicator_codes:
                        err(unit, ("activities", "items", i, "indicators", j, "indicator"),
                            _("indicator {code!r} does not exist in this subprogram (known: {known})").format(
                                code=link.indicator, known=", ".join(sorted(indicator_codes))))
                    if link.source_codes is not None and len(link.source_codes) != len(sub.activities.year_columns):
                        err(unit, ("activities", "items", i, "indicators", j, "source_codes"),
                            _("{count} source codes for {years} years: give one per year").format(
                                count=len(link.source_codes), years=len(sub.activities.year_columns)))
        if sub.financing:
            activity_codes = {normalise_code(a.code) for a in sub.activities.items} if sub.activities else set()
            for i, row in enumerate(sub.financing.rows):
                if row.kind == "activity" and activity_codes and normalise_code(row.code) not in activity_codes:
                    err(unit, ("financing", "rows", i, "code"),
                        _("activity {code!r} is not in the list of main activities (table 3)").format(code=row.code))
                for j, line in enumerate(row.sources):
                    if line.source not in source_keys:
                        err(unit, ("financing", "rows", i, "sources", j, "source"),
                            _("unknown funding source {key!r} (known: {known})").format(key=line.source,
                                                                                known=", ".join(sorted(source_keys))))
                    if len(line.values) != len(years):
                        err(unit, ("financing", "rows", i, "sources", j, "values"),
                            _("{count} values for {n} years {years}: give one per year").format(count=len(line.values), n=len(years),
                                                                                   years=years))
        if sub.forecast:
            for i, row in enumerate(sub.forecast.rows):
                if len(row.values) != len(years):
                    err(unit, ("forecast", "rows", i, "values"), _("{count} values for {n} years: give one per year").format(count=len(row.values), n=len(years)))
        for t, table in enumerate(sub.tables):
            if not table.header:
                err(unit, ("tables", t, "header"), _("a printed table needs at least one header row"))
    if program.tax_expenditures:
        for g, group in enumerate(program.tax_expenditures.groups):
            for i, item in enumerate(group.items):
                for key in ("payers", "amounts"):
                    if len(getattr(item, key)) != n_years:
                        err("program", ("tax_expenditures", "groups", g, "items", i, key),
                            _("{count} values for {n} years: give one per year").format(count=len(getattr(item, key)), n=n_years))
    for b, block in enumerate(program.passport.financing):
        if len(block.years) != n_years:
            err("program", ("passport", "financing", b, "years"), _("{count} values for {n} years: give one per year").format(count=len(block.years), n=n_years))
    return errors
