"""The optimizers scenario format: linreg-sgd's data and batches, and a list of torch optimizers
([[optimizer]], torch's class name and its own option names), each run from the same start."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from generator import scenario as base
from generator.errors import Problem
from generator.kinds.linreg_sgd import scenario as linreg
from generator.reader import Reader

NAME = "optimizers"
KEYS = ("features", "labels", "weight", "bias", "batch_size", "epochs", "reduction", "order", "seed", "optimizer")
MAX_OPTIMIZERS = 6

# torch 2.13's defaults, by class: what an option the scenario leaves out is
DEFAULTS: dict[str, dict[str, Any]] = {
    "SGD": {"lr": Fraction(1, 1000), "momentum": Fraction(0), "dampening": Fraction(0), "weight_decay": Fraction(0), "nesterov": False},
    "RMSprop": {"lr": Fraction(1, 100), "alpha": Fraction(99, 100), "eps": Fraction(1, 10**8), "weight_decay": Fraction(0),
                "momentum": Fraction(0), "centered": False},
    "Adam": {"lr": Fraction(1, 1000), "betas": (Fraction(9, 10), Fraction(999, 1000)), "eps": Fraction(1, 10**8),
             "weight_decay": Fraction(0), "amsgrad": False},
    "AdamW": {"lr": Fraction(1, 1000), "betas": (Fraction(9, 10), Fraction(999, 1000)), "eps": Fraction(1, 10**8),
              "weight_decay": Fraction(1, 100), "amsgrad": False},
}
FLAGS = ("nesterov", "centered", "amsgrad")
BUFFERS = {  # the state torch keeps per parameter, by torch's own names, in the order the page shows them
    "SGD": ("momentum_buffer",),
    "RMSprop": ("square_avg", "momentum_buffer", "grad_avg"),  # torch's insertion order, as the program prints them
    "Adam": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
    "AdamW": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
}


@dataclass(frozen=True)
class Optimizer:
    name: str  # torch's class name
    options: tuple[tuple[str, Any], ...]  # every option, the scenario's or torch's default, in DEFAULTS' order

    def get(self, option: str) -> Any:
        return dict(self.options)[option]

    @property
    def lr(self) -> Fraction:
        value: Fraction = self.get("lr")
        return value

    def number(self, option: str) -> Fraction:
        value: Fraction = self.get(option)
        return value

    def flag(self, option: str) -> bool:
        return bool(self.get(option))

    @property
    def adam(self) -> bool:
        return self.name in ("Adam", "AdamW")

    @property
    def buffers(self) -> tuple[str, ...]:
        """The state buffers this configuration keeps (momentum_buffer only with momentum, ...)."""
        kept = []
        for buffer in BUFFERS[self.name]:
            if buffer == "momentum_buffer" and not self.number("momentum"):
                continue
            if buffer == "grad_avg" and not self.flag("centered"):
                continue
            if buffer == "max_exp_avg_sq" and not self.flag("amsgrad"):
                continue
            kept.append(buffer)
        return tuple(kept)


@dataclass(frozen=True)
class Scenario(linreg.Scenario):
    """linreg-sgd's data and batches (its lr is unused: 1) and the optimizers, in the file's order."""

    optimizers: tuple[Optimizer, ...] = ()


class _Entry(Reader):
    """A reader of one [[optimizer]] table: its problems name the field as optimizer[i].key."""

    def __init__(self, parent: Reader, index: int, table: dict[str, Any]) -> None:
        super().__init__(parent.source, table)
        self.parent, self.prefix = parent, f"optimizer[{index}]"

    def problem(self, field: str, message: str) -> None:
        self.parent.problems.append(Problem(self.source, f"{self.prefix}.{field}", message))


def parse(reader: Reader, header: base.ScenarioHeader) -> Scenario | None:
    data = linreg.read(reader, header, one_sgd=False)
    raw = reader.table.get("optimizer")
    optimizers = []
    if raw is None:
        reader.problem("optimizer", "missing: list the optimizers as [[optimizer]] tables, each with a name (SGD, RMSprop, Adam, AdamW)")
    elif not isinstance(raw, list) or not raw or not all(isinstance(item, dict) for item in raw):
        reader.problem("optimizer", "expected [[optimizer]] tables, each with a name (SGD, RMSprop, Adam, AdamW)")
    elif len(raw) > MAX_OPTIMIZERS:
        reader.problem("optimizer", f"lists {len(raw)} optimizers; the limit is {MAX_OPTIMIZERS} (one plot, one table each)")
    else:
        for index, table in enumerate(raw):
            optimizer = _optimizer(_Entry(reader, index, table))
            if optimizer is not None:
                optimizers.append(optimizer)
    if data is None or reader.problems:
        return None
    return Scenario(**{**{f: getattr(data, f) for f in data.__dataclass_fields__}, "optimizers": tuple(optimizers)})


def _optimizer(entry: _Entry) -> Optimizer | None:
    before = len(entry.parent.problems)
    name = entry.choice("name", tuple(DEFAULTS))
    if name is None:
        return None
    defaults = DEFAULTS[name]
    entry.reject_unknown(("name", *defaults))
    options: dict[str, Any] = {}
    for option, default in defaults.items():
        if option in FLAGS:
            options[option] = entry.boolean(option, default)
        elif option == "betas":
            options[option] = _betas(entry, default)
        else:
            options[option] = entry.number(option, default)
    _check(entry, name, options)
    if len(entry.parent.problems) > before:
        return None
    return Optimizer(name, tuple(options.items()))


def _betas(entry: _Entry, default: tuple[Fraction, Fraction]) -> tuple[Fraction, Fraction] | None:
    betas = entry.vector("betas", max_length=2) if "betas" in entry.table else default
    if betas is None:
        return None
    if len(betas) != 2:
        entry.problem("betas", f"has {len(betas)} numbers; expected two, [beta1, beta2]")
        return None
    for i, beta in enumerate(betas):
        if not 0 <= beta < 1:
            entry.problem("betas", f"beta{i + 1} is {beta}; each beta must be at least 0 and below 1")
            return None
    return betas[0], betas[1]


def _check(entry: _Entry, name: str, options: dict[str, Any]) -> None:
    lr = options.get("lr")
    if lr is not None and lr <= 0:
        entry.problem("lr", f"is {lr}; the learning rate must be greater than 0")
    for option in ("momentum", "weight_decay"):
        value = options.get(option)
        if value is not None and value < 0:
            entry.problem(option, f"is {value}; it must be at least 0")
    if options.get("eps") is not None and options["eps"] <= 0:
        entry.problem("eps", f"is {options['eps']}; give eps greater than 0 (eps 0 divides by zero where a gradient is 0)")
    dampening = options.get("dampening")
    if dampening is not None and not 0 <= dampening <= 1:
        entry.problem("dampening", f"is {dampening}; expected a number from 0 to 1")
    alpha = options.get("alpha")
    if alpha is not None and not 0 <= alpha < 1:
        entry.problem("alpha", f"is {alpha}; the smoothing constant must be at least 0 and below 1")
    if name == "SGD" and options.get("nesterov") and (not options.get("momentum") or options.get("dampening")):
        entry.problem("nesterov", "needs momentum above 0 and dampening 0 (torch refuses it otherwise)")

