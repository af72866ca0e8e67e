"""Cohen's kappa between two coders, and the blind second-coder sample."""
import pytest

from engage.analysis.agreement import cohen_kappa, sample_for_second_coder, theme_agreement


def test_kappa_matches_a_hand_worked_two_by_two_table():
    # Both yes 20, first only 5, second only 10, both no 15 (50 items):
    # observed 35/50 = 0.7; expected 0.5*0.6 + 0.5*0.4 = 0.5; kappa (0.7-0.5)/(1-0.5) = 0.4.
    first = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    second = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    result = cohen_kappa(first, second)
    assert result.table == ((20, 5), (10, 15))
    assert result.observed == 0.7 and result.expected == 0.5
    assert result.kappa == pytest.approx(0.4)


def test_perfect_and_chance_agreement():
    assert cohen_kappa([1, 0, 1, 0], [1, 0, 1, 0]).kappa == 1.0
    assert cohen_kappa([1, 1, 0, 0], [1, 0, 1, 0]).kappa == 0.0


def test_kappa_is_undefined_when_both_coders_gave_every_item_the_same_answer():
    none = cohen_kappa([0, 0, 0], [0, 0, 0])
    assert none.kappa is None and "no item" in none.reason
    every = cohen_kappa([1, 1], [1, 1])
    assert every.kappa is None and "every item" in every.reason
    empty = cohen_kappa([], [])
    assert empty.kappa is None and empty.reason
    # One coder constant, the other not: defined (and no better than chance).
    assert cohen_kappa([0, 0, 0, 0], [0, 1, 0, 0]).kappa == 0.0


def test_theme_agreement_per_theme_mean_and_pooled():
    first = {1: {"transport"}, 2: set(), 3: {"transport", "carers"}, 4: {"carers"}, 5: {"rare"}}
    second = {1: {"transport"}, 2: {"carers"}, 3: {"transport"}, 4: {"carers"}, 6: {"transport"}}
    report = theme_agreement(first, second, themes=["transport", "carers", "rare", "unused"])
    assert report.items == 4 and report.items_only_one_coder == 2
    assert report.per_theme["transport"].kappa == 1.0
    # carers over items 1-4: first (0,0,1,1), second (0,1,0,1): observed 0.5, expected 0.5.
    assert report.per_theme["carers"].kappa == 0.0
    assert report.per_theme["unused"].kappa is None
    assert report.per_theme["rare"].kappa is None  # item 5 was not coded by both
    assert set(report.undefined_themes) == {"rare", "unused"}
    assert report.mean_kappa == 0.5
    # Pooled table over the 16 item-theme decisions: yes/yes 3, yes/no 1, no/yes 1, no/no 11.
    assert report.pooled.table == ((3, 1), (1, 11))
    assert report.pooled.kappa == pytest.approx((14 / 16 - (4 / 16) ** 2 - (12 / 16) ** 2) / (1 - (4 / 16) ** 2 - (12 / 16) ** 2), abs=1e-4)


def test_no_shared_items():
    report = theme_agreement({1: {"a"}}, {2: {"a"}})
    assert report.items == 0 and report.mean_kappa is None and report.pooled.kappa is None


def test_second_coder_sample_is_reproducible_and_order_independent():
    ids = list(range(1, 201))
    sample = sample_for_second_coder(ids, 20, seed=5)
    assert len(sample) == 20 == len(set(sample)) and set(sample) <= set(ids)
    assert sample_for_second_coder(reversed(ids), 20, seed=5) == sample
    assert sample_for_second_coder(ids, 20, seed=6) != sample
    assert sorted(sample_for_second_coder(["b", "a"], 5, seed=1)) == ["a", "b"]
    with pytest.raises(ValueError):
        sample_for_second_coder(ids, -1, seed=1)
