"""What every scenario is, whatever its kind: the header read once from its file, and the base
class every kind's frozen scenario extends (generator/kinds/<kind>/scenario.py)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

HEADER_KEYS = ("kind", "title", "titles", "dtype", "claims")  # the keys every scenario file has, read once by loading.py


@dataclass(frozen=True)
class ScenarioHeader:
    """What every scenario has, whatever its kind: read once, before the kind reads the rest."""

    kind: str
    source: str  # the file, as messages, markers and pages name it
    slug: str  # the page's name: the file name's stem
    title: str
    dtype: str  # "float32" or "float64": what torch computes in
    claims: tuple[Any, ...] = ()  # claims.Claim: values a person stated, judged against the run
    titles: tuple[tuple[str, str], ...] = ()  # (language, title) for the other editions: (("zh", "…"),)
    digest: str = ""  # SHA-256 of the file's bytes this was parsed from ("" when not read from a file): the cache's key
    text: str = ""  # the file's text as parsed (a byte-order mark left out; "" when not read from a file): published beside the page


@dataclass(frozen=True)
class Scenario:
    """The base of every kind's frozen scenario: the header, and its fields by name."""

    header: ScenarioHeader

    @property
    def kind(self) -> str:
        return self.header.kind

    @property
    def source(self) -> str:
        return self.header.source

    @property
    def slug(self) -> str:
        return self.header.slug

    @property
    def title(self) -> str:
        return self.header.title

    def title_in(self, language: str) -> str:
        """The title in `language`: the scenario's `titles` entry, else its `title`."""
        return dict(self.header.titles).get(language, self.header.title)

    @property
    def dtype(self) -> str:
        return self.header.dtype


class MatrixPair:
    """What a scenario of an input X against a target Y with a reduction derives from them (mse,
    regression-losses). A plain mixin: the dataclass that uses it declares the fields."""

    X: tuple[tuple[Fraction, ...], ...]
    Y: tuple[tuple[Fraction, ...], ...]
    reduction: str

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.X), len(self.X[0])

    def divisor_of(self, reduction: str) -> int:
        """What a sum over the entries is divided by: n·d for "mean", 1 for "sum"."""
        n, d = self.shape
        return n * d if reduction == "mean" else 1

    @property
    def divisor(self) -> int:
        return self.divisor_of(self.reduction)

    @property
    def residual(self) -> tuple[tuple[Fraction, ...], ...]:
        """X - Y, exactly."""
        return tuple(tuple(x - y for x, y in zip(xr, yr)) for xr, yr in zip(self.X, self.Y))


