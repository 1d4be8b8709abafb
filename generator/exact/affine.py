"""Torch's float arithmetic followed with affine forms: each value is its exact twin plus how far
torch's float can be from it, as a sum of coefficients times error symbols (|eps_s| <= r_s).

`Tracked(exact, dev)` pairs the exact value of an operation on the scenario's exact inputs (a
Fraction while every step is rational, else an arb ball at the working precision) with `dev`, the
coefficients of torch's deviation from it. An operation maps the deviations through its derivative
at the exact values (so a contracting run contracts its errors, and errors that cancel between two
uses of one value cancel here too: what interval arithmetic loses), adds a fresh symbol for the
second-order remainder, bounded on the whole range the operands can take, and one for its own
rounding, bounded a-posteriori by u (|exact| + deviation), plus eta for a product or quotient, which
may land among the subnormals (generator/rounding.py's model). A result whose range reaches the
dtype's largest float may round to inf: its symbol's radius is inf (the run has left the range). A
sum of k terms in an order we do not know adds gamma(k-1) times the sum of its terms' magnitudes.
The coefficients are float64, and every bound is raised by INFLATE to cover their own rounding, as
in kinds/linreg_sgd/propagation.py.

Rounding of a product a*b*c is the same relative class whatever order a kernel multiplies in, and a
fused multiply-add rounds once where this model rounds twice: both lie within the forms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb

from generator import rounding
from generator.exact import ball
from generator.values import nearest_float, saturated_float

INFLATE = 1 + 2.0**-20
Exact = Any  # Fraction, or an arb ball at the working precision


def to_ball(x: Exact) -> Any:
    return ball.fraction_ball(x) if isinstance(x, Fraction) else x


def magnitude(x: Exact) -> float:
    """|x| as a float, rounded up (inf past the float range)."""
    if isinstance(x, Fraction):
        try:
            return abs(float(x)) * (1 + 2.0**-52)
        except OverflowError:
            return math.inf
    return ball.upper_float(x)


def midpoint(x: Exact) -> float:
    """x as a float (for coefficients: their rounding is covered by INFLATE)."""
    if isinstance(x, Fraction):
        return saturated_float(x)
    try:
        return float(x.mid())
    except OverflowError:
        return math.inf if x.mid() > 0 else -math.inf


def exact_sqrt(x: Exact) -> Exact:
    """sqrt(x): a Fraction when x is the square of one, else a ball."""
    if isinstance(x, Fraction) and x >= 0:
        top, bottom = math.isqrt(x.numerator), math.isqrt(x.denominator)
        if top * top == x.numerator and bottom * bottom == x.denominator:
            return Fraction(top, bottom)
    return to_ball(x).sqrt()


def _mixed(a: Exact, b: Exact) -> tuple[Exact, Exact]:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a, b
    return to_ball(a), to_ball(b)


class Space:
    """The symbols of one run (their radii) and the dtype's rounding constants."""

    def __init__(self, dtype: str) -> None:
        self.dtype = dtype
        self.u = float(rounding.unit_roundoff(dtype))
        self.eta = float(rounding.underflow(dtype))
        self.largest = float(np.finfo(dtype).max)
        self.radius: list[float] = []
        self.constants: dict[tuple[Fraction, tuple[object, ...]], Tracked] = {}

    def fresh(self, radius: float) -> np.ndarray:
        """The form of one new symbol of this radius (zero when the radius is 0)."""
        if radius == 0:
            return np.zeros(len(self.radius))
        self.radius.append(radius if math.isfinite(radius) else math.inf)
        form = np.zeros(len(self.radius))
        form[-1] = 1.0
        return form

    def pad(self, form: np.ndarray) -> np.ndarray:
        if len(form) == len(self.radius):
            return form
        return np.concatenate([form, np.zeros(len(self.radius) - len(form))])

    def extend(self, form: np.ndarray, radius: float) -> np.ndarray:
        """`form` plus one new symbol of this radius."""
        fresh = self.fresh(radius)
        extended: np.ndarray = self.pad(form) + fresh
        return extended

    def rad(self, form: np.ndarray) -> float:
        """sum |c_s| r_s, raised by INFLATE."""
        with np.errstate(all="ignore"):
            total = float(np.abs(form) @ np.array(self.radius[: len(form)])) if len(form) else 0.0
        return total * INFLATE if math.isfinite(total) else math.inf

    def exact(self, value: Fraction) -> Tracked:
        """A value torch holds exactly (zero, a float input the scenario wrote exactly)."""
        return Tracked(self, value, np.zeros(0))

    def constant(self, exact: Fraction, held: Sequence[float], slack: float = 0.0) -> Tracked:
        """A value whose exact twin is `exact` and that torch holds as any of `held` (a Python double
        and its conversion to the dtype), or as any value within `slack` of those (another libm's
        pow): one symbol, reused wherever the same constant is, so its error keeps its sign."""
        key = (exact, tuple(held))
        if key not in self.constants:
            deviation = max(rounding.up(abs(Fraction(h) - exact)) for h in held) + slack
            self.constants[key] = Tracked(self, exact, self.fresh(deviation * INFLATE))
        return self.constants[key]

    def python_double(self, exact: Fraction, double: float, slack: float = 0.0) -> Tracked:
        """A Python float torch's optimizer computed (`double` here, within `slack` of it on another
        machine) and a kernel may convert to the dtype (within u of it, rounded to nearest)."""
        converted = float(np.array(double, dtype=self.dtype))
        if slack:
            slack += self.u * abs(double) * 2 if self.dtype != "float64" else 0.0
        return self.constant(exact, (double, converted), slack)

    def root_constant(self, square: Fraction, double: float, relative_slack: float) -> Tracked:
        """sqrt(square) as Python's `double ** 0.5` gave it (within relative_slack on another
        machine), perhaps converted to the dtype; its exact twin is the square root itself."""
        key = (square, ("sqrt", double))
        if key not in self.constants:
            root = exact_sqrt(square)
            converted = float(np.array(double, dtype=self.dtype))
            deviation = max(ball.upper_float(to_ball(Fraction(h)) - to_ball(root)) for h in (double, converted))
            slack = relative_slack * abs(double) + (self.u * abs(double) * 2 if self.dtype != "float64" else 0.0)
            self.constants[key] = Tracked(self, root, self.fresh((deviation + slack) * INFLATE))
        return self.constants[key]

    def held(self, exact: Fraction) -> Tracked:
        """An input torch holds as the nearest float of the dtype (a feature, a label, a start value)."""
        return self.constant(exact, (nearest_float(exact, self.dtype),))


class Tracked:
    """One value torch computes: its exact twin and its deviation form."""

    __slots__ = ("space", "exact", "dev")

    def __init__(self, space: Space, exact: Exact, dev: np.ndarray) -> None:
        self.space, self.exact, self.dev = space, exact, dev

    @property
    def bound(self) -> float:
        """How far torch's float can be from the exact value: the deviation's radius, plus the
        exact ball's own radius when it is a ball."""
        rad = self.space.rad(self.dev)
        if not isinstance(self.exact, Fraction):
            rad += ball.upper_float(arb(0, self.exact.rad()))
        return rad

    def _form(self) -> np.ndarray:
        return self.space.pad(self.dev)

    def _rounded(self, exact: Exact, dev: np.ndarray, product: bool) -> Tracked:
        space = self.space
        rad = space.rad(dev)
        size = magnitude(exact) + rad
        radius = space.u * size + (space.eta if product else 0.0) if size < space.largest else math.inf
        return Tracked(space, exact, space.extend(dev, radius))

    def __add__(self, other: Tracked) -> Tracked:
        a, b = _mixed(self.exact, other.exact)
        return self._rounded(a + b, self._form() + other._form(), product=False)

    def __sub__(self, other: Tracked) -> Tracked:
        a, b = _mixed(self.exact, other.exact)
        return self._rounded(a - b, self._form() - other._form(), product=False)

    def __neg__(self) -> Tracked:
        return Tracked(self.space, -self.exact, -self.dev)

    def __mul__(self, other: Tracked) -> Tracked:
        a, b = _mixed(self.exact, other.exact)
        space = self.space
        dev = midpoint(b) * self._form() + midpoint(a) * other._form()
        second = space.rad(self.dev) * space.rad(other.dev)
        return self._rounded(a * b, space.extend(dev, second), product=True)

    def __truediv__(self, other: Tracked) -> Tracked:
        return self.divided(other)

    def divided(self, other: Tracked, floor: float = 0.0) -> Tracked:
        """self / other; `floor`, when given, is a proven lower bound of |other| and of torch's float
        of it (a denominator sqrt(...) + eps is at least eps however wide the deviation of the root)."""
        a, b = _mixed(self.exact, other.exact)
        space = self.space
        rad_b = space.rad(other.dev)
        low = max(magnitude_below(b) - rad_b, floor)
        if not low > 0:
            raise ZeroDivisionError("a divisor whose range holds 0")
        q = a / b
        numerator = self._form() - midpoint(q) * other._form()
        # x'/y' - x/y = (dx - q dy)/y' = (dx - q dy)/y - (dx - q dy) dy / (y y')
        second = space.rad(numerator) * rad_b / (magnitude_below(b) * low)
        dev = numerator / midpoint(b)
        return self._rounded(q, space.extend(dev, second * INFLATE), product=True)

    def sqrt(self) -> Tracked:
        space = self.space
        x = self.exact
        rad = space.rad(self.dev)
        root = exact_sqrt(x)
        low = magnitude_below(x) - rad
        if magnitude_below(x) > 0 and low > 0:
            # sqrt(x') - sqrt(x) = dx / (2 sqrt x) - dx^2 / (2 sqrt x (sqrt x' + sqrt x)^2)
            s = midpoint(root)
            second = rad * rad / (2 * math.sqrt(magnitude_below(x)) * magnitude_below(x))
            dev = space.extend(self._form() / (2 * s), second * INFLATE)
        else:  # x' in [0, x + rad]: sqrt(x') anywhere in [0, sqrt(x + rad)]
            dev = space.fresh(math.sqrt(magnitude(x) + rad) * INFLATE)
        return self._rounded(root, dev, product=False)

    def certainly_nonnegative(self) -> bool:
        """Whether torch's float is certainly >= 0: the exact value's lower end minus the deviation."""
        rad = self.space.rad(self.dev)
        if rad == 0:
            return bool(self.exact >= 0)
        return bool(to_ball(self.exact) > 0) and magnitude_below(self.exact) - rad >= 0

    def maximum(self, other: Tracked) -> Tracked:
        """torch.maximum: exact (no rounding), and |max(a', b') - max(a, b)| <= max(|da|, |db|)."""
        a, b = _mixed(self.exact, other.exact)
        gap = to_ball(a) - to_ball(b)
        margin = self.space.rad(self.dev) + other.space.rad(other.dev)
        if gap > arb(margin):
            return self
        if gap < arb(-margin):
            return other
        larger = a if gap >= 0 else b
        return Tracked(self.space, larger, self.space.fresh(max(self.space.rad(self.dev), self.space.rad(other.dev))))


def magnitude_below(x: Exact) -> float:
    """A float at or below |x| (0 when a ball reaches 0)."""
    if isinstance(x, Fraction):
        return abs(float(x)) * (1 - 2.0**-52)
    low = abs(x).lower()
    return max(float(low.mid()) * (1 - 2.0**-52), 0.0)


def total(terms: Sequence[Tracked]) -> Tracked:
    """A sum of k terms in an order we do not know: gamma(k-1) * sum (|t_i| + dev_i)."""
    space = terms[0].space
    exact: Exact = Fraction(0)
    dev = np.zeros(len(space.radius))
    size = 0.0
    for term in terms:
        exact = sum(_mixed(exact, term.exact))
        dev = space.pad(dev) + term._form()
        size += magnitude(term.exact) + space.rad(term.dev)
    k = len(terms) - 1
    gamma = float(rounding.gamma(k, space.dtype)) * (1 + 2.0**-40) if k else 0.0
    radius = gamma * size * INFLATE if size * (1 + 2 * gamma) < space.largest else math.inf  # else a partial sum may round to inf
    return Tracked(space, exact, space.extend(dev, radius))


def condense(space: Space, values: Sequence[Tracked], mark: int) -> list[Tracked]:
    """The values with the symbols created since `mark` (one step's roundings) folded into one
    fresh symbol per value, those symbols dropped (the constants' kept): the forms stay as long as
    the state, not the number of operations. Each value's range is kept; only the correlations of
    one step's roundings between values are given up, which can only widen the bounds."""
    late = sorted(int(np.flatnonzero(c.dev)[0]) for c in space.constants.values() if len(c.dev) > mark and c.dev[mark:].any())
    keep = np.array(list(range(mark)) + late, dtype=int)
    dropped = np.setdiff1d(np.arange(len(space.radius)), keep)
    radius = np.array(space.radius)
    local = []
    for value in values:
        form = space.pad(value.dev)
        with np.errstate(all="ignore"):
            spread = float(np.abs(form[dropped]) @ radius[dropped]) * INFLATE if len(dropped) else 0.0
        local.append((form[keep], spread))
    for constant in space.constants.values():
        constant.dev = space.pad(constant.dev)[keep]
    space.radius = [space.radius[i] for i in keep]
    return [Tracked(space, value.exact, space.extend(form, spread)) for value, (form, spread) in zip(values, local)]
