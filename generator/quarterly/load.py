"""Load the subsidy data of a program folder (``subsidies/``) and check its references."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..data.errors import DataError, DataErrors
from ..data.loader import Located, read_model
from ..data.schema import Program
from ..i18n import N_, _
from ..numbers import format_number
from .schema import Agreement, Agreements, FormSpec, Municipalities, Municipality, SampleSubmissions, Subsidies, Subsidy


@dataclass
class SubsidyData:
    folder: Path
    municipalities: dict[str, Municipality]
    subsidies: dict[str, Subsidy]
    forms: dict[str, FormSpec]
    agreements: dict[int, Agreements] = field(default_factory=dict)     # by year
    sample_submissions: dict[int, SampleSubmissions] = field(default_factory=dict)
    _index: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def agreement(self, subsidy: str, municipality: str, year: int) -> Agreement | None:
        book = self.agreements.get(year)
        if book is None:
            return None
        # an index instead of a scan per call: imports look an agreement up per file (O(n²) otherwise);
        # rebuilt when the year's book is replaced or its list changes length
        cached = self._index.get(year)
        if cached is None or cached[0] is not book or cached[1] != len(book.agreements):
            found: dict[tuple[str, str], Agreement] = {}
            for a in book.agreements:
                found.setdefault((a.subsidy, a.municipality), a)      # the first one, as the scan found
            cached = self._index[year] = (book, len(book.agreements), found)
        return cached[2].get((subsidy, municipality))

    def agreements_for(self, subsidy: str, year: int) -> list[Agreement]:
        book = self.agreements.get(year)
        return [a for a in book.agreements if a.subsidy == subsidy] if book else []

    def is_sample(self, year: int) -> bool:
        book = self.agreements.get(year)
        return bool(book and book.sample)

    def form_of(self, subsidy: str) -> FormSpec:
        return self.forms[self.subsidies[subsidy].form]


def load_subsidies(program_dir: str | Path, program: Program | None = None,
                   located: Located | None = None) -> SubsidyData:
    """Read ``subsidies/`` of a program folder; ``located`` (optional) receives where every value came
    from (``validate`` checks its texts). Raises :class:`DataErrors` with every located error."""
    folder = Path(program_dir) / "subsidies"
    if not folder.is_dir():
        raise DataError(_("no subsidies folder: this program has no subsidy data"), file=folder)
    located = located if located is not None else Located()
    errors: list[DataError] = []

    def read(model, path):
        try:
            return read_model(model, path, located, str(path))
        except DataErrors as exc:
            errors.extend(exc.errors)
        except DataError as exc:
            errors.append(exc)
        return None

    munis = read(Municipalities, folder / "municipalities.yaml")
    subs = read(Subsidies, folder / "subsidies.yaml")
    forms = {}
    for path in sorted((folder / "forms").glob("*.yaml")):
        spec = read(FormSpec, path)
        if spec is not None:
            if spec.id in forms:
                errors.append(DataError(_("duplicate form id {id!r}").format(id=spec.id), file=path, line=1))
            forms[spec.id] = spec
    agreements, samples = {}, {}
    for path in sorted((folder / "sample").glob("agreements-*.yaml")) + sorted(folder.glob("agreements-*.yaml")):
        book = read(Agreements, path)
        if book is not None:
            agreements[book.year] = book
    for path in sorted((folder / "sample").glob("submissions-*.yaml")):
        book = read(SampleSubmissions, path)
        if book is not None:
            samples[book.year] = book
    if errors:
        raise DataErrors(errors)
    data = SubsidyData(folder, {m.code: m for m in munis.items}, {s.id: s for s in subs.items}, forms,
                       agreements, samples)
    problems = check_references(data, program, located)
    if problems:
        raise DataErrors(problems)
    return data


#: A municipality's kind (municipalities.yaml) as named in a message: "... maximum of 85% for a municipal district".
KINDS = {"district": N_("a municipal district"), "city": N_("an urban district")}


def check_references(data: SubsidyData, program: Program | None, located: Located) -> list[DataError]:
    errors: list[DataError] = []
    for sub in data.subsidies.values():
        if sub.form not in data.forms:
            errors.append(DataError(_("subsidy {subsidy!r}: form {form!r} does not exist (known: {known})").format(
                subsidy=sub.id, form=sub.form, known=", ".join(sorted(data.forms))),
                file=data.folder / "subsidies.yaml"))
    for year, book in data.agreements.items():
        path = next((f for f in located.files.values() if f and f.name == f"agreements-{year}.yaml"), None)
        totals: dict[str, Decimal] = {}
        for i, a in enumerate(book.agreements):
            where = located.where(str(path), ("agreements", i)) if path else (None, None)
            def err(message):
                errors.append(DataError(message, file=where[0] or path, line=where[1], field=f"agreements[{i}]"))
            if a.subsidy not in data.subsidies:
                err(_("unknown subsidy {subsidy!r}").format(subsidy=a.subsidy))
                continue
            if a.municipality not in data.municipalities:
                err(_("unknown municipality {municipality!r}").format(municipality=a.municipality))
                continue
            sub = data.subsidies[a.subsidy]
            kind = data.municipalities[a.municipality].kind
            fixed = sub.cofinancing.fixed.get(a.municipality)
            cap = sub.max_level(kind)
            if fixed is not None and a.level != fixed:
                # the percent signs are in the values: "{level}% differs" would read as a %-format to gettext tools
                err(_("co-financing level {level} differs from the level {fixed} the rules fix for "
                      "{municipality}").format(level=f"{a.level}%", fixed=f"{fixed}%", municipality=a.municipality))
            elif cap is not None and a.level > cap:
                err(_("co-financing level {level} exceeds the rules' maximum of {cap} for {kind}").format(
                    level=f"{a.level}%", cap=f"{cap}%", kind=_(KINDS.get(kind, kind))))
            unknown = set(a.results) - {r.id for r in sub.results}
            if unknown:
                err(_("unknown result(s) {results} for subsidy {subsidy!r}").format(
                    results=", ".join(sorted(unknown)), subsidy=a.subsidy))
            totals[a.subsidy] = totals.get(a.subsidy, Decimal(0)) + a.subsidy_amount
        if program is not None:
            for sid, total in totals.items():
                limit = activity_limit(program, data.subsidies[sid], year)
                if limit is not None and total > limit * 1000:
                    errors.append(DataError(
                        _("agreements of subsidy {subsidy!r} add up to {total} rubles, more than the subprogram's "
                          "{year} financing of activity {activity} ({limit} thousand rubles)").format(
                            subsidy=sid, total=format_number(total, 2), year=year, activity=data.subsidies[sid].activity,
                            limit=format_number(limit, None)),
                        file=path))
    return errors


def activity_limit(program: Program, subsidy: Subsidy, year: int) -> Decimal | None:
    """The regional money of the subsidy's activity and executor in a year (тыс. руб.), when the act gives it."""
    from ..calc import as_decimal, row_money
    from ..data.schema import normalise_code
    sub = next((s for s in program.subprograms if s.code == subsidy.subprogram), None)
    if sub is None or sub.financing is None or year not in program.subprogram_years(sub):
        return None
    index = program.subprogram_years(sub).index(year)
    rows = [r for r in sub.financing.rows if normalise_code(r.code) == normalise_code(subsidy.activity)]
    match = [r for r in rows if subsidy.executor and r.executor == subsidy.executor] or \
            [r for r in rows if r.kind == "activity"]
    if not match:
        return None
    key = "own" if match[0].source("own") is not None else "total"     # no split by source: the row's total
    money = row_money(match[0], key)
    return as_decimal(money[index]) if money is not None else None
