"""Annual facts: actual results and year-end money per subsidy and municipality, indicator facts,
cash execution of main activities, and the evaluation's parameters (thresholds are data)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, PrivateAttr
from typing_extensions import Annotated

from ..data.schema import Num, Rubles, Strict


class Rating(Strict):
    min: Num
    label: str


PARAMETERS = ("achievement_cap", "use_coefficient_cap", "ratings", "program_score")
NOT_IN_ACT = "не в тексте"


class Parameters(Strict):
    """The evaluation's parameters. ``program_score``: how the program's score is made from the subprograms'
    (``mean``: the arithmetic mean of the evaluated subprograms' scores, unweighted). ``sources``: for each
    parameter, the act and clause that set it, or a reason starting "не в тексте" (the act is silent and the
    report developer chose it); the effectiveness document prints them in its text."""

    achievement_cap: Optional[Num] = 1
    use_coefficient_cap: Optional[Num] = None
    ratings: list[Rating] = Field(min_length=1)
    program_score: Literal["mean"] = "mean"
    sources: dict[Literal[PARAMETERS], str] = {}

    def source(self, name: str) -> str | None:
        """The source text of parameter ``name`` (``None``: the data gives none)."""
        return self.sources.get(name)

    def chosen(self, name: str) -> bool:
        """True when the act is silent on parameter ``name``: its source is a "не в тексте" reason, or none."""
        text = self.sources.get(name)
        return text is None or text.startswith(NOT_IN_ACT)


class SubsidyResult(Strict):
    """A municipality's year for one subsidy. The money (received, used, unused) and the result values may be
    left out where the submissions registry gives them (the accepted IV-quarter report, the accepted annual
    results form: :mod:`generator.annual.registry`); a row that neither gives is an error of the facts."""

    subsidy: str
    municipality: str
    received: Optional[Rubles] = Field(None, ge=0)
    used: Optional[Rubles] = Field(None, ge=0)
    unused: Optional[Rubles] = Field(None, ge=0)
    values: Optional[dict[str, Annotated[Num, Field(ge=0)]]] = None
    explanation: Optional[str] = None
    exemption: Optional[str] = None          # e.g. force majeure: no return is demanded


class IndicatorFact(Strict):
    subprogram: Optional[str] = None         # None: an indicator of the program itself
    code: str
    plan: Optional[Num] = None               # None: the act's plan of the year (subprogram table 1)
    plan_sample: bool = False
    fact: Num
    explanation: Optional[str] = None


class ActivityFact(Strict):
    subprogram: str
    code: str
    cash: Num = Field(ge=0)
    done: bool
    explanation: Optional[str] = None


class AnnualFacts(Strict):
    # where each fact was read (a generator.data.loader.Located, unit "annual"): errors found later keep it
    _located: object = PrivateAttr(default=None)
    sample: bool = False
    year: int
    parameters: Parameters
    subsidy_results: list[SubsidyResult] = []
    indicators: list[IndicatorFact] = []
    activities: list[ActivityFact] = []
