"""The satisfaction metrics of SPEC §4 as pure functions over integer tallies.

The database side sums answers per group (``Tally``, ``NpsTally``); sums add, so a longer period or a
bigger group is scored from sums without re-reading responses. Everything here is exact up to one final
conversion to float: counts are combined as integers (or exact fractions of ints) and divided once, so
each function returns the float nearest to the true value of its formula on its inputs. That is why
``round1`` can round half up on the decimal the value really is, and why a band edge that is hit exactly
is hit.

Nothing is rounded here except by ``round1``, which callers apply to what they output.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real
from types import MappingProxyType
from typing import Any

INSUFFICIENT = "insufficient_data"

SCALES = (3, 5)
# The lowest satisfied level of each scale: 4–5 on rating5 ("Hài lòng", "Rất hài lòng"), 2–3 on rating3.
SATISFIED_FROM: Mapping[int, int] = MappingProxyType({5: 4, 3: 2})
NPS_PROMOTER_FROM = 9  # 9–10
NPS_DETRACTOR_TO = 6  # 0–6
Z_95 = 1.96

DEFAULT_BANDS: tuple[tuple[float, str], ...] = (
    (90.0, "Hoàn thành xuất sắc nhiệm vụ"),
    (80.0, "Hoàn thành tốt nhiệm vụ"),
    (50.0, "Hoàn thành nhiệm vụ"),
)
DEFAULT_BELOW_BAND = "Không hoàn thành nhiệm vụ"


def _count(value: Any, what: str) -> int:
    """A whole number >= 0 as an int (database sums may arrive as Decimal or float)."""
    if type(value) is int and value >= 0:  # the common case, first: this runs for every tally
        return value
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    if not math.isfinite(value) or int(value) != value or value < 0:
        raise ValueError(f"{what} must be a whole number >= 0, got {value!r}")
    return int(value)


# --- tallies -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Sums for one rating dimension over a group of valid responses.

    ``n`` answers, ``total`` the sum of their levels (1..k), ``satisfied`` the answers at level
    ``SATISFIED_FROM[k]`` or above, on a ``k``-level scale (3 or 5). An impossible tally raises ValueError.
    """

    n: int
    total: int
    satisfied: int
    k: int

    def __post_init__(self) -> None:
        k = _count(self.k, "Tally.k")
        if k not in SCALES:
            raise ValueError(f"Tally.k must be 3 or 5, got {self.k!r}")
        n = _count(self.n, "Tally.n")
        total = _count(self.total, "Tally.total")
        satisfied = _count(self.satisfied, "Tally.satisfied")
        if satisfied > n:
            raise ValueError(f"Tally.satisfied ({satisfied}) cannot exceed Tally.n ({n})")
        # Satisfied answers are at least k-1 and at most k; the others at least 1 and at most k-2.
        low = satisfied * (k - 1) + (n - satisfied)
        high = satisfied * k + (n - satisfied) * (k - 2)
        if not low <= total <= high:
            raise ValueError(
                f"impossible Tally: {n} answers on a {k}-level scale, {satisfied} of them satisfied, "
                f"sum to {low}..{high}, not {total}"
            )
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "total", total)
        object.__setattr__(self, "satisfied", satisfied)
        object.__setattr__(self, "k", k)

    @classmethod
    def from_levels(cls, levels: Iterable[int], k: int) -> Tally:
        """The tally of the given answers (each a level 1..k) on a k-level scale."""
        levels = list(levels)
        if k not in SCALES:
            raise ValueError(f"k must be 3 or 5, got {k!r}")
        for level in levels:
            if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= k:
                raise ValueError(f"a level on a {k}-level scale must be 1..{k}, got {level!r}")
        satisfied = sum(1 for level in levels if level >= SATISFIED_FROM[k])
        return cls(n=len(levels), total=sum(levels), satisfied=satisfied, k=k)

    def __add__(self, other: object) -> Tally:
        """n, total and satisfied add; both tallies must be on the same scale (else ValueError)."""
        if not isinstance(other, Tally):
            return NotImplemented
        if other.k != self.k:
            raise ValueError(f"cannot add a {self.k}-level tally and a {other.k}-level tally")
        return Tally(
            n=self.n + other.n,
            total=self.total + other.total,
            satisfied=self.satisfied + other.satisfied,
            k=self.k,
        )


@dataclass(frozen=True)
class NpsTally:
    """Counts for one 0–10 question: ``n`` answers, ``promoters`` (9–10) and ``detractors`` (0–6)."""

    n: int
    promoters: int
    detractors: int

    def __post_init__(self) -> None:
        n = _count(self.n, "NpsTally.n")
        promoters = _count(self.promoters, "NpsTally.promoters")
        detractors = _count(self.detractors, "NpsTally.detractors")
        if promoters + detractors > n:
            raise ValueError(
                f"NpsTally.promoters + detractors ({promoters} + {detractors}) cannot exceed NpsTally.n ({n})"
            )
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "promoters", promoters)
        object.__setattr__(self, "detractors", detractors)

    @classmethod
    def from_scores(cls, scores: Iterable[int]) -> NpsTally:
        """The tally of the given answers, each 0..10."""
        scores = list(scores)
        for score in scores:
            if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
                raise ValueError(f"an NPS answer must be 0..10, got {score!r}")
        return cls(
            n=len(scores),
            promoters=sum(1 for score in scores if score >= NPS_PROMOTER_FROM),
            detractors=sum(1 for score in scores if score <= NPS_DETRACTOR_TO),
        )

    def __add__(self, other: object) -> NpsTally:
        """n, promoters and detractors add."""
        if not isinstance(other, NpsTally):
            return NotImplemented
        return NpsTally(
            n=self.n + other.n,
            promoters=self.promoters + other.promoters,
            detractors=self.detractors + other.detractors,
        )


@dataclass(frozen=True)
class DimensionResult:
    """The metrics of one rating dimension over a group; every metric is None when n == 0."""

    n: int
    mean: float | None
    score: float | None
    csat: float | None
    csat_low: float | None
    csat_high: float | None


# --- rules ---------------------------------------------------------------------------------------


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"KPI rules: {what} must be a finite number, got {value!r}")
    return float(value)


def _whole(value: Any, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"KPI rules: {what} must be a whole number >= {minimum}, got {value!r}")
    return value


def _words(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"KPI rules: {what} must be non-empty words, got {value!r}")
    return value.strip()


@dataclass(frozen=True)
class KpiRules:
    """The settings that turn tallies into index, adjusted and band. Invalid rules raise ValueError.

    ``weights``: dimension -> weight >= 0 (a dimension not listed weighs 1.0; 0 leaves it out of the index);
    ``prior_weight``: m of the shrinkage toward the parent; ``min_n``: fewest valid responses for a band;
    ``bands``: (threshold, words) from the highest threshold down, ``below_band`` under the lowest;
    ``count_flagged``: whether responses with integrity flags count.
    """

    version: int = 1
    weights: Mapping[str, float] = field(default_factory=dict)
    prior_weight: float = 20.0
    min_n: int = 30
    bands: tuple[tuple[float, str], ...] = DEFAULT_BANDS
    below_band: str = DEFAULT_BELOW_BAND
    count_flagged: bool = True

    def __post_init__(self) -> None:
        version = _whole(self.version, "version", 1)

        if not isinstance(self.weights, Mapping):
            raise ValueError(f"KPI rules: weights must map dimension to weight, got {self.weights!r}")
        weights: dict[str, float] = {}
        for dimension, weight in self.weights.items():
            if not isinstance(dimension, str) or not dimension.strip():
                raise ValueError(f"KPI rules: a weight's dimension must be a non-empty name, got {dimension!r}")
            weights[dimension] = _number(weight, f"the weight of {dimension!r}")
            if weights[dimension] < 0:
                raise ValueError(f"KPI rules: the weight of {dimension!r} must be >= 0, got {weight!r}")
        if weights and not any(weights.values()):
            raise ValueError("KPI rules: the weights cannot all be 0 (at least one dimension must count)")

        prior_weight = _number(self.prior_weight, "prior_weight (m)")
        if prior_weight < 0:
            raise ValueError(f"KPI rules: prior_weight (m) must be >= 0, got {self.prior_weight!r}")
        min_n = _whole(self.min_n, "min_n", 1)

        if isinstance(self.bands, str | bytes) or not isinstance(self.bands, Iterable):
            raise ValueError(f"KPI rules: bands must be a list of (threshold, words), got {self.bands!r}")
        bands: list[tuple[float, str]] = []
        for position, raw in enumerate(self.bands, start=1):
            item = tuple(raw) if isinstance(raw, list | tuple) else ()
            if len(item) != 2:
                raise ValueError(f"KPI rules: band {position} must be (threshold, words), got {raw!r}")
            threshold = _number(item[0], f"the threshold of band {position}")
            if not 0 <= threshold <= 100:
                raise ValueError(f"KPI rules: the threshold of band {position} must be within 0..100, got {item[0]!r}")
            if bands and threshold >= bands[-1][0]:
                raise ValueError(
                    f"KPI rules: band thresholds must be strictly decreasing, "
                    f"but band {position} ({item[0]!r}) is not below band {position - 1} ({bands[-1][0]!r})"
                )
            bands.append((threshold, _words(item[1], f"the words of band {position}")))
        if not bands:
            raise ValueError("KPI rules: bands must list at least one threshold")
        below_band = _words(self.below_band, "below_band")
        labels = [label for _, label in bands] + [below_band]
        if len(set(labels)) != len(labels):
            raise ValueError(f"KPI rules: the band words must all differ, got {labels!r}")
        if INSUFFICIENT in labels:
            raise ValueError(f"KPI rules: {INSUFFICIENT!r} is reserved for too few responses")

        if not isinstance(self.count_flagged, bool):
            raise ValueError(f"KPI rules: count_flagged must be true or false, got {self.count_flagged!r}")

        object.__setattr__(self, "version", version)
        object.__setattr__(self, "weights", MappingProxyType(weights))
        object.__setattr__(self, "prior_weight", prior_weight)
        object.__setattr__(self, "min_n", min_n)
        object.__setattr__(self, "bands", tuple(bands))
        object.__setattr__(self, "below_band", below_band)

    def __hash__(self) -> int:
        # The generated hash would fail on the weights mapping; rules are immutable, so they may be cache keys.
        return hash(
            (
                self.version,
                frozenset(self.weights.items()),
                self.prior_weight,
                self.min_n,
                self.bands,
                self.below_band,
                self.count_flagged,
            )
        )

    def weight_for(self, dimension: str) -> float:
        """The weight of a dimension in the index: its listed weight, else 1.0."""
        return self.weights.get(dimension, 1.0)

    def to_dict(self) -> dict[str, Any]:
        """The rules as JSON-ready data; ``from_dict(to_dict())`` gives equal rules."""
        return {
            "version": self.version,
            "weights": dict(sorted(self.weights.items())),
            "prior_weight": self.prior_weight,
            "min_n": self.min_n,
            "bands": [{"min": threshold, "label": label} for threshold, label in self.bands],
            "below_band": self.below_band,
            "count_flagged": self.count_flagged,
        }

    @classmethod
    def from_dict(cls, data: Any) -> KpiRules:
        """Rules from JSON data as ``to_dict`` writes it; a missing key takes its default.

        A band may also be given as a ``[threshold, words]`` pair. Unknown keys and invalid values raise
        ValueError with a message that names the offending setting.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"KPI rules must be a JSON object, got {type(data).__name__}")
        known = {"version", "weights", "prior_weight", "min_n", "bands", "below_band", "count_flagged"}
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise ValueError(f"KPI rules: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = dict(data)
        if "bands" in values:
            raw = values["bands"]
            if not isinstance(raw, list | tuple):
                raise ValueError(f"KPI rules: bands must be a list, got {raw!r}")
            values["bands"] = tuple(_band_item(item, position) for position, item in enumerate(raw, start=1))
        return cls(**values)


def _band_item(item: Any, position: int) -> Any:
    if isinstance(item, Mapping):
        if set(item) != {"min", "label"}:
            raise ValueError(f'KPI rules: band {position} must be {{"min": threshold, "label": words}}, got {item!r}')
        return (item["min"], item["label"])
    return item  # a [threshold, words] pair, checked with the rest in KpiRules


# --- metrics -------------------------------------------------------------------------------------


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | tuple[None, None]:
    """The Wilson score interval for the share successes/n, as fractions 0..1; (None, None) when n == 0.

    With p = successes/n: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n). z = 1.96 gives 95 %.
    At p = 0 the low end is exactly 0 and at p = 1 the high end exactly 1.
    """
    successes = _count(successes, "successes")
    n = _count(n, "n")
    if successes > n:
        raise ValueError(f"successes ({successes}) cannot exceed n ({n})")
    if not (isinstance(z, Real) and math.isfinite(z) and z > 0):
        raise ValueError(f"z must be a positive number, got {z!r}")
    if n == 0:
        return (None, None)
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    denominator = 1 + z2 / n
    # The closed ends are exact in theory; pin them so float noise never leaves 0..1 or crosses p.
    low = 0.0 if successes == 0 else max(0.0, (centre - margin) / denominator)
    high = 1.0 if successes == n else min(1.0, (centre + margin) / denominator)
    return (low, high)


def dimension_result(tally: Tally) -> DimensionResult:
    """The metrics of one rating dimension; all None when n == 0.

    mean = total / n; score = (mean − 1) / (k − 1) × 100; csat = satisfied / n × 100;
    csat_low, csat_high = the Wilson interval (z = 1.96) of satisfied / n, × 100.
    """
    if tally.n == 0:
        return DimensionResult(n=0, mean=None, score=None, csat=None, csat_low=None, csat_high=None)
    low, high = wilson_interval(tally.satisfied, tally.n)
    assert low is not None and high is not None
    return DimensionResult(
        n=tally.n,
        mean=tally.total / tally.n,
        # (total/n − 1)/(k − 1)×100 rearranged to integers so there is a single rounding.
        score=100 * (tally.total - tally.n) / (tally.n * (tally.k - 1)),
        csat=100 * tally.satisfied / tally.n,
        csat_low=100 * low,
        csat_high=100 * high,
    )


def nps(tally: NpsTally) -> float | None:
    """Net promoter score: promoters / n × 100 − detractors / n × 100 (−100..100); None when n == 0."""
    if tally.n == 0:
        return None
    return 100 * (tally.promoters - tally.detractors) / tally.n


def _ratio(value: float | int) -> tuple[int, int]:
    """A weight or an index as an exact fraction of two ints (floats are binary fractions)."""
    return value.as_integer_ratio()


def satisfaction_index(tallies: Mapping[str, Tally], rules: KpiRules) -> float | None:
    """The weighted mean of the dimensions' scores: Σ wᵢ·scoreᵢ / Σ wᵢ.

    Only dimensions with n > 0 and a weight > 0 take part; wᵢ = ``rules.weight_for(dimension)``
    (1.0 unless the rules list it). None when no dimension takes part.

    Computed exactly in integers, with scoreᵢ = 100·(totalᵢ − nᵢ) / (nᵢ·(kᵢ − 1)) and wᵢ = pᵢ/qᵢ,
    then divided once (Python's int / int is correctly rounded): a group exactly on a band's edge is
    on it, whatever the order of the dimensions.
    """
    # weighted = num/den, weight_sum = w_num/w_den, without normalising in between (a handful of terms).
    num, den, w_num, w_den = 0, 1, 0, 1
    for dimension, tally in tallies.items():
        weight = rules.weight_for(dimension)
        if tally.n == 0 or weight == 0:
            continue
        p, q = _ratio(weight)
        term_num = p * 100 * (tally.total - tally.n)
        term_den = q * tally.n * (tally.k - 1)
        num, den = num * term_den + term_num * den, den * term_den
        w_num, w_den = w_num * q + p * w_den, w_den * q
    if w_num == 0:
        return None
    return (num * w_den) / (den * w_num)


def adjusted_index(index: float | None, n: int, parent_index: float | None, rules: KpiRules) -> float | None:
    """The index shrunk toward its parent's: (n·index + m·parent) / (n + m), m = ``rules.prior_weight``.

    n is the group's number of valid responses. The index is returned unshrunk when there is no parent
    (a root unit) or m = 0; None when the index is None. Exact in integers, divided once.
    """
    n = _count(n, "n")
    if index is None:
        return None
    if parent_index is None or rules.prior_weight == 0:
        return index
    a, b = _ratio(index)
    c, d = _ratio(parent_index)
    e, f = _ratio(rules.prior_weight)
    # (n·a/b + (e/f)·(c/d)) / (n + e/f) = (n·a·d·f + e·c·b) / (b·d·(n·f + e))
    return (n * a * d * f + e * c * b) / (b * d * (n * f + e))


def band(adjusted: float | None, n: int, rules: KpiRules) -> str | None:
    """The band of an adjusted index: ``INSUFFICIENT`` when n < min_n; else the words of the first band
    whose threshold ≤ adjusted (thresholds from the highest down), else ``below_band``.

    The comparison is on the unrounded value. None when adjusted is None and n ≥ min_n.
    """
    if n < rules.min_n:
        return INSUFFICIENT
    if adjusted is None:
        return None
    for threshold, label in rules.bands:
        if adjusted >= threshold:
            return label
    return rules.below_band


def response_rate(responses: int, transactions: int | None) -> float | None:
    """responses / transactions × 100; None when transactions is None (volumes unknown) or 0.

    Not capped: more responses than transactions (above 100) points at missing volumes and is shown as is.
    """
    responses = _count(responses, "responses")
    if transactions is None:
        return None
    transactions = _count(transactions, "transactions")
    if transactions == 0:
        return None
    return 100 * responses / transactions


def round1(value: float | None) -> float | None:
    """Round to one decimal, half away from zero, for output only: 84.25 → 84.3, 0.05 → 0.1, −0.05 → −0.1.

    The float's shortest repr is quantized with ROUND_HALF_UP, so a value is rounded as the decimal it
    prints as (0.05 is stored a hair above or below 0.05; it still rounds to 0.1). −0.0 comes out as 0.0.
    None stays None.
    """
    if value is None:
        return None
    if not math.isfinite(value):
        raise ValueError(f"cannot round {value!r}")
    value = float(value)
    magnitude = abs(value)
    if magnitude < 1e6:
        # Away from a tie (x.x5) the decimal the float prints as and the float itself round the same
        # way: they differ by less than an ulp, far below this margin. Only near a tie look at the digits.
        tenths, rest = divmod(magnitude * 10, 1.0)
        if abs(rest - 0.5) > 1e-6:
            tenths = int(tenths) + (rest > 0.5)
            return (-tenths if value < 0 else tenths) / 10 + 0.0
    text = repr(value)
    whole, dot, fraction = text.partition(".")
    if dot and "e" not in fraction:
        # The same rule on the digits themselves (an export rounds tens of thousands of figures): keep
        # one decimal, and go one tenth away from zero when the first dropped digit is 5 or more.
        negative = whole.startswith("-")
        tenths = int(whole.lstrip("-") + fraction[0])
        if fraction[1:2] >= "5":
            tenths += 1
        return (-tenths if negative else tenths) / 10 + 0.0  # int / 10 is the float nearest the decimal
    rounded = Decimal(text).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(rounded) + 0.0  # + 0.0 turns −0.0 into 0.0


def difference_interval(
    before_satisfied: int, before_n: int, after_satisfied: int, after_n: int, z: float = Z_95
) -> tuple[float, float, float] | tuple[None, None, None]:
    """The change in the satisfied share, after − before, with Newcombe's hybrid score interval (method 10).

    With p₁ = before share, p₂ = after share and (l₁, u₁), (l₂, u₂) their Wilson intervals:
    d = p₂ − p₁, low = d − √((p₂ − l₂)² + (u₁ − p₁)²), high = d + √((u₂ − p₂)² + (p₁ − l₁)²).
    Fractions 0..1 (or −1..1 for d); (None, None, None) when either side has no answer.
    """
    if before_n == 0 or after_n == 0:
        return (None, None, None)
    p1, p2 = before_satisfied / before_n, after_satisfied / after_n
    l1, u1 = wilson_interval(before_satisfied, before_n, z)
    l2, u2 = wilson_interval(after_satisfied, after_n, z)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return (d, low, high)
