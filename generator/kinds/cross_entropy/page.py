"""The view templates/<language>/cross-entropy.md.j2 renders, from the results file alone (no
torch, no sympy, no flint): formulas written from the exact inputs, values from the records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from generator import formatting as fmt
from generator.codec import RealV
from generator.kinds.base import Printed
from generator.kinds.common import exact_matrix_latex
from generator.kinds.cross_entropy.exercises import Enclosed
from generator.kinds.cross_entropy.results import CrossEntropyResults, Loss, Values
from generator.kinds.cross_entropy.scenario import Scenario

TERMS_SHOWN = 6  # a row's sum of exponentials is written out up to this many classes, else with a sum sign


def approx(v: RealV | Enclosed) -> float:
    """The value as a float, for a decimal on the page: the exact value, or the middle of [lo, hi]."""
    if isinstance(v, RealV) and v.exact is not None:
        return float(v.exact)
    return float((Fraction(str(v.lo)) + Fraction(str(v.hi))) / 2)


def decimal(v: RealV | Enclosed) -> str:
    return fmt.decimal_latex(approx(v))


def matrix(rows: Sequence[Sequence[RealV]]) -> str:
    return fmt.bmatrix([[decimal(v) for v in row] for row in rows])


def exponentials(row: Sequence[Fraction]) -> str:
    """e^{x_1} + e^{x_2} + ...: the row's S_i written from its logits."""
    if len(row) > TERMS_SHOWN:
        return r"\sum_{k} e^{x_{ik}}"
    return " + ".join(f"e^{{{fmt.fraction_latex(x)}}}" for x in row)


def linear(c: Fraction, q: Fraction, sums: str) -> str:
    """c log(S) - q, as LaTeX."""
    head = "" if c == 1 else fmt.fraction_latex(c) + r" \cdot "
    tail = "" if q == 0 else (" - " + fmt.fraction_latex(q) if q > 0 else " + " + fmt.fraction_latex(-q))
    return f"{head}\\log\\left({sums}\\right){tail}"


@dataclass(frozen=True)
class Row:
    number: int  # from 1
    target: str  # the class (from 0, as torch counts), or the probability row
    sums: str  # e^{..} + ... (LaTeX)
    softmax: str  # the row of p, decimals
    log_softmax: str
    coefficients: str  # c_i as a row vector (LaTeX)
    closed_form: str  # c log S - q (LaTeX); "0" for an ignored row
    loss: str  # decimal
    ignored: bool


@dataclass(frozen=True)
class ZeroLogitsView:
    """Exercise 1: every logit 0."""

    p: str  # 1/C
    form: str  # the loss as factor * log C (LaTeX): log C, a fraction times it, or it times a column (none)
    loss: str  # its decimal, or the column of them
    grad: str  # exact matrix
    X: str  # the zero matrix, as X's shape


@dataclass(frozen=True)
class OtherClassView:
    """Exercise 2: the first counted row with another class."""

    number: int  # the row, from 1
    target: int  # its class (from 0, as torch counts)
    other: int
    weight: str  # w_k, "" when 1 without weights
    logit: str  # x_{1k}
    log_sum: str  # log S_1 written out
    p: str  # p_{1k}, decimal, from step 1
    loss: str  # decimal
    old_loss: str  # the row's loss in step 3
    lower: bool | None


@dataclass(frozen=True)
class Page:
    n: int
    C: int
    X: str
    classes: bool  # class-index targets (else probabilities)
    target: str  # LaTeX: a column of classes, or the probability matrix
    weight: str  # LaTeX row vector, "" without weights
    smoothing: str  # LaTeX of epsilon, "" without smoothing
    rows: tuple[Row, ...]
    softmax: str
    log_softmax: str
    denominator: str  # LaTeX, "" for sum and none
    denominator_terms: str  # the sum of the counted rows' target weights, written out
    loss: str  # decimal, or a column for "none"
    loss_sum: str  # the row losses added up, LaTeX
    grad: str
    nll: str  # decimal (or a column), "" when not compared
    pitfall_loss: str
    pitfall_grad: str
    shift: str
    shifted: str  # the shifted first row, LaTeX
    naive: tuple[str, ...]
    stable: str
    first_softmax: str
    zero: ZeroLogitsView
    other: OtherClassView | None
    options: str  # the call's options as the program passes them: reduction="mean", weight=w, ...
    divides_by_n: bool  # the mean's denominator equals the number of rows n


def _loss_text(loss: Loss) -> str:
    if isinstance(loss, tuple):
        return fmt.column([decimal(v) for v in loss])
    return decimal(loss)


def view(s: Scenario, results: CrossEntropyResults, language: str) -> Page:
    n, C = s.shape
    c = results.coefficients
    rows = []
    for i in range(n):
        q, weight_sum = results.offsets[i], results.row_weights[i]
        ignored = not s.kept(i)
        rows.append(Row(
            number=i + 1,
            target=str(s.classes[i]) if s.classes is not None else fmt.bmatrix([[fmt.fraction_latex(p) for p in s.probabilities[i]]])
            if s.probabilities is not None else "",
            sums=exponentials(s.logits[i]),
            softmax=fmt.bmatrix([[decimal(v) for v in results.softmax[i]]]),
            log_softmax=fmt.bmatrix([[decimal(v) for v in results.log_softmax[i]]]),
            coefficients=fmt.bmatrix([[fmt.fraction_latex(v) for v in c[i]]]),
            closed_form="0" if ignored or weight_sum == 0 else linear(weight_sum, q, exponentials(s.logits[i])),
            loss=decimal(results.row_loss[i]),
            ignored=ignored,
        ))
    counted = [i for i in range(n) if s.kept(i)]
    terms = " + ".join(fmt.fraction_latex(s.class_weight(s.classes[i])) for i in counted) if s.classes is not None else ""
    return Page(
        n=n,
        C=C,
        X=exact_matrix_latex(s.logits),
        classes=s.classes is not None,
        target=fmt.column([str(t) for t in s.classes]) if s.classes is not None else exact_matrix_latex(s.probabilities or ()),
        weight=fmt.bmatrix([[fmt.fraction_latex(w) for w in s.weight]]) if s.weight is not None else "",
        smoothing=fmt.fraction_latex(s.label_smoothing) if s.label_smoothing else "",
        rows=tuple(rows),
        softmax=matrix(results.softmax),
        log_softmax=matrix(results.log_softmax),
        denominator=fmt.fraction_latex(results.denominator) if results.denominator is not None else "",
        denominator_terms=terms,
        loss=_loss_text(results.loss),
        loss_sum=" + ".join(decimal(v) for v in results.row_loss),
        grad=matrix(results.grad),
        nll=_loss_text(results.nll) if results.nll is not None else "",
        pitfall_loss=_loss_text(results.pitfall.loss),
        pitfall_grad=matrix(results.pitfall.grad),
        shift=fmt.fraction_latex(results.overflow.shift),
        shifted=fmt.bmatrix([[fmt.fraction_latex(x) for x in results.overflow.logits]]),
        naive=results.overflow.naive,
        stable=fmt.bmatrix([[decimal(v) for v in results.overflow.stable]]),
        first_softmax=fmt.bmatrix([[decimal(v) for v in results.softmax[0]]]),
        zero=_zero_logits(s, results),
        other=_other_class(s, results),
        options=_options(s),
        divides_by_n=results.denominator == n,
    )


def _options(s: Scenario) -> str:
    """The options the page's call names: the reduction, then each one the scenario sets."""
    options = [f'reduction="{s.reduction}"']
    if s.weight is not None:
        options.append("weight=w")
    if s.ignore_index is not None:
        options.append(f"ignore_index={s.ignore_index}")
    if s.label_smoothing:
        options.append(f"label_smoothing={fmt.fraction_text(s.label_smoothing)}")
    return ", ".join(options)


def _zero_form(factors: Sequence[Fraction], C: int, reduction: str) -> str:
    if reduction == "none":
        return rf"\log {C} \cdot {fmt.column([fmt.fraction_latex(f) for f in factors])}"
    return rf"\log {C}" if factors[0] == 1 else rf"{fmt.fraction_latex(factors[0])} \log {C}"


def _one_or_column(entries: list[str], reduction: str) -> str:
    return fmt.column(entries) if reduction == "none" else entries[0]


def _zero_logits(s: Scenario, results: CrossEntropyResults) -> ZeroLogitsView:
    n, C = s.shape
    z = results.exercises.zero_logits
    return ZeroLogitsView(
        p=fmt.fraction_latex(Fraction(1, C)),
        form=_zero_form(z.factors, C, s.reduction),
        loss=_one_or_column([decimal(v) for v in z.loss], s.reduction),
        grad=exact_matrix_latex(z.grad),
        X=fmt.bmatrix([["0"] * C for _ in range(n)]),
    )


def _other_class(s: Scenario, results: CrossEntropyResults) -> OtherClassView | None:
    o = results.exercises.other_class
    if o is None:
        return None
    return OtherClassView(
        number=o.row + 1,
        target=o.target,
        other=o.other,
        weight="" if s.weight is None else fmt.fraction_latex(o.weight),
        logit=fmt.fraction_latex(s.logits[o.row][o.other]),
        log_sum=rf"\log\left({exponentials(s.logits[o.row])}\right)",
        p=decimal(results.softmax[o.row][o.other]),
        loss=decimal(o.loss),
        old_loss=decimal(results.row_loss[o.row]),
        lower=o.lower,
    )


def printed(results: CrossEntropyResults) -> list[Printed]:
    """What templates/programs/cross-entropy.py.j2 prints, in order: the loss (one, or one per row),
    logits.grad row by row, NLLLoss after log_softmax (where compared), the softmax-first pitfall's
    loss and logits.grad, the shifted first row's naive exp(x) / exp(x).sum() (torch's floats, with
    no verified bound: not compared) and its torch.softmax."""
    def losses(name: str, loss: Loss) -> list[Printed]:
        return [Printed(f"{name}[{i}]", v) for i, v in enumerate(loss)] if isinstance(loss, tuple) else [Printed(name, loss)]

    def matrix(name: str, rows: Values) -> list[Printed]:
        return [Printed(f"{name}[{i}][{j}]", v) for i, row in enumerate(rows) for j, v in enumerate(row)]

    overflow = results.overflow
    naive = [Printed(f"overflow.naive[{k}]", replace(v, value=float(text), bound=None))
             for k, (text, v) in enumerate(zip(overflow.naive, overflow.stable, strict=True))]
    return (losses("loss", results.loss) + matrix("grad", results.grad)
            + (losses("nll", results.nll) if results.nll is not None else [])
            + losses("pitfall.loss", results.pitfall.loss) + matrix("pitfall.grad", results.pitfall.grad)
            + naive + [Printed(f"overflow.stable[{k}]", v) for k, v in enumerate(overflow.stable)])
