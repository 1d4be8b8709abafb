"""The exact twin of a cross-entropy run (sympy expressions with exp and log of the exact logits),
the verified bound of every torch value (ball arithmetic along the CPU kernels' operations,
generator/exact/floating.py), and the proof that torch lies within it (generator/exact/ball.py).

Closed forms, with S_i = sum_k e^{x_ik} and c[i][j] the scenario's coefficients (scenario.py):
    softmax p_ij = e^{x_ij} / S_i,  log_softmax = x_ij - log S_i,
    row loss_i = (sum_j c_ij) log S_i - sum_j c_ij x_ij,
    loss = sum_i loss_i / D (mean), sum_i loss_i (sum), or the rows (none),
    logits.grad_ij = ((sum_k c_ik) p_ij - c_ij) / D   (D = 1 for sum and none, which backpropagates loss.sum()).
The gradient's closed form is checked against sympy's derivative of the row loss (check_gradient).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

from generator.exact import ball, symbolic
from generator.exact.floating import Floats
from generator.kinds.common import check_derivative
from generator.kinds.cross_entropy.scenario import SHIFT, Scenario
from generator.kinds.cross_entropy.trace import Trace
from generator.values import nearest_float

Expr = Any
ExprMatrix = tuple[tuple[Expr, ...], ...]
Loss = Expr | tuple[Expr, ...]
BoundMatrix = tuple[tuple[float, ...], ...]
Bound = float | tuple[float, ...]


@dataclass(frozen=True)
class Exact:
    softmax: ExprMatrix
    log_softmax: ExprMatrix
    row_loss: tuple[Expr, ...]
    loss: Loss
    grad: ExprMatrix
    pitfall_loss: Loss
    pitfall_grad: ExprMatrix
    stable: tuple[Expr, ...]  # the shifted first row's softmax: the first row's, exactly


@dataclass(frozen=True)
class Bounds:
    softmax: BoundMatrix
    log_softmax: BoundMatrix
    row_loss: tuple[float, ...]
    loss: Bound
    grad: BoundMatrix
    nll: Bound | None
    pitfall_loss: Bound
    pitfall_grad: BoundMatrix
    stable: tuple[float, ...]


def _cross_entropy(s: Scenario, X: Sequence[Sequence[Expr]], reduction: str) -> tuple[Loss, ExprMatrix, tuple[Expr, ...]]:
    """Loss, gradient and row losses of cross-entropy on logits X (expressions)."""
    c = [[symbolic.rational(v) for v in row] for row in s.coefficients()]
    n, C = s.shape
    sums = [symbolic.total([symbolic.exp(x) for x in row]) for row in X]
    rows = tuple(symbolic.total(c[i]) * symbolic.log(sums[i]) - symbolic.total([c[i][j] * X[i][j] for j in range(C)]) for i in range(n))
    D = symbolic.rational(s.denominator) if reduction == "mean" and s.denominator is not None else sympy.Integer(1)
    grad = tuple(tuple((symbolic.total(c[i]) * symbolic.exp(X[i][j]) / sums[i] - c[i][j]) / D for j in range(C)) for i in range(n))
    loss: Loss = rows if reduction == "none" else symbolic.total(list(rows)) / D
    return loss, grad, rows


def check_gradient(s: Scenario) -> None:
    """sympy's derivative of a row's loss in x_j equals the closed form ((sum c) p_j - c_j)."""
    C = s.shape[1]
    xs = sympy.symbols(f"x0:{C}")
    cs = sympy.symbols(f"c0:{C}")
    row = sum(cs) * sympy.log(sum(sympy.exp(x) for x in xs)) - sum(ci * xi for ci, xi in zip(cs, xs))
    for j in range(C):
        closed = sum(cs) * sympy.exp(xs[j]) / sum(sympy.exp(x) for x in xs) - cs[j]
        check_derivative(s.source, f"d loss_i / d x_i{j}", sympy.diff(row, xs[j]), closed)


def derive(s: Scenario) -> Exact:
    check_gradient(s)
    n, C = s.shape
    X = [[symbolic.rational(v) for v in row] for row in s.logits]
    sums = [symbolic.total([symbolic.exp(x) for x in row]) for row in X]
    softmax = tuple(tuple(symbolic.exp(x) / sums[i] for x in row) for i, row in enumerate(X))
    log_softmax = tuple(tuple(x - symbolic.log(sums[i]) for x in row) for i, row in enumerate(X))
    loss, grad, rows = _cross_entropy(s, X, s.reduction)
    pitfall_loss, outer, _ = _cross_entropy(s, softmax, s.reduction)
    pitfall_grad = tuple(
        tuple(softmax[i][j] * (outer[i][j] - symbolic.total([outer[i][k] * softmax[i][k] for k in range(C)])) for j in range(C))
        for i in range(n))
    shifted = [symbolic.rational(x + SHIFT) for x in s.logits[0]]
    shifted_sum = symbolic.total([symbolic.exp(x) for x in shifted])
    stable = tuple(symbolic.exp(x) / shifted_sum for x in shifted)
    return Exact(softmax, log_softmax, rows, loss, grad, pitfall_loss, pitfall_grad, stable)


# ---- torch's operations as balls (generator/exact/floating.py) ---------------------------------


def log_softmax_balls(f: Floats, row: Sequence[Any]) -> list[Any]:
    """ATen's CPU log_softmax over the last dim: max, sum of exp(x - max), log, then (x - max) - log."""
    m = f.maximum(row)
    shifted = [f.sub(x, m) for x in row]
    logsum = f.log(f.total([f.exp(d) for d in shifted]))
    return [f.sub(d, logsum) for d in shifted]


def softmax_balls(f: Floats, row: Sequence[Any]) -> list[Any]:
    """ATen's CPU softmax over the last dim: exp(x - max), their sum, its reciprocal, the products."""
    m = f.maximum(row)
    e = [f.exp(f.sub(x, m)) for x in row]
    reciprocal = f.div(f.exact(1), f.total(e))
    return [f.mul(v, reciprocal) for v in e]


def log_softmax_backward(f: Floats, grad: Sequence[Any], out: Sequence[Any]) -> list[Any]:
    """grad - exp(out) * sum(grad)."""
    total = f.total(grad)
    return [f.sub(g, f.mul(f.exp(y), total)) for g, y in zip(grad, out)]


def softmax_backward(f: Floats, grad: Sequence[Any], out: Sequence[Any]) -> list[Any]:
    """(grad - sum(grad * out)) * out."""
    total = f.total([f.mul(g, y) for g, y in zip(grad, out)])
    return [f.mul(f.sub(g, total), y) for g, y in zip(grad, out)]


def _constant(f: Floats, value: float) -> Any:
    """A double torch computed (1 - eps, eps / C) as the kernel of the dtype holds it."""
    return f.exact(nearest_float(Fraction(value), f.dtype))


def _weights(f: Floats, s: Scenario) -> list[Any] | None:
    return None if s.weight is None else [f.exact(nearest_float(w, s.dtype)) for w in s.weight]


def cross_entropy_balls(f: Floats, s: Scenario, X: Sequence[Sequence[Any]], reduction: str) -> tuple[Any, list[list[Any]]]:
    """F.cross_entropy on logits balls X as ATen composes it (log_softmax, then nll_loss, the
    label-smoothing term, or the probability-target sum), and its backward to X; the loss is one
    ball, or a list for "none"."""
    n, C = s.shape
    lsm = [log_softmax_balls(f, row) for row in X]
    w = _weights(f, s)
    zero, one = f.exact(0), f.exact(1)
    eps = float(s.label_smoothing)
    c1, c2 = _constant(f, 1 - eps), _constant(f, eps / C)
    if s.probabilities is not None:
        y = [[f.exact(nearest_float(v, s.dtype)) for v in row] for row in s.probabilities]
        target = [[f.add(f.mul(v, c1), c2) for v in row] for row in y] if eps else y
        products = [[f.mul(lsm[i][j], target[i][j]) for j in range(C)] for i in range(n)]
        if w is not None:
            products = [[f.mul(products[i][j], w[j]) for j in range(C)] for i in range(n)]
        if reduction == "none":
            loss: Any = [f.neg(f.total(row)) for row in products]
            seed = [f.neg(one)] * n
        else:
            total = f.neg(f.total([v for row in products for v in row]))
            loss = f.div(total, f.exact(n)) if reduction == "mean" else total
            seed = [f.neg(f.div(one, f.exact(n)) if reduction == "mean" else one)] * n
        grads = []
        for i in range(n):
            g = [f.mul(seed[i], w[j]) for j in range(C)] if w is not None else [seed[i]] * C
            grads.append([f.mul(g[j], target[i][j]) for j in range(C)])
        return loss, [log_softmax_backward(f, grads[i], lsm[i]) for i in range(n)]
    assert s.classes is not None
    classes = s.classes
    kept = [i for i in range(n) if s.kept(i)]
    weight_of = [w[classes[i]] if w is not None and i in kept else one for i in range(n)]
    total_weight = f.total([weight_of[i] for i in kept]) if w is not None else f.exact(len(kept))

    def nll(scale: Any) -> tuple[Any, list[list[Any]]]:
        """nll_loss of lsm (its value) and its backward for a grad_output of `scale`."""
        terms = [(f.mul(f.neg(lsm[i][classes[i]]), weight_of[i]) if w is not None else f.neg(lsm[i][classes[i]]))
                 if i in kept else zero for i in range(n)]
        if reduction == "none":
            value: Any = [terms[i] if i in kept else zero for i in range(n)]
            g = [f.neg(scale) for _ in range(n)]
        else:
            value = f.total([terms[i] for i in kept])
            value = f.div(value, total_weight) if reduction == "mean" else value
            g = [f.neg(f.div(scale, total_weight) if reduction == "mean" else scale)] * n
        grad = [[zero] * C for _ in range(n)]
        for i in kept:
            grad[i][classes[i]] = f.mul(weight_of[i], g[i]) if w is not None else g[i]
        return value, grad

    if not eps:
        value, grad = nll(one)
        return value, [log_softmax_backward(f, grad[i], lsm[i]) for i in range(n)]
    nll_value, nll_grad = nll(c1)
    smooth = [f.neg(f.total([f.mul(lsm[i][j], w[j]) for j in range(C)] if w is not None else lsm[i])) if i in kept else zero
              for i in range(n)]
    if reduction == "none":
        ret: Any = smooth
        loss = [f.add(f.mul(c1, nll_value[i]), f.mul(smooth[i], c2)) for i in range(n)]
        scale = [c2] * n
    else:
        ret = f.total(smooth)
        ret = f.div(ret, total_weight) if reduction == "mean" else ret
        loss = f.add(f.mul(c1, nll_value), f.mul(ret, c2))
        scale = [f.div(c2, total_weight) if reduction == "mean" else c2] * n
    grads = []
    for i in range(n):
        row = [f.neg(f.mul(scale[i], w[j]) if w is not None else scale[i]) if i in kept else zero for j in range(C)]
        grads.append([f.add(nll_grad[i][j], row[j]) for j in range(C)])
    return loss, [log_softmax_backward(f, grads[i], lsm[i]) for i in range(n)]


def _bounds_of(f: Floats, balls: Any, exprs: Any) -> Any:
    if isinstance(balls, list | tuple):
        return tuple(_bounds_of(f, b, e) for b, e in zip(balls, exprs, strict=True))
    return f.bound(balls, ball.enclose(exprs))


def bounds(s: Scenario, exact: Exact) -> Bounds:
    """The verified bound of every torch value (generator/exact/floating.py)."""
    f = Floats(s.dtype)
    X = [[f.exact(nearest_float(v, s.dtype)) for v in row] for row in s.logits]
    softmax = [softmax_balls(f, row) for row in X]
    lsm = [log_softmax_balls(f, row) for row in X]
    loss, grad = cross_entropy_balls(f, s, X, s.reduction)
    rows, _ = cross_entropy_balls(f, s, X, "none")
    pitfall_loss, outer = cross_entropy_balls(f, s, softmax, s.reduction)
    pitfall_grad = [softmax_backward(f, outer[i], softmax[i]) for i in range(len(X))]
    shifted = [f.exact(nearest_float(x + SHIFT, s.dtype)) for x in s.logits[0]]
    loss_bound = _bounds_of(f, loss, exact.loss)
    return Bounds(
        softmax=_bounds_of(f, softmax, exact.softmax),
        log_softmax=_bounds_of(f, lsm, exact.log_softmax),
        row_loss=_bounds_of(f, rows, exact.row_loss),
        loss=loss_bound,
        grad=_bounds_of(f, grad, exact.grad),
        nll=loss_bound if s.classes is not None and not s.label_smoothing else None,
        pitfall_loss=_bounds_of(f, pitfall_loss, exact.pitfall_loss),
        pitfall_grad=_bounds_of(f, pitfall_grad, exact.pitfall_grad),
        stable=_bounds_of(f, softmax_balls(f, shifted), exact.stable),
    )


def _prove(s: Scenario, name: str, values: Any, exprs: Any, bounds_: Any) -> None:
    if isinstance(values, tuple):
        for i, (v, e, b) in enumerate(zip(values, exprs, bounds_, strict=True)):
            _prove(s, f"{name}[{i}]", v, e, b)
        return
    ball.prove_within(f"{s.source}: {name}", values, exprs, bounds_)


def verify(s: Scenario, trace: Trace, exact: Exact) -> Bounds:
    """Prove every torch value within its bound of the exact value; return the bounds."""
    b = bounds(s, exact)
    _prove(s, "softmax", trace.softmax, exact.softmax, b.softmax)
    _prove(s, "log_softmax", trace.log_softmax, exact.log_softmax, b.log_softmax)
    _prove(s, "row loss", trace.row_loss, exact.row_loss, b.row_loss)
    _prove(s, "loss", trace.loss, exact.loss, b.loss)
    _prove(s, "logits.grad", trace.grad, exact.grad, b.grad)
    if trace.nll is not None:
        _prove(s, "NLLLoss(log_softmax)", trace.nll, exact.loss, b.nll)
    _prove(s, "loss of softmax before CrossEntropyLoss", trace.pitfall_loss, exact.pitfall_loss, b.pitfall_loss)
    _prove(s, "logits.grad of softmax before CrossEntropyLoss", trace.pitfall_grad, exact.pitfall_grad, b.pitfall_grad)
    _prove(s, "softmax of the shifted row", trace.stable, exact.stable, b.stable)
    return b
