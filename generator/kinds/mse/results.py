"""What an mse run records: the kind's part of the results file, typed (generator/codec.py)."""

from __future__ import annotations

from dataclasses import dataclass

from generator.codec import V
from generator.kinds.mse.exercises import MseExercises
from generator.kinds.mse.facts import MseFacts
from generator.reader import Matrix

Values = tuple[tuple[V, ...], ...]


@dataclass(frozen=True)
class OtherReduction:
    """The same data with the other reduction, from the same run (for "none": loss.mean() or
    loss.sum() of its matrix, each backpropagated)."""

    reduction: str
    loss: V
    grad: Values


@dataclass(frozen=True)
class Raised:
    """A warning or an error as Python reports it, without the file and line it came from."""

    category: str  # the class's name: "UserWarning", "RuntimeError"
    message: str


@dataclass(frozen=True)
class LegacyCall:
    """nn.MSELoss built with the legacy arguments (None: not passed): what torch chose and warned."""

    size_average: bool | None
    reduce: bool | None
    reduction: str  # the criterion's .reduction, as torch set it
    warnings: tuple[Raised, ...]


@dataclass(frozen=True)
class Legacy:
    """The scenario's legacy arguments, run, and every combination of them, run (the page's table)."""

    call: LegacyCall
    table: tuple[LegacyCall, ...]  # size_average, then reduce, each in the order: not passed, True, False


@dataclass(frozen=True)
class MseResults:
    reduction: str
    X: Matrix
    Y: Matrix
    residual: Values  # X - Y
    squares: Values
    sum_squares: V
    loss: V | Values  # the n×d matrix for reduction "none"
    grad: Values  # X.grad (for "none": of loss.backward(torch.ones_like(loss)))
    other_reduction: OtherReduction | tuple[OtherReduction, ...]  # "none": mean and sum, in that order
    facts: MseFacts  # what the page states about this run (kinds/mse/facts.py)
    exercises: MseExercises  # the exercises' answers, worked exactly (kinds/mse/exercises.py)
    backward_error: Raised | None = None  # "none": what loss.backward() raised
    legacy: Legacy | None = None  # the legacy arguments size_average and reduce, when the scenario gives them
