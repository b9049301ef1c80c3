"""Annual calculations: subsidy results and the return of funds, and the program's effectiveness.

Pure functions over ``Decimal``; no I/O, no documents. Formulas and their sources are in
docs/methodology.md. The act lost the formula images of its return rules: the return formula is
reconstructed from the act's own variable definitions and the standard rules (N 1224 / federal N 999),
and its coefficient (0,1) is a parameter. The effectiveness method of N 439 (appendix 4) was not
recoverable: the reference model used here keeps every threshold and cap a parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal, Sequence

from .i18n import _
from .numbers import format_number

Direction = Literal["increase", "decrease"]
KOPECK = Decimal("0.01")
ZERO = Decimal(0)


class CalculationError(ValueError):
    """Input that a formula cannot take (a zero plan, a negative amount): said plainly."""

    def finding(self, file=None, line=None, field=None):
        """This refusal as a :class:`generator.findings.Finding` (rule ``CALC``) located where the input came from."""
        from .findings import Finding
        return Finding(str(self), file, line, field=field, rule="CALC")


def _num(value) -> str:
    """A figure of a message, Russian style with its own precision ("71 519,45")."""
    return format_number(value, None)


def _dec(value, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise CalculationError(_("{name}: expected a number, got {value!r}").format(name=name, value=value))
    return Decimal(value)


def rubles(value) -> Decimal:
    """Round to kopecks, half up; exact for a ``Fraction`` (1/3 of a ruble is rounded once, at the end)."""
    if isinstance(value, Fraction):
        kopecks = math.floor(abs(value) * 100 + Fraction(1, 2))
        return (Decimal(kopecks if value >= 0 else -kopecks) / 100).quantize(KOPECK)
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


def _exact(value) -> Fraction:
    return Fraction(Decimal(value))


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


# --- subsidy results ------------------------------------------------------------------------------


def shortfall_fraction(fact, plan, direction: Direction = "increase", name: str | None = None) -> Fraction:
    """D_i as an exact fraction (see :func:`shortfall_index`)."""
    name = name or _("result")
    fact = _dec(fact, _("{name}: actual value").format(name=name))
    plan = _dec(plan, _("{name}: planned value").format(name=name))
    if fact < 0 or plan < 0:
        raise CalculationError(_("{name}: a result value cannot be negative (plan {plan}, actual {fact})").format(
            name=name, plan=_num(plan), fact=_num(fact)))
    if direction == "increase":
        if plan == 0:
            raise CalculationError(_("{name}: the planned value is 0, so the share achieved (T/S) is undefined; "
                                     "correct the agreement's plan").format(name=name))
        return 1 - _exact(fact) / _exact(plan)
    if fact == 0:
        raise CalculationError(_("{name}: the actual value is 0 for a \"less is better\" result, so S/T is "
                                 "undefined").format(name=name))
    return 1 - _exact(plan) / _exact(fact)


def shortfall_index(fact, plan, direction: Direction = "increase", name: str | None = None) -> Decimal:
    """D_i, the index of non-achievement of a result: ``1 - T/S`` when more is better,
    ``1 - S/T`` when less is better (T actual, S plan). Positive means the result was missed."""
    return _decimal(shortfall_fraction(fact, plan, direction, name))


@dataclass(frozen=True)
class ResultCheck:
    """One result of a subsidy agreement, checked: its ``name``, plan S and fact T (in the result's unit),
    ``direction`` and D_i, the index of non-achievement (:func:`shortfall_index`)."""
    name: str
    plan: Decimal
    fact: Decimal
    direction: Direction
    index: Decimal                    # D_i

    @property
    def achieved(self) -> bool:
        """True when the result was reached: D_i <= 0."""
        return self.index <= 0


@dataclass(frozen=True)
class ReturnCalculation:
    """V_return = V_subsidy × k × m / n × coefficient, with k = Σ D_i / m over results with D_i > 0."""

    subsidy: Decimal                  # V_subsidy: provided, less the balance unused on 1 January
    results: tuple[ResultCheck, ...]
    coefficient: Decimal
    exempt_reason: str | None = None

    @property
    def n(self) -> int:
        """n: the number of results of the agreement."""
        return len(self.results)

    @property
    def missed(self) -> tuple[ResultCheck, ...]:
        """The results not reached (D_i > 0), in the agreement's order."""
        return tuple(r for r in self.results if r.index > 0)

    @property
    def m(self) -> int:
        """m: the number of results not reached."""
        return len(self.missed)

    def _exact_k(self) -> Fraction:
        missed = [shortfall_fraction(r.fact, r.plan, r.direction, r.name) for r in self.missed]
        return sum(missed, Fraction(0)) / len(missed) if missed else Fraction(0)

    @property
    def k(self) -> Decimal:
        """k = Σ D_i / m over the results not reached (0 when all were reached), rounded to 4 places for
        printing (the amount uses the exact value)."""
        return _decimal(self._exact_k())

    @property
    def computed_amount(self) -> Decimal:
        """What the formula gives before any exemption, computed exactly and rounded once to kopecks."""
        if not self.m:
            return ZERO.quantize(KOPECK)
        return rubles(_exact(self.subsidy) * self._exact_k() * self.m / self.n * _exact(self.coefficient))

    @property
    def amount(self) -> Decimal:
        """The amount to return, in rubles with kopecks (0 when exempt or all results achieved)."""
        if self.exempt_reason or not self.m:
            return ZERO.quantize(KOPECK)
        return self.computed_amount


def subsidy_return(provided, unused, results: Sequence[tuple[str, object, object, Direction]],
                   coefficient=Decimal("0.1"), exempt_reason: str | None = None) -> ReturnCalculation:
    """The return of a subsidy whose results were missed.

    ``results`` are ``(name, plan, fact, direction)``. ``unused`` (the balance not used on 1 January) is
    not counted in the subsidy, as the rules say.
    """
    provided, unused = _dec(provided, _("subsidy provided")), _dec(unused, _("unused balance"))
    if provided < 0 or unused < 0:
        raise CalculationError(_("the subsidy and the unused balance cannot be negative"))
    if unused > provided:
        raise CalculationError(_("the unused balance {unused} is larger than the subsidy provided {provided}").format(
            unused=_num(unused), provided=_num(provided)))
    if not results:
        raise CalculationError(_("a subsidy without results cannot be evaluated (n = 0)"))
    checks = tuple(ResultCheck(name, _dec(plan, name), _dec(fact, name), direction,
                               shortfall_index(fact, plan, direction, name))
                   for name, plan, fact, direction in results)
    return ReturnCalculation(provided - unused, checks, _dec(coefficient, _("coefficient")), exempt_reason)


def cofinancing_return(subsidy_provided, obligations, level) -> Decimal:
    """S_н = S_ф − P_ф × Y: the subsidy above the regional share of the obligations actually taken
    (Y as a fraction or a percent above 1). Never negative; rounded to kopecks."""
    s, p, y = (_exact(_dec(v, n)) for v, n in ((subsidy_provided, _("subsidy")), (obligations, _("obligations")),
                                                (level, _("level"))))
    if y > 1:
        y = y / 100
    return rubles(max(Fraction(0), s - p * y))


# --- program effectiveness ------------------------------------------------------------------------


def achievement(fact, plan, direction: Direction = "increase", cap=Decimal(1), name: str | None = None) -> Decimal:
    """The degree of achievement of an indicator's plan: fact/plan (plan/fact when less is better), capped,
    as a Decimal (1 = 100 %). See :func:`achievement_fraction` (source and raised errors)."""
    return _decimal(achievement_fraction(fact, plan, direction, cap, name))


def achievement_fraction(fact, plan, direction: Direction = "increase", cap=Decimal(1),
                         name: str | None = None) -> Fraction:
    """The degree of achievement of an indicator's plan, exact: fact/plan when more is better, plan/fact
    when less is better (a fact of 0 then counts as the cap), at most ``cap`` (``None``: no cap).

    Reference model of docs/methodology.md (the act's method, N 439 appendix 4, was not recoverable).
    Raises :class:`CalculationError` (named by ``name``) for a plan of 0 when more is better and for a
    fact or plan that is not a number.
    """
    name = name or _("indicator")
    fact = _exact(_dec(fact, _("{name}: fact").format(name=name)))
    plan = _exact(_dec(plan, _("{name}: plan").format(name=name)))
    if direction == "increase":
        if plan == 0:
            raise CalculationError(_("{name}: the plan is 0, the degree of achievement is undefined").format(name=name))
        value = fact / plan
    else:
        value = plan / fact if fact else (_exact(cap) if cap is not None else Fraction(1))
    return min(value, _exact(cap)) if cap is not None else value


def mean(values: Sequence[Decimal]) -> Decimal | None:
    """The arithmetic mean of ``values`` (Decimal); ``None`` for no value."""
    return sum(values, ZERO) / len(values) if values else None


def execution(cash, plan) -> Decimal | None:
    """Budget execution: cash / plan; None when nothing was planned."""
    cash, plan = _dec(cash, "cash"), _dec(plan, "plan")
    return None if plan == 0 else cash / plan


@dataclass(frozen=True)
class Effectiveness:
    """The program's (or a subprogram's) effectiveness, reference model of docs/methodology.md (the method of
    N 439, appendix 4, was not recoverable from the act; N 373 caps Эис at 1): every component a Decimal
    fraction (1 = 100 %), ``None`` when its inputs are missing; ``rating`` the label of the score's threshold."""
    indicators: Decimal | None        # СР: mean degree of achievement of the indicators
    activities: Decimal | None        # СРм: share of main activities whose result was achieved
    budget: Decimal | None            # ССуз: cash / plan
    use_of_funds: Decimal | None      # Эис = СРм / ССуз, capped (N 373: at most 1)
    score: Decimal | None             # ЭР = СР × Эис
    rating: str | None


def rate(score, ratings: Sequence[tuple]) -> str | None:
    """The label of the highest threshold the score reaches (thresholds are data)."""
    if score is None:
        return None
    for threshold, label in sorted(ratings, key=lambda t: t[0], reverse=True):
        if score >= threshold:
            return label
    return None


def effectiveness(achievements: Sequence, activities_done: int, activities_total: int,
                  cash, plan, ratings: Sequence[tuple[Decimal, str]], use_cap=Decimal(1)) -> Effectiveness:
    """СР, СРм, ССуз, Эис and ЭР, computed exactly (fractions) and rated on the exact score, so a
    score of exactly 0,9 reaches the 0,9 threshold."""
    exact = [a if isinstance(a, Fraction) else _exact(a) for a in achievements]
    indicators = sum(exact, Fraction(0)) / len(exact) if exact else None
    done = Fraction(activities_done, activities_total) if activities_total else None
    budget = None
    if plan is not None and cash is not None and _dec(plan, "plan") != 0:
        budget = _exact(_dec(cash, "cash")) / _exact(_dec(plan, "plan"))
    use = None
    if done is not None and budget:
        use = done / budget
        if use_cap is not None:
            use = min(use, _exact(use_cap))
    score = indicators * use if indicators is not None and use is not None else None
    label = rate(score, [(_exact(t), name) for t, name in ratings])

    def out(value):
        return None if value is None else _decimal(value)
    return Effectiveness(out(indicators), out(done), out(budget), out(use), out(score), label)
