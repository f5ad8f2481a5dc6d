"""The metrics of SPEC §4 against worked examples computed by hand (arithmetic in the comments).

z = 1.96 throughout, so z² = 3.8416.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.kpi import (
    INSUFFICIENT,
    DimensionResult,
    KpiRules,
    NpsTally,
    Tally,
    adjusted_index,
    band,
    difference_interval,
    dimension_result,
    nps,
    response_rate,
    round1,
    satisfaction_index,
    wilson_interval,
)

TOP, GOOD, PASS, FAIL = (
    "Hoàn thành xuất sắc nhiệm vụ",
    "Hoàn thành tốt nhiệm vụ",
    "Hoàn thành nhiệm vụ",
    "Không hoàn thành nhiệm vụ",
)
RULES = KpiRules()
approx = pytest.approx


# --- one dimension -------------------------------------------------------------------------------


def test_one_answer_very_satisfied():
    # n=1, level 5: mean 5, score (5-1)/4*100 = 100, csat 1/1 = 100.
    # Wilson with p=1: p(1-p) = 0, so the root is sqrt(z²/4n²) = z²/2n and the low end is
    # (1 + z²/2n - z²/2n) / (1 + z²/n) = 1/(1 + 3.8416/1) = 1/4.8416 = 0.2065433; high end 1.
    result = dimension_result(Tally.from_levels([5], k=5))
    assert result.n == 1
    assert result.mean == 5.0
    assert result.score == 100.0
    assert result.csat == 100.0
    assert result.csat_low == approx(20.65433, abs=1e-5)
    assert result.csat_high == 100.0


def test_one_answer_neutral():
    # n=1, level 3: mean 3, score (3-1)/4*100 = 50, csat 0 (3 is not a satisfied level).
    # Wilson with p=0: low (0 + z²/2n - z²/2n)/(1 + z²/n) = 0; high (z²/n)/(1 + z²/n) = 3.8416/4.8416 = 0.7934567.
    result = dimension_result(Tally.from_levels([3], k=5))
    assert (result.mean, result.score, result.csat, result.csat_low) == (3.0, 50.0, 0.0, 0.0)
    assert result.csat_high == approx(79.34567, abs=1e-5)


def test_two_answers():
    # n=2, levels 5 and 4: total 9, mean 4.5, score (4.5-1)/4*100 = 87.5, both satisfied: csat 100.
    # Wilson with p=1: low 1/(1 + 3.8416/2) = 1/2.9208 = 0.3423720.
    tally = Tally.from_levels([5, 4], k=5)
    assert tally == Tally(n=2, total=9, satisfied=2, k=5)
    result = dimension_result(tally)
    assert (result.mean, result.score, result.csat, result.csat_high) == (4.5, 87.5, 100.0, 100.0)
    assert result.csat_low == approx(34.23720, abs=1e-5)


def test_all_satisfied_has_a_wilson_low_end_below_100():
    # 10 answers, all level 4 or 5: csat 10/10 = 100.
    # p=1, n=10: p(1-p)/n = 0 so z·sqrt(z²/4n²) = z²/2n and
    #   low = (p + z²/2n - z²/2n) / (1 + z²/n) = 1/(1 + z²/n) = 1/(1 + 3.8416/10) = 1/1.38416 = 0.7224598
    #   high = (1 + z²/n)/(1 + z²/n) = 1.
    # levels 5,5,5,5,5,4,4,4,4,4: total 45, mean 4.5, score 87.5.
    result = dimension_result(Tally.from_levels([5] * 5 + [4] * 5, k=5))
    assert result.csat == 100.0
    assert result.csat_low == approx(72.24598, abs=1e-5)
    assert result.csat_low < 100
    assert result.csat_high == 100.0
    assert result.score == 87.5


def test_none_satisfied():
    # 10 answers, all level 2: total 20, mean 2, score (2-1)/4*100 = 25, csat 0.
    # p=0: low 0; high (z²/n)/(1 + z²/n) = 0.38416/1.38416 = 0.2775402.
    result = dimension_result(Tally.from_levels([2] * 10, k=5))
    assert (result.mean, result.score, result.csat, result.csat_low) == (2.0, 25.0, 0.0, 0.0)
    assert result.csat_high == approx(27.75402, abs=1e-5)


def test_wilson_in_the_middle():
    # 8 of 10: p = 0.8, z²/n = 0.38416, z²/2n = 0.19208, p(1-p)/n = 0.016, z²/4n² = 3.8416/400 = 0.009604.
    # root = sqrt(0.016 + 0.009604) = sqrt(0.025604) = 0.1600125; × 1.96 = 0.3136245.
    # centre 0.8 + 0.19208 = 0.99208; low (0.99208 - 0.3136245)/1.38416 = 0.6784555/1.38416 = 0.4901568;
    # high (0.99208 + 0.3136245)/1.38416 = 1.3057045/1.38416 = 0.9433191.
    low, high = wilson_interval(8, 10)
    assert low == approx(0.4901568, abs=1e-7)
    assert high == approx(0.9433191, abs=1e-7)


def test_wilson_of_nothing_is_unknown():
    assert wilson_interval(0, 0) == (None, None)
    # p=0 pins the low end to exactly 0, though the float formula gives about -2e-17.
    assert wilson_interval(0, 10)[0] == 0.0
    with pytest.raises(ValueError, match="cannot exceed"):
        wilson_interval(3, 2)


def test_no_answers_gives_no_metrics():
    assert dimension_result(Tally(n=0, total=0, satisfied=0, k=5)) == DimensionResult(0, None, None, None, None, None)


def test_three_level_scale():
    # rating3: levels 3, 2, 1: total 6, mean 2, score (2-1)/(3-1)*100 = 50.
    # Satisfied levels are 2 and 3: 2 of 3, csat 66.67.
    tally = Tally.from_levels([3, 2, 1], k=3)
    assert tally == Tally(n=3, total=6, satisfied=2, k=3)
    result = dimension_result(tally)
    assert result.mean == 2.0
    assert result.score == 50.0
    assert result.csat == approx(200 / 3)
    # One answer at each level: level 3 scores (3-1)/2*100 = 100, level 2 (2-1)/2*100 = 50, level 1 0.
    assert [dimension_result(Tally.from_levels([level], k=3)).score for level in (3, 2, 1)] == [100.0, 50.0, 0.0]
    assert [Tally.from_levels([level], k=3).satisfied for level in (3, 2, 1)] == [1, 1, 0]


# --- NPS -----------------------------------------------------------------------------------------


def test_nps():
    # 5 promoters, 3 passives, 2 detractors of 10: 50 % - 20 % = 30.
    assert nps(NpsTally(n=10, promoters=5, detractors=2)) == 30.0
    # Scores 10, 9 promote; 8, 7 are passive; 6 and 0 detract: (2 - 2)/6 = 0.
    assert NpsTally.from_scores([10, 9, 8, 7, 6, 0]) == NpsTally(n=6, promoters=2, detractors=2)
    # All detractors: 0 - 100 = -100.
    assert nps(NpsTally.from_scores([0, 3, 6])) == -100.0
    assert nps(NpsTally(n=0, promoters=0, detractors=0)) is None


def test_nps_rounds_half_away_from_zero():
    # 999 promoters and 1000 detractors of 2000: (999 - 1000)/2000*100 = -0.05, which rounds to -0.1.
    value = nps(NpsTally(n=2000, promoters=999, detractors=1000))
    assert value == approx(-0.05)
    assert round1(value) == -0.1


# --- index, weights ------------------------------------------------------------------------------

# overall: levels 5, 4 -> mean 4.5, score 87.5; attitude: levels 4, 3 -> mean 3.5, score (3.5-1)/4*100 = 62.5.
OVERALL = Tally.from_levels([5, 4], k=5)
ATTITUDE = Tally.from_levels([4, 3], k=5)
NOTHING = Tally(n=0, total=0, satisfied=0, k=5)


def test_index_equal_weights_by_default():
    # (87.5 + 62.5)/2 = 75.
    assert satisfaction_index({"overall": OVERALL, "attitude": ATTITUDE}, RULES) == 75.0


def test_index_weights():
    # overall weight 2, attitude 1: (2*87.5 + 1*62.5)/3 = (175 + 62.5)/3 = 237.5/3 = 79.1666…
    rules = KpiRules(weights={"overall": 2, "attitude": 1})
    assert satisfaction_index({"overall": OVERALL, "attitude": ATTITUDE}, rules) == approx(237.5 / 3)
    # A dimension not listed weighs 1: overall 2, attitude (unlisted) 1, the same 79.1666…
    assert satisfaction_index({"overall": OVERALL, "attitude": ATTITUDE}, KpiRules(weights={"overall": 2})) == approx(
        237.5 / 3
    )


def test_index_leaves_out_a_dimension_without_answers():
    # timeliness has n = 0: still (87.5 + 62.5)/2 = 75, not (87.5 + 62.5 + 0)/3.
    assert satisfaction_index({"overall": OVERALL, "attitude": ATTITUDE, "timeliness": NOTHING}, RULES) == 75.0


def test_index_leaves_out_a_dimension_weighted_zero():
    # attitude weight 0: (1*87.5 + 0*62.5)/1 = 87.5.
    rules = KpiRules(weights={"attitude": 0, "overall": 1})
    assert satisfaction_index({"overall": OVERALL, "attitude": ATTITUDE}, rules) == 87.5
    # Only the zero-weighted dimension was answered: no index.
    assert satisfaction_index({"overall": NOTHING, "attitude": ATTITUDE}, rules) is None


def test_index_of_nothing_is_none():
    assert satisfaction_index({"overall": NOTHING, "attitude": NOTHING}, RULES) is None
    assert satisfaction_index({}, RULES) is None


def test_index_mixes_scales_through_scores():
    # rating3 overall levels 3, 2: mean 2.5, score (2.5-1)/2*100 = 75; rating5 attitude 62.5: (75 + 62.5)/2 = 68.75.
    assert satisfaction_index({"overall": Tally.from_levels([3, 2], k=3), "attitude": ATTITUDE}, RULES) == 68.75


# --- shrinkage -----------------------------------------------------------------------------------


def test_adjusted_shrinks_toward_the_parent():
    # n=10, index 60, parent 80, m=20: (10*60 + 20*80)/(10 + 20) = (600 + 1600)/30 = 2200/30 = 73.333…
    assert adjusted_index(60.0, 10, 80.0, RULES) == approx(73.3333333333)
    assert round1(adjusted_index(60.0, 10, 80.0, RULES)) == 73.3
    # n=980: (58800 + 1600)/1000 = 60.4, a big group hardly moves.
    assert adjusted_index(60.0, 980, 80.0, RULES) == approx(60.4)
    # n=0 (an index with no responses behind it) is all parent: (0 + 20*80)/20 = 80.
    assert adjusted_index(60.0, 0, 80.0, RULES) == 80.0


def test_adjusted_with_m_zero_is_the_raw_index():
    assert adjusted_index(60.0, 10, 80.0, KpiRules(prior_weight=0)) == 60.0


def test_root_is_not_shrunk():
    assert adjusted_index(60.0, 10, None, RULES) == 60.0


def test_no_index_no_adjusted():
    assert adjusted_index(None, 0, 80.0, RULES) is None
    assert adjusted_index(None, 0, None, RULES) is None


# --- bands ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("adjusted", "expected"),
    [
        (100.0, TOP),
        (90.0, TOP),  # exactly 90 is >= 90
        (89.95, GOOD),  # shows as 90.0 once rounded, but the band is decided on the unrounded value
        (80.0, GOOD),
        (79.99, PASS),
        (50.0, PASS),
        (49.99, FAIL),
        (0.0, FAIL),
    ],
)
def test_band_edges(adjusted, expected):
    assert band(adjusted, 30, RULES) == expected


def test_band_needs_min_n():
    assert band(95.0, 29, RULES) == INSUFFICIENT  # 29 < 30
    assert band(95.0, 30, RULES) == TOP  # 30 is enough
    assert band(None, 0, RULES) == INSUFFICIENT
    assert band(None, 30, RULES) is None
    assert band(95.0, 5, KpiRules(min_n=5)) == TOP


def test_custom_bands():
    rules = KpiRules(bands=((70, "Đạt"),), below_band="Chưa đạt", min_n=1)
    assert (band(70.0, 1, rules), band(69.9, 1, rules)) == ("Đạt", "Chưa đạt")


# --- response rate, rounding ---------------------------------------------------------------------


def test_response_rate():
    # 45 responses for 300 transactions: 45/300*100 = 15.
    assert response_rate(45, 300) == 15.0
    assert response_rate(0, 300) == 0.0
    assert response_rate(45, 0) is None
    assert response_rate(45, None) is None
    # More responses than transactions is shown as it is (volumes were probably not all pushed).
    assert response_rate(12, 10) == 120.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (84.25, 84.3),  # exactly half: up
        (84.249, 84.2),
        (84.35, 84.4),  # stored as 84.3499999…; Python's round() would give 84.3
        (0.05, 0.1),  # stored as 0.05000000000000000277…
        (-0.05, -0.1),  # half away from zero, as an NPS can be negative
        (-0.04, 0.0),  # not -0.0
        (73.33333333333333, 73.3),
        (100.0, 100.0),
        (0.0, 0.0),
    ],
)
def test_round1(value, expected):
    result = round1(value)
    assert result == expected
    assert math.copysign(1, result) == math.copysign(1, expected)


def test_round1_keeps_none():
    assert round1(None) is None


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e17, max_value=1e17))
def test_round1_is_the_printed_decimal_rounded_half_up(value):
    """The digit-based fast path agrees with Decimal's ROUND_HALF_UP of the float's repr, everywhere."""
    from decimal import ROUND_HALF_UP, Decimal

    expected = float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) + 0.0
    result = round1(value)
    assert result == expected
    assert math.copysign(1, result) == math.copysign(1, expected)


# --- tallies -------------------------------------------------------------------------------------


def test_tallies_add():
    # (n 2, total 9, satisfied 2) + (n 2, total 7, satisfied 1) = (n 4, total 16, satisfied 3): mean 4, score 75.
    both = OVERALL + ATTITUDE
    assert both == Tally(n=4, total=16, satisfied=3, k=5)
    assert both == Tally.from_levels([5, 4, 4, 3], k=5)
    assert dimension_result(both).score == 75.0
    assert NpsTally(10, 5, 2) + NpsTally(2, 0, 2) == NpsTally(12, 5, 4)


def test_tallies_on_different_scales_do_not_add():
    with pytest.raises(ValueError, match="3-level"):
        OVERALL + Tally.from_levels([3], k=3)


def test_tallies_take_database_sums():
    # PostgreSQL returns SUM(bigint) as numeric, which arrives as Decimal.
    tally = Tally(n=Decimal(2), total=Decimal(9), satisfied=Decimal(2), k=5)
    assert tally == OVERALL
    assert type(tally.total) is int


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"n": 1, "total": 5, "satisfied": 1, "k": 4}, "3 or 5"),
        ({"n": -1, "total": 0, "satisfied": 0, "k": 5}, ">= 0"),
        ({"n": 1, "total": 5, "satisfied": 2, "k": 5}, "cannot exceed"),
        ({"n": 2, "total": 11, "satisfied": 2, "k": 5}, "impossible"),  # two answers sum to at most 10
        ({"n": 2, "total": 4, "satisfied": 1, "k": 5}, "impossible"),  # a satisfied answer is at least 4
        ({"n": 1.5, "total": 5, "satisfied": 1, "k": 5}, "whole number"),
    ],
)
def test_impossible_tallies_are_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        Tally(**fields)


def test_impossible_nps_tallies_are_refused():
    with pytest.raises(ValueError, match="cannot exceed"):
        NpsTally(n=3, promoters=2, detractors=2)
    with pytest.raises(ValueError, match="0..10"):
        NpsTally.from_scores([11])


def test_levels_outside_the_scale_are_refused():
    with pytest.raises(ValueError, match="1..3"):
        Tally.from_levels([4], k=3)


# --- rules ---------------------------------------------------------------------------------------


def test_default_rules():
    assert RULES.to_dict() == {
        "version": 1,
        "weights": {},
        "prior_weight": 20.0,
        "min_n": 30,
        "bands": [
            {"min": 90.0, "label": TOP},
            {"min": 80.0, "label": GOOD},
            {"min": 50.0, "label": PASS},
        ],
        "below_band": FAIL,
        "count_flagged": True,
    }
    assert RULES.weight_for("overall") == 1.0


def test_rules_round_trip_through_json():
    rules = KpiRules(
        version=2,
        weights={"overall": 2, "attitude": 1, "timeliness": 0.5},
        prior_weight=10,
        min_n=20,
        bands=((85, "A"), (60.5, "B")),
        below_band="C",
        count_flagged=False,
    )
    again = KpiRules.from_dict(json.loads(json.dumps(rules.to_dict())))
    assert again == rules
    assert hash(again) == hash(rules)
    assert KpiRules.from_dict(RULES.to_dict()) == RULES
    assert KpiRules.from_dict({}) == RULES


def test_rules_accept_bands_as_pairs():
    assert KpiRules.from_dict({"bands": [[90, TOP], [80, GOOD], [50, PASS]]}) == RULES


def test_rules_are_immutable():
    rules = KpiRules(weights={"overall": 2})
    with pytest.raises(TypeError):
        rules.weights["overall"] = 3  # type: ignore[index]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weights": {"overall": -1}}, "weight of 'overall' must be >= 0"),
        ({"weights": {"overall": 0, "attitude": 0}}, "cannot all be 0"),
        ({"weights": {"overall": "2"}}, "finite number"),
        ({"weights": {"overall": float("nan")}}, "finite number"),
        ({"weights": {"overall": True}}, "finite number"),
        ({"weights": {"": 1}}, "non-empty name"),
        ({"weights": [["overall", 1]]}, "map dimension to weight"),
        ({"prior_weight": -0.5}, r"prior_weight \(m\) must be >= 0"),
        ({"prior_weight": None}, "prior_weight"),
        ({"min_n": 0}, "min_n must be a whole number >= 1"),
        ({"min_n": 30.5}, "min_n"),
        ({"version": 0}, "version"),
        ({"bands": [[80, GOOD], [90, TOP]]}, "strictly decreasing"),
        ({"bands": [[90, TOP], [90, GOOD]]}, "strictly decreasing"),
        ({"bands": [[101, TOP]]}, "within 0..100"),
        ({"bands": [[-1, TOP]]}, "within 0..100"),
        ({"bands": [[90, "  "]]}, "non-empty words"),
        ({"bands": [[90]]}, r"\(threshold, words\)"),
        ({"bands": [{"min": 90}]}, '"min"'),
        ({"bands": []}, "at least one"),
        ({"bands": "90"}, "bands must be a list"),
        ({"bands": [[90, "A"], [50, "A"]]}, "must all differ"),
        ({"bands": [[90, INSUFFICIENT]]}, "reserved"),
        ({"below_band": ""}, "below_band must be non-empty"),
        ({"count_flagged": "yes"}, "count_flagged"),
        ({"prior_wieght": 10}, "unknown setting"),
    ],
)
def test_rules_refuse_bad_input(data, message):
    with pytest.raises(ValueError, match=message):
        KpiRules.from_dict(data)


def test_rules_must_be_an_object():
    with pytest.raises(ValueError, match="JSON object"):
        KpiRules.from_dict([])


# --- the worked example of docs/metrics.md -------------------------------------------------------


def test_docs_worked_example():
    # Counter KH-TTHCC-Q03, 12 valid responses; its unit KH-TTHCC has index 82.0 over the same period.
    overall = Tally.from_levels([5] * 6 + [4] * 4 + [3, 2], k=5)  # total 30+16+3+2 = 51, 10 satisfied
    attitude = Tally.from_levels([5] * 7 + [4] * 3 + [3], k=5)  # 11 answered: total 35+12+3 = 50, 10 satisfied
    o, a = dimension_result(overall), dimension_result(attitude)
    # overall: mean 51/12 = 4.25, score 3.25/4*100 = 81.25, csat 10/12 = 83.33, Wilson 55.20..95.30
    assert [round1(v) for v in (o.mean, o.score, o.csat, o.csat_low, o.csat_high)] == [4.3, 81.3, 83.3, 55.2, 95.3]
    # attitude: mean 50/11 = 4.5454…, score 3.5454…/4*100 = 88.636…, csat 10/11 = 90.909…, Wilson 62.26..98.38
    assert [round1(v) for v in (a.mean, a.score, a.csat, a.csat_low, a.csat_high)] == [4.5, 88.6, 90.9, 62.3, 98.4]
    # index (81.25 + 88.636…)/2 = 84.943…; adjusted (12*84.943… + 20*82)/32 = (1019.318… + 1640)/32 = 83.104…
    index = satisfaction_index({"overall": overall, "attitude": attitude}, RULES)
    adjusted = adjusted_index(index, 12, 82.0, RULES)
    assert (round1(index), round1(adjusted)) == (84.9, 83.1)
    assert band(adjusted, 12, RULES) == INSUFFICIENT
    assert band(adjusted, 12, KpiRules(min_n=10)) == GOOD


# --- properties ----------------------------------------------------------------------------------


@st.composite
def tallies(draw, min_n=0):
    k = draw(st.sampled_from([3, 5]))
    counts = draw(st.lists(st.integers(0, 400), min_size=k, max_size=k).filter(lambda c: sum(c) >= min_n))
    levels = [level for level, count in enumerate(counts, start=1) for _ in range(count)]
    return Tally.from_levels(levels, k=k)


@given(tallies(min_n=1))
def test_metrics_stay_in_range(tally):
    result = dimension_result(tally)
    assert 0 <= result.csat_low <= result.csat <= result.csat_high <= 100
    assert 0 <= result.score <= 100
    assert 1 <= result.mean <= tally.k


@given(
    st.dictionaries(st.sampled_from(["overall", "attitude", "timeliness"]), tallies(), min_size=1),
    st.floats(0, 100),
    st.integers(0, 10_000),
    st.floats(0, 1000),
)
def test_adjusted_lies_between_index_and_parent(dimensions, parent, n, m):
    rules = KpiRules(prior_weight=m)
    index = satisfaction_index(dimensions, rules)
    if index is None:
        assert all(t.n == 0 for t in dimensions.values())
        return
    assert 0 <= index <= 100
    adjusted = adjusted_index(index, n, parent, rules)
    assert min(index, parent) <= adjusted <= max(index, parent)


def test_difference_interval_worked_by_hand():
    # Before 6/10 satisfied, after 9/10; z = 1.96, z² = 3.8416.
    # Wilson 6/10: centre 0.6 + 3.8416/20 = 0.79208; margin 1.96·√(0.024 + 0.009604) = 0.359295;
    #   ÷ 1.38416 -> (0.312670, 0.831822).
    # Wilson 9/10: centre 1.09208; margin 1.96·√(0.009 + 0.009604) = 0.267338 -> (0.595843, 0.982125).
    # d = 0.3; low = 0.3 − √((0.9 − 0.595843)² + (0.831822 − 0.6)²) = 0.3 − √0.146253 = −0.082430;
    # high = 0.3 + √((0.982125 − 0.9)² + (0.6 − 0.312670)²) = 0.3 + √0.089304 = 0.598838.
    d, low, high = difference_interval(6, 10, 9, 10)
    assert d == pytest.approx(0.3)
    assert low == pytest.approx(-0.082430, abs=1e-5)
    assert high == pytest.approx(0.598838, abs=1e-5)
    assert difference_interval(0, 0, 3, 4) == (None, None, None)
    same = difference_interval(5, 10, 5, 10)
    assert same[0] == 0 and same[1] < 0 < same[2]
