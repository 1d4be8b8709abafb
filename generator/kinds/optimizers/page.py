"""The view templates/<language>/optimizers.md.j2 renders, from the results file alone (no torch,
no sympy, no flint): every number from the records, formatted by generator/formatting.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from generator import formatting as fmt
from generator.codec import RealV
from generator.kinds.base import Printed
from generator.kinds.common import Elided, elide, loss_plot_file, loss_plot_files, loss_plot_key
from generator.kinds.common import listing as common_listing
from generator.kinds.linreg_sgd.page import counted
from generator.kinds.linreg_sgd.scenario import residual
from generator.kinds.optimizers.results import Buffer, Exactly, OptimizersResults, Run, RunFacts, Step, Worked
from generator.kinds.optimizers.scenario import BUFFERS, NAME, Scenario
from generator.plot_spec import Axes, Plot, Series

SHORT_FRACTION = 9  # characters: a fraction longer than this is shown as its decimal in a table cell


def approx(v: RealV | Exactly) -> float:
    """The value as a float for a decimal on the page: the exact value, or the middle of [lo, hi]."""
    if v.exact is not None:
        return float(v.exact)
    return float((Fraction(str(v.lo)) + Fraction(str(v.hi))) / 2)


def cell(v: RealV | Exactly) -> str:
    """A table cell's LaTeX: a short fraction exactly, else its decimal after ≈ (or = where the
    four places are the exact value)."""
    if v.exact is not None and len(str(v.exact)) <= SHORT_FRACTION:
        return fmt.fraction_latex(v.exact).replace("\\frac{", "\\dfrac{")  # display size: a table cell would shrink it
    text = fmt.decimal_latex(approx(v))
    exact = v.exact is not None and "e" not in fmt.decimal_text(approx(v)) and Fraction(fmt.decimal_text(approx(v))) == v.exact
    return ("= " if exact else r"\approx ") + text


def vector(cells: Sequence[str]) -> str:
    """Cells as one tuple after its relation: = (…) when every entry is exact, else \\approx (…)."""
    approximate = any(c.startswith(r"\approx") for c in cells)
    bare = [c.removeprefix(r"\approx ").removeprefix("= ") for c in cells]
    return ("\\approx" if approximate else "=") + " (" + ", ".join(bare) + ")"


def equals(latex_cell: str) -> str:
    """A cell after a formula: "= 17/6" or "≈ 2.8333"."""
    return latex_cell if latex_cell.startswith(("=", r"\approx")) else "= " + latex_cell


def floats(values: Sequence[RealV]) -> str:
    return "[" + ", ".join(fmt.decimal_text(v.value) for v in values) + "]"


def latex(value: Fraction) -> str:
    return fmt.fraction_latex(value)


@dataclass(frozen=True)
class Line:
    """A row of a worked step's table: what it is (a key the template words) and one cell per parameter."""

    key: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class StepRow:
    number: int
    epoch: int
    batch: int
    rows: str
    loss: str
    weight: str
    bias: str
    buffers: tuple[tuple[str, str], ...]  # one per buffer the run keeps: its w entries "[…]", its b


@dataclass(frozen=True)
class RunView:
    number: int  # from 1
    name: str  # torch's class
    keywords: tuple[str, ...]  # "lr = 0.05", "momentum = 0.9": the options (spaced: a break may follow a space), exact decimals
    lr: str  # LaTeX
    momentum: str  # LaTeX, "" without
    dampening: str
    nesterov: bool
    weight_decay: str  # LaTeX, "" without
    alpha: str
    eps: str
    beta1: str
    beta2: str
    amsgrad: bool
    centered: bool
    buffers: tuple[str, ...]  # torch's names, in the order the tables show them
    first: tuple[Line, ...]
    second: tuple[Line, ...]
    bias_correction1: str  # LaTeX of 1 - beta1 (step 1), "" for SGD and RMSprop
    bias_correction2: str
    bias_correction1_second: str  # 1 - beta1^2
    bias_correction2_second: str
    efficient: tuple[Line, ...]  # Adam: torch's first update, the efficient form's, the difference
    far_from_sign: str  # the parameters where Adam's first step is far from lr * sign(g), by name, listed
    steps: Elided[StepRow]
    second_grad: str  # "= (…)" or "\\approx (…)": the gradient of step 2, the weight's entries then the bias
    last_loss: str  # the last epoch's loss on all data, decimal
    facts: RunFacts


@dataclass(frozen=True)
class Momentum:
    """The exercise on a momentum buffer after three steps: the first SGD run with momentum."""

    number: int
    mu: str
    damping: str  # 1 - dampening, LaTeX with a thin space after it; "" without dampening
    grads: tuple[str, str, str]  # the first weight's gradient at steps 1, 2, 3 (exact cells)
    buffers: tuple[str, str, str]  # its buffer after each


@dataclass(frozen=True)
class AdamPair:
    adam: int  # run numbers
    adamw: int
    lines: tuple[Line, ...]  # each run's first update, per parameter
    differs_at: str


@dataclass(frozen=True)
class Page:
    n: int
    d: int
    X: str
    y: str
    w0: str
    b0: str
    parameters: tuple[str, ...]  # LaTeX names: w_1, ..., b
    first_rows: str
    residual: str  # LaTeX column, exact
    scale: str  # c in loss = c * sum r^2 over the first batch, LaTeX
    grad_exact: tuple[str, ...]  # the first gradient, per parameter
    grad_torch: tuple[str, ...]
    initial_loss: str
    runs: tuple[RunView, ...]
    epochs: tuple[tuple[int, tuple[str, ...]], ...]  # epoch, the loss on all data of each run
    lowest: str  # the runs with the lowest last loss, listed
    adam: int | None  # the first Adam or AdamW run, for the exercise
    momentum: Momentum | None
    pair: AdamPair | None
    minimum: str  # the least-squares minimum's loss, "" when there is none
    minimum_weight: str
    minimum_bias: str
    plot_file: str
    plot_key: tuple[tuple[str, str], ...]
    steps: int


def _lines(run: Run, worked: Worked, step: Step) -> tuple[Line, ...]:
    lines = [Line("used", tuple(cell(v) for v in worked.used))]
    for name in _buffers(run):
        buffer = getattr(step.state, name)
        lines.append(Line(name, tuple(cell(v) for v in (*buffer.weight, buffer.bias))))
    if worked.denominator is not None:
        lines.append(Line("denominator", tuple(cell(v) for v in worked.denominator)))
    lines.append(Line("update", tuple(cell(v) for v in worked.update)))
    lines.append(Line("after", tuple(cell(v) for v in (*step.weight, step.bias))))
    lines.append(Line("torch", tuple(fmt.decimal_text(v.value) for v in (*step.weight, step.bias))))
    return tuple(lines)


def _buffers(run: Run) -> tuple[str, ...]:
    return tuple(name for name in BUFFERS[run.name] if getattr(run.steps[0].state, name) is not None)


def _step_row(number: int, step: Step, buffers: tuple[str, ...]) -> StepRow:
    def buffer_text(buffer: Buffer) -> tuple[str, str]:
        return floats(buffer.weight), fmt.decimal_text(buffer.bias.value)

    return StepRow(number, step.epoch, step.batch, counted(step.indices), fmt.decimal_text(step.loss.value), floats(step.weight),
                   fmt.decimal_text(step.bias.value), tuple(buffer_text(getattr(step.state, name)) for name in buffers))


def _keywords(run: Run) -> tuple[str, ...]:
    """The options as torch's keyword arguments, exact decimals: lr=0.05, momentum=0.9."""
    o = run.options
    parts = [f"lr = {number(o.lr)}"]
    for name in ("momentum", "dampening", "alpha", "eps", "weight_decay"):
        value = getattr(o, name)
        if value:
            parts.append(f"{name} = {number(value)}")
    if o.betas is not None:
        parts.append(f"betas = ({number(o.betas[0])}, {number(o.betas[1])})")
    parts += [name + " = True" for name in ("nesterov", "centered", "amsgrad") if getattr(o, name)]
    return tuple(parts)


def number(value: Fraction) -> str:
    """An option as a decimal when it has one of at most 12 places (0.05, 1e-08), else p/q."""
    for places in range(13):
        if (value * 10**places).denominator == 1:
            if value and abs(value) < Fraction(1, 10**4):
                return f"{float(value):g}"
            return str(Decimal(int(value * 10**places)).scaleb(-places))
    return str(value)


def option_latex(value: Fraction) -> str:
    """An option or a bias correction in LaTeX as its exact decimal where it has a short one
    (0.02, 1 \\times 10^{-8}), else as a fraction."""
    text = number(value)
    if "/" in text:
        return latex(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return (f"{mantissa} \\times " if mantissa != "1" else "") + f"10^{{{int(exponent)}}}"
    return text


def _optional(value: Fraction | None) -> str:
    return option_latex(value) if value else ""


def _efficient(run: Run) -> tuple[Line, ...]:
    worked = run.first
    if worked.efficient_update is None:
        return ()
    torch_form = tuple(cell(v) for v in worked.update)
    efficient = tuple(cell(v) for v in worked.efficient_update)
    difference = tuple(cell(v) for v in worked.efficient_difference or ())
    return Line("torch_form", torch_form), Line("efficient_form", efficient), Line("difference", difference)


def run_view(run: Run, number: int, language: str, parameters: tuple[str, ...]) -> RunView:
    o = run.options
    betas = o.betas or ()
    buffers = _buffers(run)
    rows = [_step_row(i, step, buffers) for i, step in enumerate(run.steps, start=1)]
    second_step = run.steps[1] if len(run.steps) > 1 else run.steps[0]
    far = run.facts.first_step_far_from_sign_at
    return RunView(
        number=number,
        name=run.name,
        keywords=_keywords(run),
        lr=option_latex(o.lr),
        momentum=_optional(o.momentum),
        dampening=_optional(o.dampening),
        nesterov=bool(o.nesterov),
        weight_decay=_optional(o.weight_decay),
        alpha=_optional(o.alpha),
        eps=_optional(o.eps),
        beta1=option_latex(betas[0]) if betas else "",
        beta2=option_latex(betas[1]) if betas else "",
        amsgrad=bool(o.amsgrad),
        centered=bool(o.centered),
        buffers=buffers,
        first=_lines(run, run.first, run.steps[0]),
        second=_lines(run, run.second, second_step),
        bias_correction1=_optional(run.first.bias_correction1),
        bias_correction2=_optional(run.first.bias_correction2),
        bias_correction1_second=_optional(run.second.bias_correction1),
        bias_correction2_second=_optional(run.second.bias_correction2),
        efficient=_efficient(run),
        far_from_sign=listing_text([f"${parameters[j - 1]}$" for j in (far.at if far is not None else ())], language),
        steps=elide(rows),
        second_grad=vector([cell(v) for v in run.second.used]),
        last_loss=fmt.decimal_text(run.epoch_loss[-1].value),
        facts=run.facts,
    )


def _parameters(s: Scenario) -> tuple[str, ...]:
    """The parameters' LaTeX names: w_1, ..., w_d, b."""
    return (*(f"w_{{{j + 1}}}" for j in range(s.d)), "b")


def listing(numbers: Sequence[int], language: str) -> str:
    return listing_text([str(n) for n in numbers], language)


def listing_text(words: Sequence[str], language: str) -> str:
    """1, 2 and 3 (en) or 1、2 和 3 (zh)."""
    return common_listing(words, NAME, language)


def _momentum(results: OptimizersResults) -> Momentum | None:
    for number, run in enumerate(results.runs, start=1):
        o = run.options
        if run.name == "SGD" and o.momentum and len(run.steps) >= 3 and not o.nesterov and not o.weight_decay:
            steps = run.steps[:3]
            buffers = tuple(cell(s.state.momentum_buffer.weight[0]) for s in steps if s.state.momentum_buffer is not None)
            grads = tuple(cell(s.grad_weight[0]) for s in steps)
            damping = "" if not o.dampening else latex(1 - o.dampening) + r"\,"
            return Momentum(number, option_latex(o.momentum), damping, (grads[0], grads[1], grads[2]),
                            (equals(buffers[0]), equals(buffers[1]), equals(buffers[2])))
    return None


def _pair(results: OptimizersResults, language: str) -> AdamPair | None:
    differs = results.facts.adamw_differs_at
    if differs is None:
        return None
    adam = next(i for i, r in enumerate(results.runs) if r.name == "Adam" and r.options.weight_decay)
    adamw = next(i for i, r in enumerate(results.runs) if r.name == "AdamW" and r.options == results.runs[adam].options)
    lines = tuple(Line(results.runs[i].name, tuple(cell(v) for v in results.runs[i].first.update)) for i in (adam, adamw))
    return AdamPair(adam + 1, adamw + 1, lines, listing(differs.at, language))


def view(s: Scenario, results: OptimizersResults, language: str) -> Page:
    first = results.runs[0].steps[0]
    rows = first.indices
    r = residual(s, rows, s.weight, s.bias)
    scale = s.loss_scale(len(rows))
    adam = next((i for i, run in enumerate(results.runs, start=1) if run.name in ("Adam", "AdamW") and len(run.steps) > 1), None)
    minimum = results.least_squares
    return Page(
        n=s.n,
        d=s.d,
        X=fmt.bmatrix([[latex(v) for v in row] for row in s.features]),
        y=fmt.column([latex(v) for v in s.labels]),
        w0=fmt.bmatrix([[latex(v) for v in s.weight]]),
        b0=latex(s.bias),
        parameters=_parameters(s),
        first_rows=counted(rows),
        residual=fmt.column([latex(v) for v in r]),
        scale=latex(scale),
        grad_exact=tuple(cell(v) for v in (*first.grad_weight, first.grad_bias)),
        grad_torch=tuple(fmt.decimal_text(v.value) for v in (*first.grad_weight, first.grad_bias)),
        initial_loss=fmt.decimal_text(float(results.initial_loss)),
        runs=tuple(run_view(run, i, language, _parameters(s)) for i, run in enumerate(results.runs, start=1)),
        epochs=tuple((e + 1, tuple(fmt.decimal_text(run.epoch_loss[e].value) for run in results.runs)) for e in range(s.epochs)),
        lowest=listing(results.facts.lowest_final_loss_at.at, language),
        adam=adam,
        momentum=_momentum(results),
        pair=_pair(results, language),
        minimum=fmt.decimal_text(float(minimum.loss)) if minimum else "",
        minimum_weight=fmt.bmatrix([[fmt.decimal_latex(float(v)) for v in minimum.weight]]) if minimum else "",
        minimum_bias=fmt.decimal_latex(float(minimum.bias)) if minimum else "",
        plot_file=loss_plot_file(s.slug),
        plot_key=loss_plot_key(lambda words: plot(s, results, words), NAME, language),
        steps=len(results.runs[0].steps),
    )


def plot(s: Scenario, results: OptimizersResults, words: dict[str, str]) -> Plot:
    """The loss on all data after each epoch, one curve per run, from the initial loss at epoch 0."""
    epochs = list(range(0, s.epochs + 1))
    styles = ("o-", "s--", "^-", "v-.", "D:", "x-")
    series = [
        Series(words["run"].format(number=i, name=run.name), epochs, [float(results.initial_loss), *(v.value for v in run.epoch_loss)],
               styles[(i - 1) % len(styles)])
        for i, run in enumerate(results.runs, start=1)
    ]
    if results.least_squares is not None:
        series.append(Series(words["minimum"], [0, s.epochs], [float(results.least_squares.loss)] * 2, "k:"))
    return Plot(series, Axes(words["x"], words["y"], words["y_log"], integer_x=True))


def files(s: Scenario, results: OptimizersResults, language: str) -> dict[str, bytes]:
    return loss_plot_files(lambda words: plot(s, results, words), NAME, s.source, s.slug)


def printed(results: OptimizersResults) -> list[Printed]:
    """What templates/programs/optimizers.py.j2 prints, run by run: each step's loss, gradients,
    parameters and state buffers (torch's insertion order), and each epoch's loss on all data."""
    values: list[Printed] = []
    for r, run in enumerate(results.runs):
        buffers = _buffers(run)
        for i, step in enumerate(run.steps):
            at = f"runs[{r}].steps[{i}]"
            values.append(Printed(f"{at}.loss", step.loss))
            values += [Printed(f"{at}.grad_weight[{j}]", g) for j, g in enumerate(step.grad_weight)]
            values.append(Printed(f"{at}.grad_bias", step.grad_bias))
            values += [Printed(f"{at}.weight[{j}]", w) for j, w in enumerate(step.weight)]
            values.append(Printed(f"{at}.bias", step.bias))
            for name in buffers:
                buffer = getattr(step.state, name)
                values += [Printed(f"{at}.state.{name}.weight[{j}]", w) for j, w in enumerate(buffer.weight)]
                values.append(Printed(f"{at}.state.{name}.bias", buffer.bias))
            if i + 1 == len(run.steps) or run.steps[i + 1].epoch != step.epoch:
                values.append(Printed(f"runs[{r}].epoch_loss[{step.epoch - 1}]", run.epoch_loss[step.epoch - 1]))
    return values
