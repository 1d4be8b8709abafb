"""Each loss of one entry in closed form, as the page writes PyTorch's documented definitions: its
value, its derivative in x and the branch it takes. exact.py checks these against sympy's piecewise
definitions at every entry; the facts and the exercises evaluate them at other residuals. No torch
or sympy here: rendering imports it."""

from __future__ import annotations

from fractions import Fraction

Branch = tuple[Fraction, Fraction]  # (value, derivative in x)


def sign(value: Fraction) -> int:
    """torch.sign: 0 at 0, so L1Loss's gradient at r = 0 is 0."""
    return (value > 0) - (value < 0)


def branches(name: str, r: Fraction, edge: Fraction) -> tuple[Branch, Branch]:
    """SmoothL1's (edge = beta) or Huber's (edge = delta) two branches at r, whichever the test
    |r| < edge picks: (the quadratic one, the linear one)."""
    if name == "smooth_l1":
        return (r * r / (2 * edge), r / edge), (abs(r) - edge / 2, Fraction(sign(r)))
    return (r * r / 2, r), (edge * (abs(r) - edge / 2), Fraction(edge * sign(r)))


def closed_form(name: str, r: Fraction, beta: Fraction, delta: Fraction) -> tuple[Fraction, Fraction, str]:
    """(the entry's loss, its derivative in x, the branch it takes) for the residual r."""
    if name == "l1":
        return abs(r), Fraction(sign(r)), {1: "r > 0", -1: "r < 0", 0: "r = 0"}[sign(r)]
    if name in ("smooth_l1", "huber"):
        edge = beta if name == "smooth_l1" else delta
        quadratic, linear = branches(name, r, edge)
        return (*quadratic, "quadratic") if abs(r) < edge else (*linear, "linear")
    return r * r, 2 * r, "quadratic"
