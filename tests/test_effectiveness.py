"""The pure annual formulas of generator/effectiveness.py, against hand-computed values.

Formulas (docs/methodology.md):
    V_return = V_subsidy × k × m / n × coefficient,  k = Σ D_i / m over results with D_i > 0,
    D_i = 1 − T/S (more is better), 1 − S/T (less is better),
    V_subsidy = provided − unused on 1 January.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.effectiveness import (CalculationError, achievement, cofinancing_return, effectiveness, rate,
                                     shortfall_index, subsidy_return)

RATINGS = [(D("0.9"), "высокая"), (D("0.8"), "средняя"), (D("0.7"), "удовлетворительная")]


def close(a: D, b: D | Fraction, eps: str = "1e-20") -> bool:
    return abs(Fraction(a) - Fraction(b)) < Fraction(D(eps))


# --- D_i: the index of non-achievement --------------------------------------------------------------


def test_shortfall_more_is_better():
    # plan 3, fact 2: D = 1 − 2/3 = 1/3
    assert close(shortfall_index(2, 3), Fraction(1, 3))
    # plan 4, fact 5 (over-achieved): D = 1 − 5/4 = −0,25 → achieved
    assert shortfall_index(5, 4) == D("-0.25")


def test_shortfall_less_is_better():
    # plan 10, fact 12 (worse): D = 1 − 10/12 = 1/6
    assert close(shortfall_index(12, 10, "decrease"), Fraction(1, 6))
    # plan 10, fact 8 (better): D = 1 − 10/8 = −0,25
    assert shortfall_index(8, 10, "decrease") == D("-0.25")


# --- the return of a subsidy ------------------------------------------------------------------------


def test_more_is_better_result_missed():
    # V = 1 000 000,00 − 100 000,00 = 900 000,00; D = 1 − 2/3 = 1/3; m = 1, n = 1, k = 1/3
    # V_return = 900 000 × 1/3 × 1/1 × 0,1 = 30 000,00
    c = subsidy_return(D("1000000.00"), D("100000.00"), [("лагеря", 3, 2, "increase")])
    assert (c.m, c.n) == (1, 1)
    assert c.subsidy == D("900000.00")
    assert close(c.k, Fraction(1, 3))
    assert c.amount == D("30000.00")
    assert str(c.amount) == "30000.00"          # kopecks kept
    assert c.computed_amount == c.amount


def test_less_is_better_result_missed():
    # plan 10, fact 12: D = 1 − 10/12 = 1/6; V = 900 000,00
    # V_return = 900 000 × 1/6 × 1/1 × 0,1 = 15 000,00
    c = subsidy_return(D("1000000.00"), D("100000.00"), [("очередь", 10, 12, "decrease")])
    assert close(c.results[0].index, Fraction(1, 6))
    assert c.m == 1 and not c.results[0].achieved
    assert c.amount == D("15000.00")


def test_one_of_three_results_missed():
    # plans 2, 5, 5; facts 1, 5, 6: D = 0,5; 0; −0,2 → m = 1, n = 3, k = 0,5
    # V = 600 000,00: V_return = 600 000 × 0,5 × 1/3 × 0,1 = 10 000,00
    c = subsidy_return(D("600000.00"), D("0"), [("a", 2, 1, "increase"), ("b", 5, 5, "increase"),
                                                 ("c", 5, 6, "increase")])
    assert (c.m, c.n, c.k) == (1, 3, D("0.5"))
    assert [r.achieved for r in c.results] == [False, True, True]
    assert c.amount == D("10000.00")


def test_kopeck_rounding_half_up_on_005():
    # V = 6 000,30; D = 1 − 1/2 = 0,5; m = 1, n = 3:
    # 6 000,30 × 0,5 × 1/3 × 0,1 = 3 000,15 / 3 × 0,1 = 1 000,05 × 0,1 = 100,005 → half up → 100,01
    # (banker's rounding would give 100,00)
    c = subsidy_return(D("6000.30"), 0, [("a", 2, 1, "increase"), ("b", 1, 1, "increase"), ("c", 1, 1, "increase")])
    assert (c.m, c.n) == (1, 3)
    assert c.amount == D("100.01")
    # V = 300,10; D = 1 (fact 0); m = 1, n = 1, coefficient 0,05: 300,10 × 0,05 = 15,005 → 15,01
    assert subsidy_return(D("300.10"), 0, [("a", 1, 0, "increase")], D("0.05")).amount == D("15.01")


def test_kopeck_rounding_with_a_repeating_index():
    # V = 251 355,45; plan 3, fact 2: D = 1/3; m = n = 1:
    # 251 355,45 × 1/3 × 0,1 = 83 785,15 × 0,1 = 8 378,515 → half up → 8 378,52
    c = subsidy_return(D("251355.45"), 0, [("a", 3, 2, "increase")])
    assert c.amount == D("8378.52")


def test_all_achieved_returns_nothing():
    c = subsidy_return(D("500000.00"), D("1000.00"), [("a", 3, 3, "increase"), ("b", 10, 9, "decrease")])
    assert c.m == 0 and c.k == 0
    assert c.amount == D("0.00") and str(c.amount) == "0.00"
    assert c.computed_amount == D("0.00")


def test_exemption_keeps_the_computed_amount():
    # as test_more_is_better_result_missed, but exempt: amount 0, the formula still gives 30 000,00
    c = subsidy_return(D("1000000.00"), D("100000.00"), [("a", 3, 2, "increase")],
                       exempt_reason="обстоятельства непреодолимой силы")
    assert c.amount == D("0.00")
    assert c.computed_amount == D("30000.00") > 0
    assert c.exempt_reason == "обстоятельства непреодолимой силы"


def test_zero_plan_is_a_clear_error():
    with pytest.raises(CalculationError) as info:
        subsidy_return(D("1000.00"), 0, [("Количество лагерей", 0, 1, "increase")])
    assert not isinstance(info.value, ZeroDivisionError)
    message = str(info.value)
    assert "Количество лагерей" in message and "плановое значение равно 0" in message
    # less is better with a fact of 0: S/T undefined, also said plainly
    with pytest.raises(CalculationError, match="фактическое значение равно 0"):
        shortfall_index(0, 5, "decrease", "очередь")


def test_unused_above_provided_is_an_error():
    with pytest.raises(CalculationError, match="больше предоставленной субсидии"):
        subsidy_return(D("100.00"), D("100.01"), [("a", 1, 0, "increase")])


@pytest.mark.parametrize("provided, unused", [(D("-1.00"), D("0")), (D("100.00"), D("-0.01"))])
def test_negative_money_is_an_error(provided, unused):
    with pytest.raises(CalculationError, match="не могут быть отрицательными"):
        subsidy_return(provided, unused, [("a", 1, 0, "increase")])


def test_no_results_and_bad_types_are_errors():
    with pytest.raises(CalculationError, match="n = 0"):
        subsidy_return(D("100.00"), 0, [])
    with pytest.raises(CalculationError, match="ожидается число"):
        subsidy_return(100.5, 0, [("a", 1, 0, "increase")])        # float refused
    with pytest.raises(CalculationError, match="ожидается число"):
        subsidy_return(D("100"), 0, [("a", "1", 0, "increase")])


def test_coefficient_is_a_parameter():
    # 0,2 instead of 0,1: 900 000 × 1/3 × 0,2 = 60 000,00 (double of 30 000,00)
    results = [("a", 3, 2, "increase")]
    base = subsidy_return(D("1000000.00"), D("100000.00"), results)
    double = subsidy_return(D("1000000.00"), D("100000.00"), results, D("0.2"))
    assert base.amount == D("30000.00")
    assert double.amount == D("60000.00") == 2 * base.amount
    assert double.coefficient == D("0.2")


# --- co-financing ----------------------------------------------------------------------------------


def test_cofinancing_return():
    # S_н = 900 000 − 1 000 000 × 0,8 = 100 000,00
    assert cofinancing_return(D("900000"), D("1000000"), D("0.8")) == D("100000.00")
    # Y as a percent (80) means the same
    assert cofinancing_return(D("900000"), D("1000000"), D("80")) == D("100000.00")
    # 700 000 − 800 000 < 0 → 0,00, never negative
    assert cofinancing_return(D("700000"), D("1000000"), D("0.8")) == D("0.00")
    # kopecks: 1 000,005 − 0 → 1 000,01
    assert cofinancing_return(D("1000.005"), D("0"), D("0.5")) == D("1000.01")


@settings(max_examples=50, deadline=None)
@given(s=st.decimals(0, 10**9, places=2), p=st.decimals(0, 10**9, places=2), y=st.decimals(0, 100, places=1))
def test_cofinancing_never_negative(s, p, y):
    assert cofinancing_return(s, p, y) >= 0


# --- degree of achievement -------------------------------------------------------------------------


def test_achievement_capped_and_uncapped():
    # fact 110, plan 100: 1,1 uncapped, 1 with the default cap
    assert achievement(D(110), D(100)) == 1
    assert achievement(D(110), D(100), cap=None) == D("1.1")
    assert achievement(D(110), D(100), cap=D("1.2")) == D("1.1")
    # fact 80, plan 100: 0,8 either way
    assert achievement(D(80), D(100)) == D("0.8")


def test_achievement_decrease_direction():
    # less is better: plan / fact. plan 10, fact 8 → 1,25 (capped 1); plan 10, fact 12.5 → 0,8
    assert achievement(D(8), D(10), "decrease") == 1
    assert achievement(D(8), D(10), "decrease", cap=None) == D("1.25")
    assert achievement(D("12.5"), D(10), "decrease") == D("0.8")
    # fact 0 for "less is better": the best possible value, taken as the cap
    assert achievement(D(0), D(10), "decrease") == 1


def test_achievement_zero_plan_is_a_clear_error():
    with pytest.raises(CalculationError, match="план равен 0"):
        achievement(D(5), D(0), name="показатель 1")


# --- effectiveness and rating ----------------------------------------------------------------------


def test_effectiveness_hand_computed():
    # СР = (1 + 0,9 + 0,8) / 3 = 0,9; СРм = 3/4 = 0,75; ССуз = 90 / 100 = 0,9
    # Эис = 0,75 / 0,9 = 5/6; ЭР = 0,9 × 5/6 = 0,75 → "удовлетворительная" (0,7 ≤ 0,75 < 0,8)
    e = effectiveness([D(1), D("0.9"), D("0.8")], 3, 4, D(90), D(100), RATINGS)
    assert e.indicators == D("0.9")
    assert e.activities == D("0.75")
    assert e.budget == D("0.9")
    assert close(e.use_of_funds, Fraction(5, 6))
    assert close(e.score, Fraction(3, 4))
    assert e.rating == "удовлетворительная"


def test_use_of_funds_capped_at_one():
    # СР = 0,95; СРм = 4/4 = 1; ССуз = 80 / 100 = 0,8; Эис = 1 / 0,8 = 1,25 → capped 1 (N 373)
    # ЭР = 0,95 × 1 = 0,95 → "высокая"
    e = effectiveness([D("0.95")], 4, 4, D(80), D(100), RATINGS)
    assert e.use_of_funds == 1 and e.score == D("0.95") and e.rating == "высокая"
    # without the cap: Эис = 1,25, ЭР = 1,1875
    e = effectiveness([D("0.95")], 4, 4, D(80), D(100), RATINGS, use_cap=None)
    assert e.use_of_funds == D("1.25") and e.score == D("1.1875")


@pytest.mark.parametrize("achieved, rating", [
    (D("0.9"), "высокая"),              # ЭР = 0,9 × 1 = 0,9: the threshold itself is reached
    (D("0.85"), "средняя"),
    (D("0.8"), "средняя"),
    (D("0.75"), "удовлетворительная"),
    (D("0.7"), "удовлетворительная"),
    (D("0.69"), None),                 # below every threshold: no label
])
def test_rating_thresholds(achieved, rating):
    # СРм = 1, ССуз = 1 → Эис = 1, ЭР = СР
    e = effectiveness([achieved], 2, 2, D(50), D(50), RATINGS)
    assert e.score == achieved
    assert e.rating == rating


def test_rating_exactly_on_threshold_after_division():
    # СР = 1; СРм = 1/2; ССуз = 500 / 900 = 5/9; Эис = (1/2) / (5/9) = 9/10; ЭР = 1 × 0,9 = 0,9 → "высокая"
    e = effectiveness([D(1)], 1, 2, D("500.0"), D("900.0"), RATINGS)
    assert e.rating == "высокая"


def test_effectiveness_without_data():
    # no activities → СРм undefined → no score, no rating; plan 0 → ССуз undefined
    e = effectiveness([D(1)], 0, 0, D(10), D(10), RATINGS)
    assert e.activities is None and e.score is None and e.rating is None
    e = effectiveness([D(1)], 1, 1, D(0), D(0), RATINGS)
    assert e.budget is None and e.score is None


def test_rate_custom_thresholds():
    custom = [(D("0.5"), "достаточная"), (D("0.95"), "отличная")]     # unsorted on purpose
    assert rate(D("0.96"), custom) == "отличная"
    assert rate(D("0.95"), custom) == "отличная"
    assert rate(D("0.94"), custom) == "достаточная"
    assert rate(D("0.5"), custom) == "достаточная"
    assert rate(D("0.49"), custom) is None
    assert rate(None, custom) is None
    # the same score rated by the default thresholds
    assert rate(D("0.85"), RATINGS) == "средняя"


# --- properties of the return ----------------------------------------------------------------------

money = st.decimals(min_value=500, max_value=10**9, places=2)
result = st.tuples(st.integers(1, 100), st.integers(0, 200), st.sampled_from(["increase", "decrease"]))


@settings(max_examples=50, deadline=None)
@given(provided=money, unused_share=st.integers(0, 50), results=st.lists(result, min_size=1, max_size=5),
       coefficient=st.sampled_from([D("0.05"), D("0.1"), D("0.2"), D("0.5")]))
def test_return_properties(provided, unused_share, results, coefficient):
    unused = (provided * unused_share / 100).quantize(D("0.01"))
    named = [(f"r{i}", plan, fact if direction == "increase" or fact else 1, direction)
             for i, (plan, fact, direction) in enumerate(results)]
    c = subsidy_return(provided, unused, named, coefficient)
    all_achieved = all(r.achieved for r in c.results)
    assert c.amount >= 0
    # the ceiling rounds the same way as the amount (half up): 279 118,525 is 279 118,53 on both sides
    assert c.amount <= (c.subsidy * coefficient).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    # V ≥ 250 and any missed D ≥ 1/200 here, so a missed result always gives at least a kopeck
    assert (c.amount == 0) == all_achieved
    assert (c.m == 0) == all_achieved
