"""Measuring the suggester: split, F1s, bootstrap interval, NaiveBayes baseline, stance kappa."""
import pytest

from engage.analysis.evaluation import (
    bootstrap_interval,
    cohen_kappa,
    evaluate_tagging,
    multilabel_scores,
    naive_bayes_baseline,
    split_indices,
    stance_of,
)
from engage.analysis.suggester import Suggestion
from tests.analysis.fixtures import synthetic_dataset

GOLD = [["a"], ["a", "b"], ["b"], [], []]
PREDICTED = [[Suggestion("a", 0.9)], ["b", "c"], [], ["c"], []]


def test_f1_figures_on_a_hand_worked_example():
    scores = multilabel_scores(GOLD, PREDICTED)
    # Pairs: tp 2 (a on item 1, b on item 2), fp 2 (c twice), fn 2 (a on item 2, b on item 3).
    assert scores["micro_precision"] == 0.5
    assert scores["micro_recall"] == 0.5
    assert scores["micro_f1"] == 0.5
    # a and b: tp 1, fn 1 -> 2/3 each; c: fp 2 -> 0.
    assert scores["per_theme_f1"] == {"a": pytest.approx(0.6667), "b": pytest.approx(0.6667), "c": 0.0}
    assert scores["macro_f1"] == pytest.approx(4 / 9, abs=1e-4)
    # Items: 1, 2/4, 0, 0, and 1 for the item with no theme and no suggestion.
    assert scores["samples_f1"] == pytest.approx((1 + 0.5 + 0 + 0 + 1) / 5, abs=1e-4)


def test_perfect_and_empty_predictions():
    assert multilabel_scores(GOLD, GOLD)["micro_f1"] == 1.0
    assert multilabel_scores(GOLD, GOLD)["samples_f1"] == 1.0
    nothing = multilabel_scores(GOLD, [[]] * len(GOLD))
    assert nothing["micro_f1"] == 0.0 and nothing["micro_precision"] == 0.0
    with pytest.raises(ValueError):
        multilabel_scores(GOLD, PREDICTED[:2])


def test_bootstrap_interval_holds_the_estimate_and_repeats_with_its_seed():
    gold = [["a"], ["b"], ["a", "b"], ["c"]] * 25
    predicted = [["a"], ["a"], ["a", "b"], []] * 25
    point = multilabel_scores(gold, predicted)["micro_f1"]
    low, high = bootstrap_interval(gold, predicted, resamples=500, seed=3)
    assert 0.0 <= low < point < high <= 1.0
    assert bootstrap_interval(gold, predicted, resamples=500, seed=3) == [low, high]
    assert bootstrap_interval(gold, predicted, resamples=500, seed=4) != [low, high]
    assert bootstrap_interval(gold, gold, resamples=100) == [1.0, 1.0]


def test_split_is_random_by_seed_and_checks_its_arguments():
    train, test = split_indices(10, train_fraction=0.8, seed=1)
    assert len(train) == 8 and len(test) == 2
    assert sorted(set(train) | set(test)) == list(range(10)) and not set(train) & set(test)
    assert [list(part) for part in split_indices(10, train_fraction=0.8, seed=1)] == [list(train), list(test)]
    assert [list(part) for part in split_indices(10, seed=2)] != [list(train), list(test)]
    assert len(split_indices(10, train_size=3)[0]) == 3
    with pytest.raises(ValueError, match="not both"):
        split_indices(10, train_fraction=0.5, train_size=3)
    for bad in ({"train_fraction": 1.0}, {"train_fraction": 0}, {"train_size": 10}, {"train_size": 0}):
        with pytest.raises(ValueError):
            split_indices(10, **bad)


def test_multi_class_kappa_on_a_worked_example():
    first = ["support", "support", "concern", "concern", "neutral", "neutral"]
    second = ["support", "support", "concern", "neutral", "neutral", "neutral"]
    # Observed 5/6; chance (2*2 + 2*1 + 2*3) / 36 = 1/3; kappa (5/6 - 1/3) / (2/3) = 0.75.
    assert cohen_kappa(first, second) == 0.75
    assert cohen_kappa(first, first) == 1.0
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None


@pytest.mark.parametrize(
    ("cell", "stance"),
    [("-3", "concern"), ("0", "neutral"), ("4", "support"), ("2.5", "support"), ("Support", "support"),
     (" negative ", "concern"), ("Mixed", "mixed"), ("", None), ("NA", None), ("nan", None)],
)
def test_stance_from_a_spreadsheet_cell(cell, stance):
    assert stance_of(cell) == stance


def test_naive_bayes_baseline_learns_one_theme_per_item():
    texts, labels = synthetic_dataset(items_per_theme=20, multi_label_items=0, seed=2)
    predict = naive_bayes_baseline(texts[:60], labels[:60])
    predicted = predict(texts[60:])
    assert all(len(themes) <= 1 for themes in predicted)
    assert multilabel_scores(labels[60:], predicted)["micro_f1"] > 0.6


def test_evaluate_tagging_reports_suggester_baseline_and_stance():
    texts, labels = synthetic_dataset(items_per_theme=25, multi_label_items=20, seed=5)
    texts, labels = texts + ["The weather was lovely today"] * 5, labels + [[]] * 5
    stances = ["concern" if "no " in text or "long" in text else "neutral" for text in texts]
    result = evaluate_tagging(texts, labels, train_fraction=0.7, seed=1, resamples=200, stances=stances)
    assert result["n_train"] + result["n_test"] == len(texts) and result["n_train"] == round(0.7 * len(texts))
    assert result["n_themes"] == 4 and result["items_without_theme"] == 5
    low, high = result["micro_f1_ci"]
    assert low <= result["micro_f1"] <= high
    assert result["micro_f1"] > result["baseline"]["micro_f1"] - 0.05 and result["micro_f1"] > 0.8
    for key in ("macro_f1", "samples_f1", "train_seconds", "suggest_items_per_second"):
        assert key in result and key in result["baseline"]
    assert result["stance"]["n_test"] == result["n_test"]
    assert {"kappa", "accuracy", "macro_f1"} <= set(result["stance"]["rule"])
    again = evaluate_tagging(texts, labels, train_fraction=0.7, seed=1, resamples=200, baseline=False)
    assert again["micro_f1"] == result["micro_f1"] and again["micro_f1_ci"] == result["micro_f1_ci"]
    assert "baseline" not in again and "stance" not in again
