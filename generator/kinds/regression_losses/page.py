"""The view templates/regression-losses.md.j2 renders, and the plot of the four losses, read from
the results file alone (no torch)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator import formatting as fmt
from generator import marker
from generator import results as res
from generator.kinds.base import Printed
from generator.kinds.common import difference_terms_latex, exact_matrix_latex, over_latex, squared_latex
from generator.kinds.regression_losses.results import LossResults, RegressionResults
from generator.kinds.regression_losses.scenario import LOSSES, NAME, Scenario
from generator.languages import default, labels

CURVE_POINTS = 241
FIRST_LOSS_SECTION = 3  # the template's sections: 1 the residuals, 2 the definitions, then one per loss


@dataclass(frozen=True)
class LossView:
    key: str  # "l1", "smooth_l1", "huber" or "mse"
    name: str  # "L1Loss", ...
    elementwise: str  # LaTeX matrix of each entry's exact loss
    cases: str  # LaTeX matrix of the branch each entry takes
    sum: str
    loss: str  # exact and decimal
    torch_loss: str
    grad: str
    grad_decimal: str
    first_entry: str  # the loss of entry [0][0], the exercise's answer
    first_case: str  # the branch entry [0][0] takes ("quadratic", "linear", "r > 0", ...: results' `case`)


@dataclass(frozen=True)
class MovedLoss:
    """Exercise 1, one loss: the moved entry's value and slope with the numbers put in (LaTeX)."""

    key: str
    name: str
    label: str  # the name in a formula: "SmoothL1"
    case: str  # the results' case: "quadratic", "linear", "r > 0", ...
    mark: str  # how the page marks a branch, "\\mathrm{Q}"; "" for L1 and MSE
    value: str  # the formula with r (and beta or delta) put in, then its value: "\\frac{1^2}{2 \\cdot 1} = \\frac{1}{2}"
    slope: str
    grad: str  # the X.grad entry: slope over the divisor
    total: str  # the loss over every entry after the move, worked: "\\frac{1}{6}\\left(9 - 1 + \\frac{1}{2}\\right) = ..."


@dataclass(frozen=True)
class Moved:
    residual: str
    size: str  # |r|
    losses: tuple[MovedLoss, ...]


@dataclass(frozen=True)
class OtherBeta:
    """Exercise 2: SmoothL1Loss with another beta (LaTeX, entries named as the page names them)."""

    beta: str
    size: str  # |R|, a matrix
    elementwise: str
    cases: str
    loss_worked: str  # the loss as its sum over n·d, worked: "\\frac{47}{16 \\cdot 3 \\cdot 2} = ..."
    changed: tuple[str, ...]  # the entries whose branch differs from the run's
    at_edge: tuple[str, ...]  # the entries with |r| = the new beta
    section: int  # SmoothL1Loss's section, whose branches these are compared with


@dataclass(frozen=True)
class Boundary:
    """Exercise 3: both branches on the boundary (LaTeX)."""

    key: str
    name: str
    entry: str  # "$x_{1,1}$", or "" where no entry sits on a boundary (the exercise takes r = beta)
    residual: str
    edge: str  # beta's or delta's value
    quadratic: str  # the formula with the numbers put in, then its value
    quadratic_slope: str
    linear: str
    linear_slope: str
    value: str  # the value both give, when they agree
    slope: str
    case: str  # the entry's branch as its loss's section marks it (the results' case), "" without an entry
    section: int  # that section's number


@dataclass(frozen=True)
class Page:
    n: int
    d: int
    divisor: int
    X: str
    Y: str
    residual_terms: str
    residual: str
    first_residual: str
    beta: str
    delta: str
    beta_is_delta: bool  # β = δ exactly: Huber's definition is then δ times SmoothL1's
    same_function: bool  # β = δ = 1 exactly: the two losses are then one function
    losses: tuple[LossView, ...]
    plot_file: str
    # The entries a fact names, "$x_{2,1}$", counted from 1 (results' facts: kinds/regression_losses/facts.py)
    kink: tuple[str, ...]  # r = 0
    at_beta: tuple[str, ...]  # |r| = β
    at_delta: tuple[str, ...]  # |r| = δ
    moved: Moved
    other_beta: OtherBeta
    boundary: Boundary


def entry_names(places: tuple[tuple[int, int], ...]) -> tuple[str, ...]:
    """Matrix entries as the page names them, counted from 1 as the page's $x_{ij}$: "$x_{2,1}$" for
    [1][0] (the results file and the claims keep their 0-based paths)."""
    return tuple(f"$x_{{{i + 1},{j + 1}}}$" for i, j in places)


def plot_file(s: Scenario) -> str:
    return f"{s.slug}-losses.svg"


def _loss_view(key: str, record: LossResults, language: str) -> LossView:
    words = labels(NAME, language)
    elementwise, grad = res.exact_matrix_of(record.elementwise), res.exact_matrix_of(record.grad)
    cases = record.case
    return LossView(
        key=key,
        name=words["names"][key],
        elementwise=exact_matrix_latex(elementwise),
        cases=fmt.bmatrix([[words["cases"][c] for c in row] for row in cases]),
        sum=fmt.fraction_latex(record.sum.exact),
        loss=fmt.exact_and_decimal(record.loss.exact),
        torch_loss=repr(record.loss.value),
        grad=exact_matrix_latex(grad),
        grad_decimal=fmt.bmatrix([[fmt.decimal_latex(float(v)) for v in row] for row in grad]),
        first_entry=fmt.fraction_latex(elementwise[0][0]),
        first_case=cases[0][0],
    )


def view(s: Scenario, results: RegressionResults, language: str) -> Page:
    residual = res.exact_matrix_of(results.residual)
    n, d = s.shape
    return Page(
        n=n,
        d=d,
        divisor=s.divisor,
        X=exact_matrix_latex(s.X),
        Y=exact_matrix_latex(s.Y),
        residual_terms=difference_terms_latex(s.X, s.Y),
        residual=exact_matrix_latex(residual),
        first_residual=fmt.fraction_latex(residual[0][0]),
        beta=fmt.fraction_latex(s.beta),
        delta=fmt.fraction_latex(s.delta),
        beta_is_delta=s.beta == s.delta,
        same_function=s.beta == s.delta == 1,
        losses=tuple(_loss_view(key, results.losses.of(key), language) for key in LOSSES),
        plot_file=plot_file(s),
        kink=entry_names(results.facts.l1_kink_at.at),
        at_beta=entry_names(results.facts.residuals_at_beta.at),
        at_delta=entry_names(results.facts.residuals_at_delta.at),
        moved=moved_view(s, results, language),
        other_beta=other_beta_view(s, results, language),
        boundary=boundary_view(s, results, language),
    )


def _put_in(key: str, case: str, r: Fraction, edge: Fraction, value: Fraction, slope: Fraction) -> tuple[str, str]:
    """(the value's formula with the numbers put in, the slope's), each ending in its value."""
    f, rr, e = fmt.fraction_latex, squared_latex(r), fmt.fraction_latex(edge)
    size = f(abs(r))
    half = f"\\frac{{{e}}}{{2}}" if edge.denominator == 1 else f"\\frac{{1}}{{2}} \\cdot {e}"  # the edge over 2, no fraction in a fraction
    if key == "l1":
        return f"|r| = {f(value)}", f"\\operatorname{{sign}}(r) = {f(slope)}"
    if key == "mse":
        return f"r^2 = {rr} = {f(value)}", f"2 r = 2 \\cdot {fmt.signed(f(r))} = {f(slope)}"
    symbol = "\\beta" if key == "smooth_l1" else "\\delta"
    if case == "quadratic":
        if key == "smooth_l1":
            return (f"\\frac{{r^2}}{{2 \\beta}} = \\frac{{{rr}}}{{2 \\cdot {e}}} = {f(value)}",
                    f"\\frac{{r}}{{\\beta}} = {f(slope)}")
        return f"\\frac{{r^2}}{{2}} = \\frac{{{rr}}}{{2}} = {f(value)}", f"r = {f(slope)}"
    if key == "smooth_l1":
        return (f"|r| - \\frac{{\\beta}}{{2}} = {size} - {half} = {f(value)}",
                f"\\operatorname{{sign}}(r) = {f(slope)}")
    return (f"{symbol} \\left(|r| - \\frac{{{symbol}}}{{2}}\\right) = {e} \\left({size} - {half}\\right) = {f(value)}",
            f"{symbol} \\operatorname{{sign}}(r) = {f(slope)}")


def moved_view(s: Scenario, results: RegressionResults, language: str) -> Moved:
    words = labels(NAME, language)
    e = results.exercises.moved
    losses = []
    for key in LOSSES:
        got, record = e.losses[key], results.losses.of(key)
        edge = s.beta if key == "smooth_l1" else s.delta
        value, slope = _put_in(key, got.case, e.residual, edge, got.value, got.slope)
        old = fmt.fraction_latex(record.elementwise[0][0].exact)
        change = f"{fmt.fraction_latex(record.sum.exact)} - {old} + {fmt.fraction_latex(got.value)}"
        total = f"\\frac{{1}}{{{s.divisor}}} \\left({change}\\right)" if s.divisor != 1 else change
        name = words["names"][key]
        mark = words["cases"][got.case] if key in ("smooth_l1", "huber") else ""
        losses.append(MovedLoss(key, name, name.removesuffix("Loss"), got.case, mark, value, slope, fmt.fraction_latex(got.grad),
                                f"{total} = {fmt.fraction_latex(got.loss)}"))
    return Moved(fmt.fraction_latex(e.residual), fmt.fraction_latex(abs(e.residual)), tuple(losses))


def other_beta_view(s: Scenario, results: RegressionResults, language: str) -> OtherBeta:
    words = labels(NAME, language)
    e = results.exercises.other_beta
    run = results.losses.smooth_l1.case
    places = [(i, j) for i, row in enumerate(e.case) for j in range(len(row))]
    return OtherBeta(
        beta=fmt.fraction_latex(e.beta),
        size=exact_matrix_latex([[abs(r) for r in row] for row in s.residual]),
        elementwise=exact_matrix_latex(e.elementwise),
        cases=fmt.bmatrix([[words["cases"][c] for c in row] for row in e.case]),
        loss_worked=(f"{over_latex(e.sum, *s.shape)} = " if s.reduction == "mean" else "") + fmt.exact_and_decimal(e.loss),
        changed=entry_names(tuple((i, j) for i, j in places if e.case[i][j] != run[i][j])),
        at_edge=entry_names(tuple((i, j) for i, j in places if abs(s.residual[i][j]) == e.beta)),
        section=LOSSES.index("smooth_l1") + FIRST_LOSS_SECTION,
    )


def boundary_view(s: Scenario, results: RegressionResults, language: str) -> Boundary:
    words = labels(NAME, language)
    e = results.exercises.boundary
    quadratic, quadratic_slope = _put_in(e.loss, "quadratic", e.residual, e.edge, e.quadratic, e.quadratic_slope)
    linear, linear_slope = _put_in(e.loss, "linear", e.residual, e.edge, e.linear, e.linear_slope)
    entry = case = ""
    if e.row is not None and e.column is not None:
        entry = entry_names(((e.row, e.column),))[0]
        case = words["cases"][results.losses.of(e.loss).case[e.row][e.column]]
    return Boundary(e.loss, words["names"][e.loss], entry, fmt.fraction_latex(e.residual), fmt.fraction_latex(e.edge),
                    quadratic, quadratic_slope, linear, linear_slope,
                    fmt.fraction_latex(e.linear), fmt.fraction_latex(e.linear_slope), case, LOSSES.index(e.loss) + FIRST_LOSS_SECTION)


def entry_loss(key: str, r: float, beta: float, delta: float) -> float:
    """One entry's loss as a function of its residual, for the curves (the page's definitions)."""
    size = abs(r)
    if key == "l1":
        return size
    if key == "smooth_l1":
        return 0.5 * r * r / beta if size < beta else size - 0.5 * beta
    if key == "huber":
        return 0.5 * r * r if size < delta else delta * (size - 0.5 * delta)
    return r * r


def files(s: Scenario, results: RegressionResults, language: str) -> dict[str, bytes]:
    """The four losses of one entry as curves over the residual, this scenario's entries marked on them.
    One plot serves every edition, labelled in the default language: Chinese labels would need a CJK
    font on every machine that builds the site."""
    from generator.plot import Axes, Guide, Series, loss_plot  # matplotlib only where a plot is drawn

    words = labels(NAME, default())
    beta, delta = float(results.beta), float(results.delta)
    residuals = [v.value for row in results.residual for v in row]
    reach = max([1.5 * abs(r) for r in residuals] + [2 * beta, 2 * delta, 1.0])
    grid = [-reach + 2 * reach * k / (CURVE_POINTS - 1) for k in range(CURVE_POINTS)]
    series = []
    for number, key in enumerate(LOSSES):
        color = f"C{number}"
        # Huber dashed over SmoothL1 (drawn after it), its entries as rings around SmoothL1's dots: where the two
        # coincide (β = δ = 1, or entries below both edges with β = 1) both curves and both marks stay visible.
        over = key == "huber"
        series.append(Series(words["names"][key], grid, [entry_loss(key, r, beta, delta) for r in grid],
                             f"{color}--" if over else f"{color}-"))
        marked = [v.value for row in results.losses.of(key).elementwise for v in row]
        series.append(Series("", residuals, marked, f"{color}o", hollow=over))
    series.append(Series(words["plot"]["entries"], [], [], "ko"))  # the legend's key to the marks
    axes = Axes(words["plot"]["x"], words["plot"]["y"], words["plot"]["y_log"])
    # Where SmoothL1 and Huber change branch, |r| = β and |r| = δ, in their curves' colours
    guides = [Guide(words["plot"][key].format(value=value), (-float(value), float(value)), (f"−{symbol}", symbol),
                    f"C{LOSSES.index(loss)}", style)
              for key, loss, symbol, value, style in (("beta", "smooth_l1", "β", results.beta, ":"),
                                                       ("delta", "huber", "δ", results.delta, "-."))]
    return {plot_file(s): loss_plot(series, axes, marker.html(s.source), s.slug, guides)}


def printed(results: RegressionResults) -> list[Printed]:
    """What templates/programs/regression-losses.py.j2 prints: each loss, then its X.grad row by row."""
    values = []
    for key in LOSSES:
        loss = results.losses.of(key)
        values.append(Printed(f"losses.{key}.loss", loss.loss))
        values += [Printed(f"losses.{key}.grad[{i}][{j}]", v) for i, row in enumerate(loss.grad) for j, v in enumerate(row)]
    return values
