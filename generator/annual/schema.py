"""Annual facts: actual results and year-end money per subsidy and municipality, indicator facts,
cash execution of main activities, and the evaluation's parameters (thresholds are data)."""

from __future__ import annotations

import datetime as _dt
from typing import Optional

from pydantic import Field, PrivateAttr
from typing_extensions import Annotated

from ..data.schema import Num, Rubles, Strict


class Rating(Strict):
    min: Num
    label: str


class Parameters(Strict):
    achievement_cap: Optional[Num] = 1
    use_coefficient_cap: Optional[Num] = None
    ratings: list[Rating] = Field(min_length=1)


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


class Suspension(Strict):
    subsidy: str
    until: _dt.date
    basis: str


class IndicatorFact(Strict):
    subprogram: Optional[str] = None         # None: an indicator of the program itself
    code: str
    plan: Num
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
    suspensions: list[Suspension] = []
    indicators: list[IndicatorFact] = []
    activities: list[ActivityFact] = []
