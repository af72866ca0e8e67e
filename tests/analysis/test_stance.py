"""Tone and stance: the VADER rule, and a model learnt from officers' labels."""
import random

import pytest

from engage.analysis import stance
from engage.analysis.stance import (
    CONCERN,
    MIXED,
    NEUTRAL,
    SUPPORT,
    classify_stances,
    evaluate_stances,
    stance_by_rule,
    tone,
    train_stance,
)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("I fully support the plan, it is a great improvement.", SUPPORT),
        ("Closing the day centre would be a disaster and will hurt people.", CONCERN),
        ("I do not support this.", CONCERN),
        ("The staff are wonderful but the waiting times are terrible.", MIXED),
        ("Good ideas. Awful consultation, badly run.", MIXED),
        ("The meeting is on Tuesday at the town hall.", NEUTRAL),
        ("", NEUTRAL),
    ],
)
def test_stance_rule(item, expected):
    result = stance_by_rule(item)
    assert result.stance == expected
    assert 0.0 <= result.confidence <= 1.0
    assert result.method == "rule"


def test_tone_is_vader_compound_and_hears_negation():
    assert tone("This is good") > 0.3
    assert tone("This is not good") < 0
    assert -1.0 <= tone("terrible awful dreadful horrible") <= -0.5


def _labelled(seed=0):
    generator = random.Random(seed)
    supportive = ["I agree with expanding {x}", "Welcome the plan for {x}", "Fully back more {x}"]
    worried = ["Worried that {x} will be cut", "Object to losing {x}", "Against reducing {x}"]
    neutral = ["What time does {x} open", "Where is {x} based", "Who runs {x}"]
    topics = ["the day centre", "home care", "respite beds", "community nurses", "the library"]
    texts, labels = [], []
    for templates, label in ((supportive, SUPPORT), (worried, CONCERN), (neutral, NEUTRAL)):
        for _ in range(15):
            texts.append(generator.choice(templates).format(x=generator.choice(topics)))
            labels.append(label)
    return texts, labels


def test_too_few_labels_means_the_rule_is_used():
    texts, labels = _labelled()
    assert train_stance(texts[:20], labels[:20]) is None
    # Enough items, but only one stance has five examples.
    assert train_stance(texts[:30] + texts[30:33], labels[:30] + labels[30:33]) is not None
    assert train_stance(texts[:15] + texts[15:19], labels[:15] + labels[15:19]) is None
    assert classify_stances(["I fully support the plan"])[0].method == "rule"


def test_learnt_stance_model_follows_officers_labels():
    texts, labels = _labelled()
    model = train_stance(texts, labels, random_state=0)
    assert model is not None and set(model.classes) == {SUPPORT, CONCERN, NEUTRAL}
    results = classify_stances(["Object to losing home care", "Where is the library based"], model)
    assert [result.stance for result in results] == [CONCERN, NEUTRAL]
    assert all(result.method == "model" and 0 <= result.confidence <= 1 for result in results)
    again = train_stance(texts, labels, random_state=0)
    assert again.classify(texts) == model.classify(texts)


def test_a_stance_with_too_few_examples_is_left_out():
    texts, labels = _labelled()
    model = train_stance(texts + ["Good and bad", "Half and half"], labels + [MIXED, MIXED])
    assert MIXED in model.dropped_classes and MIXED not in model.classes


def test_evaluate_stances():
    result = evaluate_stances([SUPPORT, CONCERN, NEUTRAL, CONCERN], [SUPPORT, CONCERN, CONCERN, NEUTRAL])
    assert result["accuracy"] == 0.5
    assert result["per_stance_f1"][SUPPORT] == 1.0
    assert result["per_stance_f1"][CONCERN] == 0.5
    assert result["macro_f1"] == pytest.approx((1.0 + 0.5 + 0.0) / 3, abs=1e-4)


def test_lexicon_comes_from_the_installed_package_not_a_download():
    assert stance._lexicon_path().name == "vader_lexicon.txt"
