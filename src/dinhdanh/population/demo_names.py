"""Demo name generator drawing from real Vietnamese name-frequency lists (package data).

Names come out in Vietnamese order (family, middle, given). Children take the father's
family name: pass it as ``family=``.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from typing import Final

__all__ = ["NameGenerator", "WeightedNames"]

# How many middle names: none, one, two (e.g. "Nguyễn Thị Thu Hà").
_MIDDLE_COUNT_WEIGHTS: Final = ((0, 0.04), (1, 0.84), (2, 0.12))
# Middle names that, when present, come first ("Thị Thu", not "Thu Thị").
_LEADING_MIDDLE: Final = frozenset({"Văn", "Thị"})


@dataclass(frozen=True, slots=True)
class WeightedNames:
    """Names with cumulative weights, ready for ``random.choices``."""

    names: tuple[str, ...]
    cum_weights: tuple[float, ...]

    def draw(self, rng: random.Random) -> str:
        """Draw one name by weight."""
        return rng.choices(self.names, cum_weights=self.cum_weights, k=1)[0]


def _read_rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("dinhdanh.data").joinpath(filename).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _weighted(rows: list[dict[str, str]]) -> WeightedNames:
    if not rows:
        raise ValueError("empty name list")
    names = tuple(r["name"] for r in rows)
    return WeightedNames(names, tuple(accumulate(float(r["weight"]) for r in rows)))


@lru_cache(maxsize=1)
def _family_names() -> WeightedNames:
    return _weighted(_read_rows("family_names.csv"))


@lru_cache(maxsize=4)
def _by_sex(filename: str, sex: str) -> WeightedNames:
    return _weighted([r for r in _read_rows(filename) if r["sex"] in (sex, "U")])


def _check_sex(sex: str) -> str:
    if sex not in ("M", "F"):
        raise ValueError(f"sex must be 'M' or 'F', got {sex!r}")
    return sex


class NameGenerator:
    """Weighted random Vietnamese names, reproducible from the given ``rng``."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def family(self) -> str:
        """Draw a family name."""
        return _family_names().draw(self._rng)

    def given(self, sex: str) -> str:
        """Draw a given name for sex 'M' or 'F' (unisex names included)."""
        return _by_sex("given_names.csv", _check_sex(sex)).draw(self._rng)

    def middle(self, sex: str, *, avoid: frozenset[str] = frozenset()) -> str:
        """Draw the middle name(s) for sex 'M' or 'F'; may be empty or two words."""
        pool = _by_sex("middle_names.csv", _check_sex(sex))
        counts, weights = zip(*_MIDDLE_COUNT_WEIGHTS, strict=True)
        count = self._rng.choices(counts, weights=weights, k=1)[0]
        chosen: list[str] = []
        for _ in range(count):
            for _attempt in range(20):
                name = pool.draw(self._rng)
                if name not in chosen and name not in avoid:
                    chosen.append(name)
                    break
        chosen.sort(key=lambda n: n not in _LEADING_MIDDLE)  # stable: Văn/Thị first
        if len(chosen) == 2 and all(n in _LEADING_MIDDLE for n in chosen):
            chosen.pop()
        return " ".join(chosen)

    def person(self, sex: str, *, family: str | None = None) -> tuple[str, str, str]:
        """Return (family, middle, given) for sex 'M'/'F'; ``family`` overrides the draw."""
        _check_sex(sex)
        family_name = family if family is not None else self.family()
        given = self.given(sex)
        for _attempt in range(20):
            if given != family_name:
                break
            given = self.given(sex)
        middle = self.middle(sex, avoid=frozenset({family_name, given}))
        return family_name, middle, given
