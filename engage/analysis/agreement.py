"""Agreement between two coders: Cohen's kappa per theme, and a blind second-coder sample.

A second officer codes a sample of items without seeing the first officer's
tags; kappa says how far they agree beyond what chance would give. Each theme is
a yes/no decision per item. When chance agreement is total (both coders gave
every item the same answer) kappa is undefined, and the report says why rather
than printing a number.
"""
from __future__ import annotations

import random
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa for one yes/no decision, or None with the reason it is undefined."""

    kappa: float | None
    observed: float | None
    expected: float | None
    items: int
    table: tuple[tuple[int, int], tuple[int, int]]
    reason: str | None = None


@dataclass(frozen=True)
class AgreementReport:
    """Kappa per theme, the mean of the defined ones, and kappa pooled over every item-theme decision."""

    per_theme: dict
    mean_kappa: float | None
    pooled: Kappa
    items: int
    undefined_themes: tuple
    items_only_one_coder: int


def cohen_kappa(first: Sequence, second: Sequence) -> Kappa:
    """Cohen's kappa of two coders' yes/no codes for the same items (truthy = yes)."""
    if len(first) != len(second):
        raise ValueError("both coders must code the same items")
    a = np.array([bool(value) for value in first], dtype=bool)
    b = np.array([bool(value) for value in second], dtype=bool)
    table = (
        (int((a & b).sum()), int((a & ~b).sum())),
        (int((~a & b).sum()), int((~a & ~b).sum())),
    )
    return _kappa_from_table(table)


def theme_agreement(
    first: Mapping[Hashable, Iterable[Hashable]],
    second: Mapping[Hashable, Iterable[Hashable]],
    themes: Iterable[Hashable] | None = None,
) -> AgreementReport:
    """Kappa per theme between two coders, each given as {item id: themes applied}.

    Only items both coders coded count. `themes` defaults to every theme either
    coder used; pass the codebook to include themes neither used.
    """
    shared = sorted(set(first) & set(second), key=_sort_key)
    only_one = len(set(first) ^ set(second))
    first_sets = {item: set(first[item]) for item in shared}
    second_sets = {item: set(second[item]) for item in shared}
    if themes is None:
        themes = set().union(*first_sets.values(), *second_sets.values()) if shared else set()
    themes = sorted(set(themes), key=_sort_key)

    per_theme = {}
    pooled = np.zeros((2, 2), dtype=int)
    for theme in themes:
        result = cohen_kappa(
            [theme in first_sets[item] for item in shared], [theme in second_sets[item] for item in shared]
        )
        per_theme[theme] = result
        pooled += np.array(result.table)
    defined = [result.kappa for result in per_theme.values() if result.kappa is not None]
    pooled_kappa = _kappa_from_table(tuple(tuple(int(cell) for cell in row) for row in pooled))
    return AgreementReport(
        per_theme=per_theme,
        mean_kappa=round(float(np.mean(defined)), 4) if defined else None,
        pooled=pooled_kappa,
        items=len(shared),
        undefined_themes=tuple(theme for theme, result in per_theme.items() if result.kappa is None),
        items_only_one_coder=only_one,
    )


def sample_for_second_coder(item_ids: Iterable[Hashable], n: int, seed: int) -> list[Hashable]:
    """A reproducible random sample of n item ids (all of them if fewer) for blind second coding.

    The same ids, n and seed always give the same sample, whatever order the
    ids come in. Only ids are returned: the second coder must not see the
    first coder's tags.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    population = sorted(set(item_ids), key=_sort_key)
    return random.Random(seed).sample(population, min(n, len(population)))


def _kappa_from_table(table) -> Kappa:
    (yes_yes, yes_no), (no_yes, no_no) = table
    total = yes_yes + yes_no + no_yes + no_no
    if total == 0:
        return Kappa(None, None, None, 0, table, "no items were coded by both coders")
    observed = (yes_yes + no_no) / total
    first_yes = (yes_yes + yes_no) / total
    second_yes = (yes_yes + no_yes) / total
    expected = first_yes * second_yes + (1 - first_yes) * (1 - second_yes)
    if expected >= 1.0 - 1e-12:
        answer = "applied it to every item" if first_yes == 1.0 else "applied it to no item"
        reason = f"undefined: both coders {answer}, so chance agreement is total"
        return Kappa(None, round(observed, 4), round(expected, 4), total, table, reason)
    kappa = (observed - expected) / (1 - expected)
    return Kappa(round(kappa, 4), round(observed, 4), round(expected, 4), total, table)


def _sort_key(value) -> tuple:
    # Ids may be ints or strings; sort by type name first so mixed ids never compare across types.
    return (type(value).__name__, value)
