"""Kind `linreg-sgd`: nn.Linear(d, 1) trained by minibatch torch.optim.SGD, every step recorded.

scenario.py  the TOML format and its checks      run.py      the real torch run
exact.py     the exact trajectory and the check  program.py  the program the page shows
page.py      the template's view                 (this file) results, plot, and the Kind entry
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from generator import results as res
from generator.kinds import Kind
from generator.kinds.linreg_sgd import exact as exact_run
from generator.kinds.linreg_sgd import page as view
from generator.kinds.linreg_sgd import run
from generator.kinds.linreg_sgd.program import program
from generator.kinds.linreg_sgd.scenario import Scenario, parse
from generator.plot import Series, loss_plot
from generator.render import marker_line


@dataclass(frozen=True)
class Runs:
    """Torch's run of the scenario and, when it skips zero_grad, of the same run with it (the fix)."""

    main: run.Trace
    with_zero_grad: run.Trace | None


@dataclass(frozen=True)
class Exacts:
    main: exact_run.Exact
    with_zero_grad: exact_run.Exact | None


def _twin(s: Scenario) -> Scenario | None:
    return None if s.zero_grad else replace(s, zero_grad=True)


def compute(s: Scenario) -> Runs:
    twin = _twin(s)
    return Runs(run.compute(s), run.compute(twin) if twin else None)


def derive(s: Scenario) -> Exacts:
    twin = _twin(s)
    schedule = run.schedule(s)
    return Exacts(exact_run.derive(s, schedule), exact_run.derive(twin, schedule) if twin else None)


def verify(s: Scenario, trace: Runs, exact: Exacts) -> None:
    exact_run.verify(s, trace.main, exact.main)
    twin = _twin(s)
    if twin:
        exact_run.verify(twin, trace.with_zero_grad, exact.with_zero_grad)


def _steps(trace: run.Trace, exact: exact_run.Exact) -> list[dict]:
    return [
        {
            "epoch": step.epoch,
            "batch": step.batch,
            "indices": list(step.indices),
            "loss": res.record(step.loss, want.loss),
            "grad_weight": res.records(step.grad_weight, want.grad_weight),
            "grad_bias": res.record(step.grad_bias, want.grad_bias),
            "weight": res.records(step.weight, want.weight),
            "bias": res.record(step.bias, want.bias),
        }
        for step, want in zip(trace.steps, exact.steps, strict=True)
    ]


def results(s: Scenario, trace: Runs, exact: Exacts) -> dict:
    payload = res.header(s) | {
        "features": res.exact_matrix(s.features),
        "labels": [str(v) for v in s.labels],
        "initial_weight": [str(v) for v in s.weight],
        "initial_bias": str(s.bias),
        "lr": str(s.lr),
        "batch_size": s.batch_size,
        "epochs": s.epochs,
        "reduction": s.reduction,
        "zero_grad": s.zero_grad,
        "order": [list(p) for p in s.order] if s.order is not None else None,
        "seed": None if s.order is not None else s.seed,
        "steps": _steps(trace.main, exact.main),
        "epoch_loss": res.records(trace.main.epoch_loss, exact.main.epoch_loss),
    }
    if trace.with_zero_grad is not None:
        payload["with_zero_grad"] = {
            "steps": _steps(trace.with_zero_grad, exact.with_zero_grad),
            "epoch_loss": res.records(trace.with_zero_grad.epoch_loss, exact.with_zero_grad.epoch_loss),
        }
    return payload


def plot_file(s: Scenario) -> str:
    return f"{s.slug}-loss.svg"


def files(s: Scenario, trace: Runs, exact: Exacts) -> dict[str, bytes]:
    steps = [number for number in range(1, len(trace.main.steps) + 1)]
    epoch_ends = [e * s.batches_per_epoch for e in range(1, s.epochs + 1)]
    label = "without zero_grad()" if not s.zero_grad else "batch loss"
    series = [Series(f"{label}, per step", steps, [st.loss for st in trace.main.steps], "o-")]
    series.append(Series("loss on all data, per epoch", epoch_ends, list(trace.main.epoch_loss), "s--"))
    if trace.with_zero_grad is not None:
        series.append(Series("with zero_grad(), per step", steps, [st.loss for st in trace.with_zero_grad.steps], "^-"))
    svg = loss_plot(series, "step (batch)", marker_line(s.source), s.slug)
    return {plot_file(s): svg}


def page(s: Scenario, trace: Runs, exact: Exacts) -> view.Page:
    return view.page(s, trace.main, exact.main, trace.with_zero_grad, plot_file(s))


KIND = Kind(
    name="linreg-sgd",
    section="Linear regression trained by SGD",
    template="linreg-sgd.md.j2",
    parse=parse,
    compute=compute,
    derive=derive,
    verify=verify,
    program=program,
    results=results,
    page=page,
    files=files,
)
