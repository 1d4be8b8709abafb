"""The exact layer for irrational values (generator/exact/): sympy expressions, arb balls that
contain them, the proof of torch within its bound, the results record, claims and the self-check.
The reference values here come from mpmath at 60 digits (independent of arb and of the code)."""

from __future__ import annotations

import math
from fractions import Fraction as F

import flint
import mpmath
import pytest
import sympy

from generator import codec
from generator.claims import _number, is_right_real
from generator.codec import RealV
from generator.compare import compare
from generator.downloads import check_output
from generator.errors import MismatchError
from generator.exact import ball, enclosure, symbolic
from generator.exact.enclosure import Enclosure, UndecidedError, outward
from generator.exact.record import real_value

mpmath.mp.dps = 60


def the_issues_example():
    """log(e^{-1/3} + e^{1/2} + e^2) - 2: the loss of a row (-1/3, 1/2, 2) whose class is the last."""
    xs = [symbolic.rational(x) for x in (F(-1, 3), F(1, 2), F(2))]
    return symbolic.log(symbolic.total([symbolic.exp(x) for x in xs])) - xs[2]


def reference():
    return mpmath.log(mpmath.exp(mpmath.mpf(-1) / 3) + mpmath.exp(mpmath.mpf(1) / 2) + mpmath.exp(2)) - 2


def test_the_expression_reads_back_and_shows_in_latex():
    expr = the_issues_example()
    assert symbolic.parse(symbolic.text(expr)) == expr
    assert symbolic.latex(expr) == r"-2 + \log{\left(e^{- \frac{1}{3}} + e^{\frac{1}{2}} + e^{2} \right)}"


def test_the_ball_contains_the_value_and_lo_hi_round_outward():
    expr = the_issues_example()
    low, high = map(F, ball.ends(ball.enclose(expr), 40))
    value = F(mpmath.nstr(reference(), 60))  # 60 digits, within 10^-58 of the value
    assert low - F(1, 10**58) <= value <= high + F(1, 10**58)
    record = real_value(0.27770910331209123, expr, 1e-7)
    assert record.exact is None and record.expr == symbolic.text(expr)
    lo, hi = F(record.lo), F(record.hi)
    assert lo <= low and high <= hi  # outward: 30 digits hold the 40-digit enclosure
    assert len(record.lo.lstrip("-0.").replace(".", "")) <= enclosure.DIGITS
    assert lo < value < hi and hi - lo < F(1, 10**28)


def test_a_rational_value_is_recorded_as_exact_only():
    a = symbolic.rational(F(7, 5))
    p = symbolic.exp(a) / symbolic.total([symbolic.exp(a)] * 3)  # softmax of three equal logits
    record = real_value(0.3333333432674408, p, 1e-7)
    assert record == RealV(0.3333333432674408, 1e-7, exact=F(1, 3))
    assert codec.encode(record) == {"value": 0.3333333432674408, "exact": "1/3", "bound": 1e-7}


def test_arbs_traps_are_avoided():
    zero = sympy.Add(sympy.log(3), -sympy.log(3), evaluate=False)  # a ball holding 0
    square = sympy.Pow(zero, 2, evaluate=False)
    enclosed = ball.enclose(square)
    assert enclosed.is_finite() and enclosed.contains(0)  # x**2 in arb would be nan here
    with pytest.raises(UndecidedError):
        ball.enclose(sympy.log(zero, evaluate=False))  # log of a ball reaching 0: refused, not nan


def test_the_proof_accepts_within_and_refuses_one_ulp_past_the_bound():
    expr = the_issues_example()
    value = float(reference())
    bound = 2.0**-40
    ball.prove_within("loss", value, expr, bound)  # |value - exact| < 2^-53, far within
    exact = F(mpmath.nstr(reference(), 60))
    edge = float(exact + F(bound))  # about the bound away
    past = math.nextafter(edge, math.inf) if F(edge) - exact <= F(bound) else edge
    past = math.nextafter(past, math.inf)
    with pytest.raises(MismatchError, match="exceeds its verified bound"):
        ball.prove_within("loss", past, expr, bound)
    inside = math.nextafter(float(exact + F(bound) / 2), 0)
    ball.prove_within("loss", inside, expr, bound)


def test_a_rounding_on_a_near_tie_needs_more_precision_and_an_exact_tie_is_refused():
    near = symbolic.rational(F(1, 2)) + symbolic.exp(symbolic.rational(F(-400)))  # 1/2 + 1.9e-174
    assert ball.enclose(near, ball.WORKING_PRECISION).contains(flint.arb(1) / 2)  # undecided at 128 bits
    assert not ball.enclose(near, 1024).contains(flint.arb(1) / 2)
    assert ball.rounded(near, 0) == 1 and ball.rounded(-near, 0) == -1  # decided by raising the precision
    two = sympy.sqrt(2)
    half = sympy.Mul(sympy.Add(two, 1), sympy.Add(two, -1), sympy.Rational(1, 2), evaluate=False)  # 1/2, unsimplified
    with pytest.raises(UndecidedError, match="4096 bits"):
        ball.rounded(half, 0)  # an exact tie: no ball decides it, and the cap stops the search
    assert symbolic.prove_rational(half) == F(1, 2)  # what claims try first


@pytest.mark.parametrize("written, right", [
    ("0.2777", True), ("0.2778", False), ("0.27770910331", True), ("0.27770910332", False),
    ("0", False), ("1/4", False), ("0.3", True), ("0.", True),  # an integer or a fraction must be the value itself
])
def test_claims_on_an_irrational_value(written, right):
    assert is_right_real(_number(written), symbolic.text(the_issues_example())) is right


def test_a_claim_whose_rounding_needs_more_precision():
    expr = symbolic.text(symbolic.rational(F(1, 2)) + symbolic.exp(symbolic.rational(F(-400))))
    assert is_right_real(_number("1."), expr) and not is_right_real(_number("0."), expr)  # 0 places: 1/2 + tiny rounds up
    assert is_right_real(_number("0.5"), expr)  # one place: 0.5000...0019 rounds to 0.5


def test_a_claim_on_a_value_sympy_proves_rational_uses_the_rational_rule():
    half = "(sqrt(2) + 1)*(sqrt(2) - 1)/2"
    assert is_right_real(_number("1/2"), half) and is_right_real(_number("0.5"), half)
    assert is_right_real(_number("1."), half) and not is_right_real(_number("1"), half)  # rounds half away to 1; is not 1


def record_data(value, lo="0.277709103312091200414348192520", hi="0.277709103312091200414348192521", bound=1e-7):
    return {"value": value, "expr": symbolic.text(the_issues_example()), "lo": lo, "hi": hi, "bound": bound}


def test_the_record_reads_back_and_a_bad_one_names_the_path():
    data = record_data(0.2777091)
    read = codec.decode(RealV, data, "f.json", "loss")
    assert codec.encode(read) == data
    with pytest.raises(codec.ResultsFormatError, match="loss: lo .* is above hi"):
        codec.decode(RealV, record_data(0.2777091, lo="0.3", hi="0.2"), "f.json", "loss")
    with pytest.raises(codec.ResultsFormatError, match="loss.lo: expected a decimal"):
        codec.decode(RealV, record_data(0.2777091, lo="1/3"), "f.json", "loss")


def test_outward_rounding_keeps_the_value_inside():
    assert (outward(12345, -2, 3), outward(12345, -2, 3, up=True)) == ("123", "124")
    assert (outward(-12345, -2, 3), outward(-12345, -2, 3, up=True)) == ("-124", "-123")
    assert (F(outward(5, -500)), F(outward(5, -500, up=True))) == (0, F(1, 10**400))  # below any float: 10^-400 steps
    tiny = symbolic.exp(symbolic.rational(F(-2 * 10**12)))  # exp(-2e12): its exponent never becomes a Fraction
    lo, hi = ball.enclosure(tiny)
    assert F(lo) == 0 and F(hi) == F(1, 10**400)


def test_the_checks_without_flint_use_lo_and_hi():
    exact = enclosure.of_record(record_data(0.0))
    assert isinstance(exact, Enclosure)
    v = 0.27770910331209123
    assert enclosure.within(v, exact, 1e-16)
    assert not enclosure.within(v + 2e-16, exact, 1e-16)


def test_compare_sees_a_changed_enclosure_and_a_value_outside_its_bound():
    base = {"slug": "a", "platform": {}, "printed": "", "loss": record_data(0.2777091)}
    moved = {**base, "loss": record_data(0.2777091, hi="0.277709103312091200414348192522")}
    outcome = compare(base, moved, "elsewhere")
    assert any("exact value" in line for line in outcome.differences)
    far = {**base, "loss": record_data(0.2778)}
    outcome = compare(base, far, "elsewhere")
    assert any("outside the bound" in line for line in outcome.differences)


def test_the_self_check_takes_lo_and_hi():
    lo, hi = "0.277709103312091200414348192520", "0.277709103312091200414348192521"
    status, line = check_output("loss: 0.2777091\n", [("loss", (lo, hi), 1e-7)])
    assert status == 0 and "all 1 values agree" in line
    status, line = check_output("loss: 0.2778\n", [("loss", (lo, hi), 1e-7)])
    assert status == 1 and "beyond its bound" in line and lo in line
