"""One located finding, whoever finds it, and one printer for it.

The loader's errors (:class:`generator.data.DataError`), the control relations' findings
(:class:`generator.rules.Finding`), the quarterly importer's problems (:class:`generator.quarterly.importer.Problem`,
through :meth:`~generator.quarterly.importer.Problem.as_finding`) and the calculations' refusals
(:class:`generator.effectiveness.CalculationError`, through its ``finding``) are all a :class:`Finding`: a rule
ID, a severity, where (file, line, column, field path) and what (message, the figures involved). They are
printed by :func:`text` (one line), :func:`block` (the ``validate`` listing) and :func:`to_json`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field as _field
from pathlib import Path
from typing import Iterable

from .i18n import N_

SEVERITIES = ("error", "warning", "gap")


@dataclass
class Finding:
    """A located finding.

    ``message``: what is wrong, for the user (Russian, or an English id translated by the catalog);
    ``file``: the data file (or the uploaded form); ``line``/``column``: 1-based, ``None`` when unknown;
    ``field``: the path inside the file (``"financing.rows[3].sources[0].values[2]"``, a form's
    ``"Лист!C7"``); ``rule``: a stable ID (``"F01"`` control relation, ``"[FILE]"`` import check, ``None`` for
    the loader's schema errors); ``severity``: one of :data:`SEVERITIES`; ``figures``: the figures involved,
    as printed (name → text).
    """

    message: str
    file: Path | str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    rule: str | None = None
    severity: str = "error"
    figures: dict[str, str] = _field(default_factory=dict)

    def location(self) -> str:
        """``file:line`` (or the file alone, or ``""``)."""
        return f"{self.file}:{self.line}" if self.line else str(self.file or "")

    def to_dict(self) -> dict:
        """The finding as JSON-ready data (every field; the file as text)."""
        data = asdict(self)
        if data.get("file") is not None:
            data["file"] = str(data["file"])
        return data


def text(finding: Finding) -> str:
    """One line: ``file:line:column: field: message`` (``<data>`` when the file is unknown), with
    ``[rule]`` first when the finding has a rule ID."""
    from .i18n import _
    where = str(finding.file) if finding.file else _("<data>")
    if finding.line:
        where += f":{finding.line}"
        if finding.column:
            where += f":{finding.column}"
    field = f" {finding.field}:" if finding.field else ""
    rule = f"[{finding.rule}] " if finding.rule else ""
    return f"{rule}{where}:{field} {finding.message}"


#: The label of each kind of line of a listing (a severity, a known or stale entry), translated where shown.
LABELS = {"error": N_("ERROR"), "warning": N_("WARNING"), "gap": N_("GAP"), "known": N_("KNOWN"),
          "stale": N_("STALE"), "and": N_("and")}


def block(finding: Finding, label: str | None = None, indent: int = 8) -> list[str]:
    """Two lines, as ``gosprog validate`` lists findings: ``LABEL   RULE  file:line`` then the message
    indented; ``label`` defaults to the severity's label (:data:`LABELS`) in the user's language."""
    from .i18n import _
    label = _(LABELS.get(finding.severity, finding.severity.upper())) if label is None else label
    return [f"{label:9} {finding.rule}  {finding.location()}", f"{' ' * indent}{finding.message}"]


def to_json(findings: Iterable[Finding]) -> list[dict]:
    """The findings as a JSON-ready list (:meth:`Finding.to_dict` of each)."""
    return [f.to_dict() for f in findings]
