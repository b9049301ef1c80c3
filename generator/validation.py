"""``validate`` over a whole data folder, known findings, and the gate every publishing command passes.

A data folder holds ``program.yaml`` and ``subprograms/*.yaml`` (the program), ``subsidies/``
(subsidy rules, report forms, municipalities, agreements, sample submissions), ``annual/<year>.yaml``
(annual facts), ``editions/<date>/`` (earlier editions, each a program folder of its own) and
``known-findings.yaml``. :func:`validate_folder` reads every one of them with the same located
errors (file, line, column, field) and runs the control relations of :mod:`generator.rules`.

**Known findings** (``known-findings.yaml``): findings accepted as the act printed them. Each entry
names the rule, the file (relative to the data folder), the field path, the figures of the finding
and why it is accepted::

    findings:
      - rule: F01
        file: subprograms/sp1.yaml
        field: financing.rows[4].sources[0].total
        figures: {years sum: "53 480 593,0", printed total: "59 850 076,9"}
        why: "ошибка в тексте постановления: ..."

A finding matches an entry when rule, file, field and every figure are equal; a changed figure
makes the finding new again. Line numbers are not compared (editing other lines must not break
the list).

**The gate** (:func:`gate`): ``build``, ``annual``, ``diff`` and the quarterly commands that publish
run :func:`validate_folder` first; on unreadable files or new errors they refuse to publish unless
``force`` is given, and then the package manifest records what was forced (``"forced"``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .data import DataError, DataErrors
from .data.loader import Located, read_model
from .data.schema import Strict
from .i18n import N_, _, ngettext
from .rules import Finding

KNOWN_FILE = "known-findings.yaml"


@dataclass
class Report:
    """The verdict on one data folder.

    ``errors``: files that cannot be read or are inconsistent in their structure (always blocking);
    ``findings``: every control-relation finding; ``known``: those matched by ``known-findings.yaml``;
    ``stale``: entries of that file no finding matches any more (the act's error was corrected).
    """

    folder: Path
    program: object | None = None
    located: Located | None = None
    errors: list[DataError] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    known: list[Finding] = field(default_factory=list)
    stale: list[dict] = field(default_factory=list)

    @property
    def new(self) -> list[Finding]:
        known = {id(f) for f in self.known}
        return [f for f in self.findings if id(f) not in known]

    @property
    def new_errors(self) -> list[Finding]:
        return [f for f in self.new if f.severity == "error"]

    @property
    def new_error_groups(self) -> list[list[Finding]]:
        """New errors, those sharing a printed figure together (:func:`generator.rules.group`)."""
        from .rules import group
        return group(self.new_errors)

    @property
    def blocking(self) -> bool:
        return bool(self.errors or self.new_errors)


def _collect(errors: list[DataError], call):
    try:
        return call()
    except DataErrors as exc:
        errors.extend(exc.errors)
    except DataError as exc:
        errors.append(exc)
    return None


def validate_folder(folder: str | Path, *, editions: bool = True, loaded: tuple | None = None) -> Report:
    """Read every file of a data folder and run every check. Never raises on bad data: the report
    holds the located errors. ``editions``: also read ``editions/*/`` (each as a program folder).
    ``loaded``: ``(program, located)`` of the folder's program when the caller has read it already
    (:func:`generator.data.load_program` with locations; it read without errors)."""
    from .annual.schema import AnnualFacts
    from .data.loader import load_program
    from . import rules

    folder = Path(folder)
    report = Report(folder)
    if loaded is None:
        loaded = _collect(report.errors, lambda: load_program(folder, with_locations=True))
    if loaded is None:
        program, located = None, Located()
    else:
        program, located = loaded
    report.program, report.located = program, located
    side = Located()            # subsidies, annual facts, known findings: their texts are checked too
    if folder.is_dir() and (folder / "subsidies").is_dir():
        from .quarterly.load import load_subsidies
        subsidies = _collect(report.errors, lambda: load_subsidies(folder, program, side))
        if subsidies is not None:
            report.findings.extend(cofinancing_findings(subsidies, side))
    for path in sorted((folder / "annual").glob("*.yaml")) if folder.is_dir() else []:
        _collect(report.errors, lambda: read_model(AnnualFacts, path, side, str(path)))
    known_entries = []
    if (folder / KNOWN_FILE).is_file():
        book = _collect(report.errors, lambda: read_model(KnownFindings, folder / KNOWN_FILE, side,
                                                          str(folder / KNOWN_FILE)))
        known_entries = book.findings if book is not None else []
    glyphs = []
    for marks in (located, side):
        glyphs.extend(rules.glyph_findings(marks))
    if program is not None:
        report.findings[:0] = rules.check(program, located)
    report.findings.extend(glyphs)
    _match_known(report, known_entries)
    if editions and folder.is_dir():     # earlier editions: program folders of their own, with their own list
        for sub in sorted(p for p in (folder / "editions").glob("*") if p.is_dir()):
            inner = validate_folder(sub, editions=False)
            report.errors.extend(inner.errors)
            report.findings.extend(inner.findings)
            report.known.extend(inner.known)
            report.stale.extend(inner.stale)
    return report


def cofinancing_findings(data, located: Located) -> list[Finding]:
    """K01: an agreement's co-financing share as its amounts give it, subsidy / (subsidy + local) × 100,
    against the level the agreement states (the local amount may differ from the exact one by a kopeck's
    rounding) and against the cap or the fixed level of the subsidy's rules (``subsidies.yaml``)."""
    from decimal import Decimal

    from .rules import _fmt, _short

    out: list[Finding] = []
    for year, book in sorted(data.agreements.items()):
        path = next((f for f in located.files.values() if f and f.name == f"agreements-{year}.yaml"), None)
        for i, a in enumerate(book.agreements):
            sub, muni = data.subsidies.get(a.subsidy), data.municipalities.get(a.municipality)
            if sub is None or muni is None or a.subsidy_amount + a.local_amount == 0:
                continue
            share = a.subsidy_amount * 100 / (a.subsidy_amount + a.local_amount)
            exact_local = a.subsidy_amount * (100 - a.level) / a.level
            cap = sub.cofinancing.fixed.get(a.municipality, sub.max_level(muni.kind))
            problems = []
            if abs(a.local_amount - exact_local) > Decimal("0.01"):
                problems.append(_("by the amounts the region's share is {share}%, but the agreement's level is "
                                  "{level}% (the local funds at this level are {exact} rub., the agreement "
                                  "says {local})").format(share=_fmt(share.quantize(Decimal("0.01"))),
                                                          level=_fmt(a.level),
                                                          exact=_fmt(exact_local.quantize(Decimal("0.01"))),
                                                          local=_fmt(a.local_amount)))
            if cap is not None and share > cap and abs(a.local_amount - a.subsidy_amount * (100 - cap) / cap) > Decimal("0.01"):
                template = (_("the region's share by the amounts, {share}%, is above the fixed level of the "
                              "subsidy's rules, {cap}%") if a.municipality in sub.cofinancing.fixed else
                            _("the region's share by the amounts, {share}%, is above the maximum level of the "
                              "subsidy's rules, {cap}%"))
                problems.append(template.format(share=_fmt(share.quantize(Decimal("0.01"))), cap=_fmt(cap)))
            if problems:
                file, line = located.where(str(path), ("agreements", i)) if path else (None, None)
                out.append(Finding(_("agreement N {number} with {municipality} (subsidy \"{subsidy}\"): {problems}").format(
                                       number=a.number, municipality=muni.name, subsidy=_short(sub.name, 60),
                                       problems="; ".join(problems)),
                                   str(file) if file else None, line, rule="K01", severity="error",
                                   codes=[a.subsidy, a.municipality],
                                   numbers={"доля": _fmt(share.quantize(Decimal("0.01"))), "уровень": _fmt(a.level)},
                                   field=f"agreements[{i}]"))
    return out


def _relative(folder: Path, file: str | None) -> str | None:
    if file is None:
        return None
    try:
        return Path(file).resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return Path(file).as_posix()


def finding_key(folder: Path, f: Finding) -> tuple:
    """What identifies a finding across edits: rule, file (relative to the folder), field, figures."""
    return (f.rule, _relative(folder, f.file), f.field, _figures(f.numbers))


def _figures(numbers: dict) -> tuple:
    """Figures compared as printed, any kind of space alike ("15 736,0" typed with a plain space
    matches the non-breaking one the findings print)."""
    return tuple(sorted((str(k), " ".join(str(v).replace("\u00a0", " ").split())) for k, v in numbers.items()))


def _match_known(report: Report, entries: list) -> None:
    pool = Counter((e.rule, e.file, e.field, _figures(e.figures)) for e in entries)
    for f in report.findings:
        key = finding_key(report.folder, f)
        if pool[key] > 0:
            pool[key] -= 1
            report.known.append(f)
    for e in entries:
        key = (e.rule, e.file, e.field, _figures(e.figures))
        if pool[key] > 0:
            pool[key] -= 1
            report.stale.append({"rule": e.rule, "file": e.file, "field": e.field, "figures": dict(e.figures)})


def known_entry(folder: Path, f: Finding, why: str) -> dict:
    """An entry for ``known-findings.yaml`` accepting finding ``f`` (used to write the default list)."""
    entry = {"rule": f.rule, "file": _relative(folder, f.file), "field": f.field,
             "figures": {k: v.replace("\u00a0", " ") for k, v in f.numbers.items()}, "why": why}
    if f.source_line:
        entry["act_line"] = f.source_line
    return entry


# --- the file's schema ------------------------------------------------------------------------

class KnownFinding(Strict):
    rule: str
    file: str
    field: Optional[str] = None
    figures: dict[str, str] = {}
    why: str
    act_line: Optional[int] = None


class KnownFindings(Strict):
    findings: list[KnownFinding] = []


# --- the gate -----------------------------------------------------------------------------------

#: What the person who keeps the data does about a finding of each rule (shown under the finding).
_ARITHMETIC = N_("check these figures against the act and correct the mistyped one; if the act itself prints "
                 "them so, add the finding to known-findings.yaml")
HINTS = {
    **{rule: _ARITHMETIC for rule in ("F01", "F02", "F03", "F04", "F05", "F06", "F07", "F08", "F10", "T01",
                                       "P01", "P02")},
    "F09": N_("the printed financing paragraph differs from its figures: correct the paragraph "
              "(financing_text) or the figures"),
    "C01": N_("make the source codes of table 3 agree with the money of table 4 for that year"),
    "C02": N_("name this executor among the activity's executors in table 3, or correct the name in table 4"),
    "C03": N_("define the code in the footnote of table 3, or correct the code"),
    "K01": N_("correct the agreement's level or amounts (subsidies/sample/agreements-YYYY.yaml)"),
    "G01": N_("nothing to do: the act does not print this table, and nothing is invented in its place"),
    "G02": N_("replace the character with an ordinary one (a hyphen, a bullet typed anew) or remove it"),
}


def hint(rule: str, severity: str = "error") -> str | None:
    """What to do about a finding of ``rule``, in the user's language (``None`` when nothing is known);
    a gap of F06 needs nothing, like G01."""
    if severity == "gap":
        return _(HINTS["G01"])
    message = HINTS.get(rule)
    return _(message) if message else None


def summary(report: Report, limit: int = 10) -> list[str]:
    """A short Russian summary of what blocks publishing: unreadable files and new errors."""
    lines = []
    groups = report.new_error_groups
    n_err, n_new = len(report.errors), len(groups)
    if n_err:
        lines.append(ngettext("The data cannot be read: {count} error in the files of {folder}:",
                              "The data cannot be read: {count} errors in the files of {folder}:", n_err)
                     .format(count=n_err, folder=report.folder))
        lines.extend(f"  {e}" for e in report.errors[:limit])
    if n_new:
        lines.append(ngettext("Data check: {count} new error (the act's known errors: {known}):",
                              "Data check: {count} new errors (the act's known errors: {known}):", n_new)
                     .format(count=n_new, known=len(report.known)))
        for found in groups[:limit]:
            lines.extend(f"  {'' if n == 0 else '  ' + _('and') + ' '}{f.rule} {f.location()}: {f.message}"
                         for n, f in enumerate(found))
            advice = hint(found[0].rule)
            if advice:
                lines.append("    " + _("What to do: {hint}").format(hint=advice))
    shown = min(n_err, limit) + min(n_new, limit)
    if n_err + n_new > shown:
        lines.append("  " + _("… and {count} more; all of them: gosprog validate {folder}").format(
            count=n_err + n_new - shown, folder=report.folder))
    return lines


def gate(folder: str | Path, force: bool, echo, loaded: tuple | None = None) -> tuple[dict | None, Report]:
    """Run the checks before publishing. Returns ``(mark, report)``: ``mark`` is ``None`` when the data is
    clean, the manifest mark (``{"new_errors": n, "unreadable": m, "findings": [...]}``) when ``force`` lets
    blocked data through; raises :class:`generator.cli.common.UserError` (exit 1, Russian summary) when blocked.
    ``echo`` prints the summary of what ``force`` let through. ``loaded``: the program already read
    (:func:`validate_folder`)."""
    from .cli.common import UserError

    report = validate_folder(folder, editions=False, loaded=loaded)
    if not report.blocking:
        return None, report
    lines = summary(report)
    if not force:
        if report.program is None:      # the program itself cannot be read: --force could not publish it either
            advice = _("Publishing cancelled: correct the data (in detail: gosprog validate).")
        else:
            advice = _("Publishing cancelled: correct the data (in detail: gosprog validate) or repeat with --force "
                       "- the package will be marked as built with errors.")
        raise UserError("\n".join(lines + [advice]))
    for line in lines:
        echo(line)
    echo(_("--force: publishing despite the errors; the package's manifest records it."))
    return {"new_errors": len(report.new_error_groups), "unreadable": len(report.errors),
            "findings": [f"{f.rule} {_relative(report.folder, f.file)}:{f.line}: {f.message}"
                         for f in report.new_errors] + [str(e) for e in report.errors]}, report
