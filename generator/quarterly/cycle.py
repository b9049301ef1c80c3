"""The reporting cycle of a year as functions the commands call: the registry of a data set, the forms of a
quarter, the annual results forms, the check protocols of an import, and the demonstration loop on the sample
submissions (four quarters, then the annual results forms). The CLI (``gosprog quarterly``) only parses its
options, calls one of these and prints what they report through ``echo``.
"""

from __future__ import annotations

import datetime as _dt
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Callable

from ..i18n import _
from .load import SubsidyData
from .registry import Registry

Echo = Callable[[str], None]


def open_registry(out: str | Path, program_code: str, registry: str | Path | None = None) -> Registry:
    """The submissions registry of a data set (:func:`generator.paths.registry_folder`: ``--registry`` or
    ``OUT/<program>/submissions``), opened. Raises :class:`.registry.RegistryError` (Russian message)."""
    from ..paths import registry_folder
    return Registry(registry_folder(out, program_code, registry))


def with_submissions(reg, subsidies: list[str], year: int, quarter: int) -> list[str]:
    """Those of ``subsidies`` for which ``reg`` holds any submission (accepted or refused) of the period: a
    consolidated report is written only for them (a report of an empty registry would say every municipality
    failed to report)."""
    return [sid for sid in subsidies if reg.history(sid, year, quarter)]


def write_quarter_forms(data: SubsidyData, reg, subsidies: list[str], year: int, quarter: int,
                        folder: Path) -> int:
    """The pre-filled forms of a quarter (:func:`.forms.generate`) for every agreement of ``subsidies`` in
    ``year``, into ``folder/<subsidy>/``; returns how many. Raises SecretKeyError (installation key)."""
    from ..paths import form_filename
    from ..writers._files import write_atomic
    from .forms import generate
    count = 0
    for sid in subsidies:
        for agreement in data.agreements_for(sid, year):
            previous = reg.previous_figures(sid, agreement.municipality, year, quarter)
            content = generate(data.form_of(sid), data.subsidies[sid], data.municipalities[agreement.municipality],
                               agreement, year, quarter, previous, sample=data.is_sample(year))
            write_atomic(folder / sid / form_filename(sid, agreement.municipality, year, quarter), content)
            count += 1
    return count


def annual_form(data: SubsidyData, reg, subsidy_id: str, municipality: str, year: int,
                moneys: dict | None = None) -> tuple[bytes, bool]:
    """The annual results form of one municipality (:func:`generator.annual.forms.generate`) with the money of
    its accepted IV-quarter report in ``reg``; (its bytes, whether that report exists). ``moneys``: the year's
    money of every municipality (:func:`generator.annual.registry.year_money`) when the caller has read it."""
    from ..annual import forms as annual_forms
    from ..annual.registry import year_money
    agreement = data.agreement(subsidy_id, municipality, year)
    money = (moneys if moneys is not None else year_money(data, reg, subsidy_id, year)).get(municipality)
    filled = annual_forms.prefill(data.subsidies[subsidy_id], agreement, money)
    return annual_forms.generate(data.subsidies[subsidy_id], data.municipalities[municipality], agreement, year,
                                 filled, sample=data.is_sample(year)), money is not None


def write_annual_forms(data: SubsidyData, reg, subsidies: list[str], year: int, folder: Path) -> tuple[int, list[str]]:
    """The annual results forms of ``year`` for every agreement of ``subsidies``, into ``folder/<subsidy>/``:
    (how many, the "municipality, subsidy" of those without an accepted IV-quarter report, whose money is left
    blank). Raises SecretKeyError (installation key)."""
    from ..annual.forms import form_filename
    from ..annual.registry import year_money
    from ..writers._files import write_atomic
    count, blank = 0, []
    for sid in subsidies:
        moneys = year_money(data, reg, sid, year)          # read once for all the subsidy's municipalities
        for agreement in data.agreements_for(sid, year):
            content, has_money = annual_form(data, reg, sid, agreement.municipality, year, moneys)
            write_atomic(folder / sid / form_filename(sid, agreement.municipality, year), content)
            count += 1
            if not has_money:
                name = textwrap.shorten(data.subsidies[sid].name, 60, placeholder=" …")     # cut at a word
                blank.append(f"{data.municipalities[agreement.municipality].name}, {name}")
    return count, blank


def protocol_formats(text: str) -> tuple[str, ...]:
    """``--protocol-format`` (comma-separated; ``none``: no protocols) as a tuple; an unknown format is a
    ValueError with a Russian message."""
    from .protocol import FORMATS
    chosen = tuple(f.strip() for f in text.split(",") if f.strip() and f.strip() != "none")
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise ValueError(_("unknown protocol format {format}; choose from docx, pdf or none").format(
            format=", ".join(unknown)))
    return chosen


def write_protocols(data: SubsidyData, reg, result, formats: tuple[str, ...], echo: Echo,
                    warn: Echo | None = None) -> None:
    """The check protocol of an imported file (not of the same file sent again: it has one already), its file
    names reported through ``echo``; a folder that cannot be written is reported through ``warn`` (default
    ``echo``) and the import goes on."""
    from .protocol import write_protocols as write
    if not formats or result.status == "duplicate":
        return
    try:
        paths = write(data, reg, result.submission, formats)
    except OSError as exc:
        (warn or echo)(_("the check protocol could not be written: {error}").format(error=exc.strerror or exc))
        return
    echo(_("  protocol: {file}").format(file=", ".join(p.name for p in paths[:len(formats)])))


def demo(program, data: SubsidyData, reg, year: int, out: Path, formats, pdf_engine, protocols: tuple[str, ...],
         build_reports: Callable, echo: Echo, data_dir: str | Path | None = None) -> None:
    """The whole cycle of ``year`` on the sample submissions: for each quarter the forms are generated, filled
    from ``subsidies/sample/submissions-<year>.yaml`` as the municipalities would, imported (with their check
    protocols) and the quarter's reports built (``build_reports(reg, subsidies, year, quarter)``); then the
    annual stage (:func:`demo_annual`) when the sample has one. Raises ValueError (Russian) when the sample is
    missing, SecretKeyError/RegistryError as the commands do."""
    from ..paths import form_filename, quarterly_inbox_folder
    from ..writers._files import write_atomic
    from .forms import QUARTER_NAMES, generate
    from .intake import Expectation, describe, import_bytes
    from .sample import fill
    book = data.sample_submissions.get(year)
    if book is None:
        raise ValueError(_("no sample submissions for {year} in {folder}").format(year=year,
                                                                                 folder=data.folder / "sample"))
    for quarter in (1, 2, 3, 4):
        inbox = quarterly_inbox_folder(out, program.code, year, quarter)
        for entry in sorted((e for e in book.submissions if e.quarter == quarter), key=lambda e: e.submitted):
            agreement = data.agreement(entry.subsidy, entry.municipality, year)
            form_quarter = entry.period_as or quarter
            previous = reg.previous_figures(entry.subsidy, entry.municipality, year, form_quarter)
            form = generate(data.form_of(entry.subsidy), data.subsidies[entry.subsidy],
                            data.municipalities[entry.municipality], agreement, year, form_quarter, previous,
                            sample=True)
            filled = fill(form, data.form_of(entry.subsidy), entry)
            name = inbox / f"{entry.submitted:%Y%m%d}-{form_filename(entry.subsidy, entry.municipality, year, form_quarter)}"
            write_atomic(name, filled)
            result = import_bytes(filled, str(name), data, reg, entry.submitted, Expectation(year, quarter))
            echo(describe(result, data))
            write_protocols(data, reg, result, protocols, echo)
        destination = build_reports(reg, sorted(data.subsidies), year, quarter)
        echo(_("quarter {quarter}: reports in {folder}").format(quarter=QUARTER_NAMES[quarter], folder=destination))
    if book.annual is not None and data_dir is not None:
        demo_annual(program, data, reg, year, out, book.annual, data_dir, protocols, echo)


def demo_annual(program, data: SubsidyData, reg, year: int, out: Path, plan, data_dir: str | Path,
                protocols: tuple[str, ...], echo: Echo) -> None:
    """The annual stage of the demonstration: after the IV quarter, each municipality's annual results form is
    generated (money from its accepted IV-quarter report), filled with the values of ``annual/<year>.yaml``
    (the reason for a result not achieved is the row's ``explanation``) and imported; a form of ``plan.refused``
    is first sent without its reason, refused with a protocol, then corrected ("устранено")."""
    from ..annual.evaluate import load_facts
    from ..annual.forms import form_filename
    from ..annual.intake import achieved
    from ..paths import annual_inbox_folder
    from ..writers._files import write_atomic
    from .intake import Expectation, describe, import_bytes
    from .sample import fill_annual
    facts = load_facts(data_dir, year)
    inbox = annual_inbox_folder(out, program.code, year)
    faults = {(f.subsidy, f.municipality): f for f in plan.refused}
    arrivals: list[tuple[_dt.date, str, str, bool]] = []      # (day, subsidy, municipality, with its fault)
    for row in facts.subsidy_results:
        if row.subsidy not in plan.submitted or data.agreement(row.subsidy, row.municipality, year) is None:
            continue
        fault = faults.get((row.subsidy, row.municipality))
        if fault is not None:
            arrivals += [(fault.submitted, row.subsidy, row.municipality, True),
                         (fault.fixed, row.subsidy, row.municipality, False)]
        else:
            arrivals.append((plan.submitted[row.subsidy], row.subsidy, row.municipality, False))
    rows = {(r.subsidy, r.municipality): r for r in facts.subsidy_results}
    for day, sid, code, faulty in sorted(arrivals):
        row = rows[(sid, code)]
        subsidy = data.subsidies[sid]
        form, _has_money = annual_form(data, reg, sid, code, year)
        agreement = data.agreement(sid, code, year)
        reasons = {}
        if row.explanation and not faulty:
            reasons = {r.id: row.explanation for r in subsidy.results
                       if r.id in agreement.results and r.id in row.values
                       and not achieved(r, Decimal(str(agreement.results[r.id])), Decimal(str(row.values[r.id])))}
        filled = fill_annual(form, subsidy, dict(agreement.results), row.values, reasons, day)
        name = inbox / f"{day:%Y%m%d}-{form_filename(sid, code, year)}"
        write_atomic(name, filled)
        result = import_bytes(filled, str(name), data, reg, day, Expectation(year, 0))
        echo(describe(result, data))
        write_protocols(data, reg, result, protocols, echo)
