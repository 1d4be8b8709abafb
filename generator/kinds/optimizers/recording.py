"""An optimizers run as its results record: every torch value with its exact twin (a fraction, or
an enclosure) and verified bound, the steps worked by hand, and the facts (flint: run time only)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from generator.codec import RealV
from generator.exact import ball
from generator.exact.affine import exact_sqrt, to_ball
from generator.facts import fact
from generator.kinds.linreg_sgd import analysis
from generator.kinds.linreg_sgd.facts import initial_loss
from generator.kinds.optimizers import facts
from generator.kinds.optimizers.exact import ExactRun, ExactStep, Known
from generator.kinds.optimizers.results import (
    Buffer,
    Exactly,
    Minimum,
    OptimizersFacts,
    OptimizersResults,
    Options,
    Run,
    RunFacts,
    State,
    Step,
    Worked,
)
from generator.kinds.optimizers.scenario import Optimizer, Scenario
from generator.kinds.optimizers.trace import Trace


def real(value: float, known: Known) -> RealV:
    bound = known.bound if math.isfinite(known.bound) else None
    if isinstance(known.exact, Fraction):
        return RealV(value, bound, exact=known.exact)
    lo, hi = ball.ends(known.exact)
    return RealV(value, bound, expr=None, lo=lo, hi=hi)


def exactly(x: Any) -> Exactly:
    if isinstance(x, Fraction):
        return Exactly(exact=x)
    lo, hi = ball.ends(x)
    return Exactly(lo=lo, hi=hi)


def _row(values: tuple[float, ...], knowns: tuple[Known, ...]) -> tuple[tuple[RealV, ...], RealV]:
    records = tuple(real(v, k) for v, k in zip(values, knowns, strict=True))
    return records[:-1], records[-1]


def _step(torch_step: Any, known: ExactStep) -> Step:
    grad_weight, grad_bias = _row(torch_step.grad, known.grad)
    weight, bias = _row(torch_step.theta, known.theta)
    buffers = {}
    for (name, values), (_, knowns) in zip(torch_step.state, known.state, strict=True):
        w, b = _row(values, knowns)
        buffers[name] = Buffer(w, b)
    return Step(torch_step.epoch, torch_step.batch, torch_step.indices, real(torch_step.loss, known.loss), grad_weight, grad_bias,
                weight, bias, State(**buffers))


def _options(optimizer: Optimizer) -> Options:
    return Options(**dict(optimizer.options))


def _adaptive(optimizer: Optimizer, step: ExactStep, before: tuple[Any, ...]) -> tuple[Any, ...]:
    """The update less AdamW's decoupled decay (-lr * weight_decay * p before the step)."""
    if optimizer.name != "AdamW" or not optimizer.number("weight_decay"):
        return step.update
    decay = optimizer.lr * optimizer.number("weight_decay")
    return tuple(_add(u, _times(decay, p)) for u, p in zip(step.update, before))


def _add(a: Any, b: Any) -> Any:
    return a + b if isinstance(a, Fraction) and isinstance(b, Fraction) else to_ball(a) + to_ball(b)


def _times(c: Fraction, x: Any) -> Any:
    return c * x if isinstance(x, Fraction) else ball.fraction_ball(c) * x


def _efficient(optimizer: Optimizer, step: ExactStep, t: int, adaptive: tuple[Any, ...]) -> tuple[Any, ...]:
    """The update with the paper's efficient form: lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps),
    the decay (AdamW) as torch's."""
    beta1, beta2 = optimizer.get("betas")
    state = dict(step.state)
    m = [k.exact for k in state["exp_avg"]]
    v = [k.exact for k in state["max_exp_avg_sq" if optimizer.flag("amsgrad") else "exp_avg_sq"]]
    eps, lr = optimizer.number("eps"), optimizer.lr
    size = to_ball(exact_sqrt(1 - beta2**t)) * ball.fraction_ball(lr / (1 - beta1**t))
    efficient = [-size * to_ball(mi) / (to_ball(exact_sqrt(vi)) + ball.fraction_ball(eps)) for mi, vi in zip(m, v)]
    return tuple(_add(u, e - to_ball(a)) for u, e, a in zip(step.update, efficient, adaptive))


def _worked(optimizer: Optimizer, step: ExactStep, t: int, before: tuple[Any, ...]) -> Worked:
    adam = optimizer.adam
    beta1, beta2 = optimizer.get("betas") if adam else (None, None)
    efficient = difference = None
    if adam:
        updates = _efficient(optimizer, step, t, _adaptive(optimizer, step, before))
        efficient = tuple(exactly(x) for x in updates)
        difference = tuple(exactly(to_ball(x) - to_ball(u)) for x, u in zip(updates, step.update))
    return Worked(
        used=tuple(exactly(x) for x in step.used),
        denominator=tuple(exactly(x) for x in step.denominator) if step.denominator is not None else None,
        update=tuple(exactly(x) for x in step.update),
        bias_correction1=1 - beta1**t if beta1 is not None else None,
        bias_correction2=1 - beta2**t if beta2 is not None else None,
        efficient_update=efficient,
        efficient_difference=difference,
    )


def _run(s: Scenario, optimizer: Optimizer, trace: Trace, exact: ExactRun, initial: Fraction) -> Run:
    start = (*s.weight, s.bias)
    first = exact.steps[0]
    second = exact.steps[1] if len(exact.steps) > 1 else first
    after_first = tuple(k.exact for k in first.theta)
    decreasing, falls, rises_overall, rises = facts.loss_facts(initial, [k.exact for k in exact.epoch_loss])
    is_sign = far = differs = None
    with ball.working(256):
        if optimizer.adam:
            is_sign, far = facts.sign_step(optimizer.lr, _adaptive(optimizer, first, start), first.used)
            differs = fact(any(facts.apart(a, b) for a, b in zip(first.update, _efficient(
                optimizer, first, 1, _adaptive(optimizer, first, start)))))
        worked_first = _worked(optimizer, first, 1, start)
        worked_second = _worked(optimizer, second, 2 if len(exact.steps) > 1 else 1, after_first if len(exact.steps) > 1 else start)
    return Run(
        name=optimizer.name,
        options=_options(optimizer),
        steps=tuple(_step(a, b) for a, b in zip(trace.steps, exact.steps, strict=True)),
        epoch_loss=tuple(real(v, k) for v, k in zip(trace.epoch_loss, exact.epoch_loss, strict=True)),
        first=worked_first,
        second=worked_second,
        facts=RunFacts(decreasing, falls, rises_overall, rises, is_sign, far, differs),
    )


def _adamw_pair(s: Scenario) -> tuple[int, int] | None:
    """The first Adam and AdamW runs whose options agree but for the class (weight_decay above 0)."""
    for i, a in enumerate(s.optimizers):
        for j, b in enumerate(s.optimizers):
            if a.name == "Adam" and b.name == "AdamW" and a.options == b.options and a.number("weight_decay"):
                return i, j
    return None


def _minimum(s: Scenario) -> Minimum | None:
    found = analysis.least_squares(s, Fraction(0))
    return Minimum(found.weight, found.bias, found.loss) if found is not None else None


def record(s: Scenario, traces: tuple[Trace, ...], exacts: tuple[ExactRun, ...]) -> OptimizersResults:
    initial = initial_loss(s)
    runs = tuple(_run(s, o, t, e, initial) for o, t, e in zip(s.optimizers, traces, exacts, strict=True))
    pair = _adamw_pair(s)
    adamw = None
    if pair is not None:
        adamw = facts.differing(exacts[pair[0]].steps[0].update, exacts[pair[1]].steps[0].update)
    return OptimizersResults(
        features=s.features,
        labels=s.labels,
        initial_weight=s.weight,
        initial_bias=s.bias,
        batch_size=s.batch_size,
        epochs=s.epochs,
        reduction=s.reduction,
        order=s.order,
        seed=None if s.order is not None else s.seed,
        initial_loss=initial,
        runs=runs,
        least_squares=_minimum(s),
        facts=OptimizersFacts(facts.lowest([e.epoch_loss[-1].exact for e in exacts]), adamw),
    )
