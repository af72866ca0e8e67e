"""The supervised suggester: learns from confirmed tags, explains itself, stays quiet off topic."""
import pickle
import random
from collections import Counter

import numpy as np
import pytest

from engage.analysis import suggester as suggester_module
from engage.analysis import text as textlib
from engage.analysis.suggester import (
    MIN_EXAMPLES,
    PHRASES_MIN_ITEMS,
    Suggestion,
    _gap_grams,
    _gap_window,
    _tune_decoding,
    _word_terms,
    evaluate,
    train,
)
from tests.analysis.fixtures import CODEBOOK, OFF_TOPIC, THEME_SENTENCES, synthetic_dataset


@pytest.fixture(scope="module")
def dataset():
    texts, labels = synthetic_dataset(items_per_theme=30, multi_label_items=30, seed=7)
    return texts[:120], labels[:120], texts[120:], labels[120:]


@pytest.fixture(scope="module")
def suggester(dataset):
    train_texts, train_labels, _, _ = dataset
    return train(train_texts, train_labels, random_state=0)


def themes(suggestions):
    return {suggestion.theme for suggestion in suggestions}


def test_beats_always_suggesting_the_commonest_theme(dataset, suggester):
    _, train_labels, test_texts, test_labels = dataset
    commonest = Counter(theme for labels in train_labels for theme in labels).most_common(1)[0][0]
    baseline = evaluate(test_labels, [[commonest]] * len(test_labels))
    learnt = evaluate(test_labels, suggester.suggest(test_texts))
    assert learnt["micro_f1"] >= baseline["micro_f1"] + 0.4
    assert learnt["macro_f1"] > 0.8
    assert learnt["share_with_correct"] > 0.9


def test_off_topic_item_gets_no_suggestion(suggester):
    assert suggester.suggest([OFF_TOPIC, "", "   "]) == [[], [], []]


def test_an_item_about_buses_and_carers_gets_both_themes(suggester):
    [suggestions] = suggester.suggest(["The buses never come and as a carer I get no respite"])
    assert {"transport", "carers"} <= themes(suggestions)


def test_every_explanation_word_appears_in_the_item(dataset, suggester):
    _, _, test_texts, _ = dataset
    for item, suggestions in zip(test_texts, suggester.suggest(test_texts)):
        written = textlib.normalise(item)
        for suggestion in suggestions:
            assert suggestion.words, "a suggestion must say which words triggered it"
            for word in suggestion.words:
                assert word in written
            assert 0.0 <= suggestion.confidence <= 1.0


def test_suggestions_are_best_first_and_capped(dataset, suggester):
    _, _, test_texts, _ = dataset
    for suggestions in suggester.suggest(test_texts):
        assert len(suggestions) <= suggester.max_suggestions
        confidences = [suggestion.confidence for suggestion in suggestions]
        assert confidences == sorted(confidences, reverse=True)


def test_decoding_rule_tuned_on_held_out_items(suggester):
    assert suggester.model_family == "linear_svc"
    assert suggester.validation["chosen"] == suggester.model_family
    assert suggester.validation["method"] == "3-fold cross-validation"
    decoding = suggester.validation["decoding"]
    assert decoding["sharing"] in ("independent", "shared", "exclusive")
    # One threshold for every learnt theme: with calibrated probabilities it is the micro-F1 optimum.
    assert set(suggester.thresholds.values()) == {decoding["threshold"]}
    assert all(0.1 <= threshold <= 0.9 for threshold in suggester.thresholds.values())


def test_both_model_families_compared_when_asked(dataset):
    train_texts, train_labels, _, _ = dataset
    model = train(train_texts, train_labels, families=("linear_svc", "logistic"))
    scores = {family: model.validation[family]["micro_f1"] for family in ("linear_svc", "logistic")}
    assert model.model_family == max(scores, key=scores.get)
    with pytest.raises(ValueError):
        train(train_texts, train_labels, families=("naive_bayes",))


def test_top_theme_offered_when_it_is_close_to_the_threshold():
    # Half the items: right theme at 0.6 and a wrong one at 0.3. The other half: only the
    # right theme, at 0.3. No single threshold gets both; a threshold of 0.5 plus "offer
    # the best theme when nothing passes but it is close" gets every item right.
    probabilities = np.array([[0.6, 0.3, 0.05], [0.3, 0.05, 0.05]] * 20)
    targets = np.array([[True, False, False], [True, False, False]] * 20)
    decoding, score = _tune_decoding(probabilities, targets, limit=3)
    assert score == 1.0
    assert decoding.floor is not None and decoding.floor <= 0.3 < decoding.threshold <= 0.6


def test_items_coded_as_fitting_no_theme_teach_it_to_stay_quiet(dataset):
    train_texts, train_labels, _, _ = dataset
    chatter = [f"{day} was {weather} and the {team} won at {sport}"
               for day in ("Monday", "Saturday", "Sunday") for weather in ("sunny", "wet")
               for team in ("home side", "visitors") for sport in ("football", "cricket", "rugby")]
    model = train(list(train_texts) + chatter, list(train_labels) + [[]] * len(chatter))
    assert model.suggest(["Sunday was sunny and the visitors won at cricket", OFF_TOPIC]) == [[], []]
    assert "transport" in themes(model.suggest(["the bus was late again"])[0])


def test_training_is_deterministic(dataset):
    train_texts, train_labels, test_texts, _ = dataset
    first = train(train_texts, train_labels, random_state=3)
    second = train(list(train_texts), list(train_labels), random_state=3)
    assert first.thresholds == second.thresholds
    assert first.suggest(test_texts) == second.suggest(test_texts)


def test_a_theme_with_too_few_examples_falls_back_to_the_codebook(dataset):
    train_texts, train_labels, _, _ = dataset
    texts = list(train_texts) + ["Please fix the potholes on the road to the surgery", "Potholes everywhere"]
    labels = list(train_labels) + [["roads"], ["roads"]]
    codebook = CODEBOOK + [{"id": "roads", "name": "Roads", "keywords": ["pothole", "road"]}]
    model = train(texts, labels, codebook=codebook)
    assert "roads" not in model.themes and "roads" in model.fallback_themes
    [suggestions] = model.suggest(["The potholes are dangerous"])
    [roads] = [suggestion for suggestion in suggestions if suggestion.theme == "roads"]
    assert roads.source == "codebook" and roads.words == ("potholes",)
    assert MIN_EXAMPLES == 3


def test_without_enough_confirmed_tags_the_codebook_does_all_the_work():
    model = train(["the bus was late", "carers need respite"], [["transport"], ["carers"]], codebook=CODEBOOK)
    assert model.themes == [] and model.model_family == "codebook"
    assert [themes(s) for s in model.suggest(["the bus to the day centre", OFF_TOPIC])] == [{"transport"}, set()]


def test_a_small_training_set_still_trains_without_selection():
    texts, labels = synthetic_dataset(items_per_theme=6, multi_label_items=0, seed=1)
    model = train(texts, labels)
    assert set(model.themes) == {"transport", "carers", "waiting", "staff"}
    assert "reason" in model.validation
    assert themes(model.suggest(["there is no bus from the village after six"])[0]) == {"transport"}


def test_review_priority_and_probabilities(dataset, suggester):
    _, _, test_texts, _ = dataset
    priorities = suggester.review_priority(test_texts[:5] + [OFF_TOPIC])
    assert all(0.0 <= priority <= 1.0 for priority in priorities)
    [scores] = suggester.probabilities(["the bus is late"])
    assert set(scores) == set(suggester.themes)
    assert max(scores, key=scores.get) == "transport"


def test_a_trained_suggester_survives_pickling(dataset, suggester):
    _, _, test_texts, _ = dataset
    restored = pickle.loads(pickle.dumps(suggester))
    assert restored.suggest(test_texts[:10]) == suggester.suggest(test_texts[:10])


def test_with_hundreds_of_items_whole_text_character_grams_are_learnt_and_explained_by_words():
    texts, labels = synthetic_dataset(items_per_theme=120, multi_label_items=60, seed=11)
    train_texts, train_labels, test_texts, test_labels = texts[:450], labels[:450], texts[450:], labels[450:]
    assert len(train_texts) >= PHRASES_MIN_ITEMS
    learnt = train(train_texts, train_labels, random_state=0)
    featuriser = learnt.featuriser
    assert featuriser.phrases and not featuriser.char_names
    # Grams across the gap between two words ("s to") are features, not only grams inside a word.
    assert any(" " in name.strip() for name in featuriser.phrase_names)
    suggestions = learnt.suggest(test_texts)
    assert evaluate(test_labels, suggestions)["micro_f1"] > 0.8
    for item, offered in zip(test_texts, suggestions):
        written = textlib.normalise(item)
        for suggestion in offered:
            assert suggestion.words and all(word in written for word in suggestion.words)
    restored = pickle.loads(pickle.dumps(learnt))
    assert restored.suggest(test_texts[:10]) == suggestions[:10]


def test_grams_across_a_gap_are_those_with_the_gap_inside():
    # Only the grams a space-padded token cannot hold: each has the gap strictly inside it.
    assert sorted(_gap_grams(_gap_window("i", "am"))) == sorted(["i a", " i a", "i am"])
    assert sorted(_gap_grams(_gap_window("nothing.", "to"))) == sorted([". t", "g. t", ". to"])


def test_how_an_item_starts_and_ends_are_features_of_their_own():
    stems = ["noth", "realli", "", "the", "staff", "were", "love"]
    stops = [False, False, True, True, False, True, False]
    terms = _word_terms(stems, stops, edges=True)
    # The first one and two words (no further: punctuation ends the opening), the content
    # words before the first punctuation, and the last word, marked so that none is mistaken
    # for a word or a pair.
    edges = {term for term in terms if "^" in term or "$" in term}
    assert edges == {"^ noth", "^ noth realli", "^: noth", "^: realli", "love $"}
    assert "^ the staff were" in _word_terms(stems[3:], stops[3:], edges=True)
    assert not [term for term in _word_terms(stems, stops) if "^" in term or "$" in term]
    assert _word_terms([], [], edges=True) == []


def _nothing_first_answers():
    """Hundreds of items, among them answers that start with "Nothing," before a sentence about staff."""
    generator = random.Random(5)
    texts, labels = synthetic_dataset(items_per_theme=90, multi_label_items=20, seed=5)
    for _ in range(80):
        texts.append("Nothing, " + generator.choice(THEME_SENTENCES["staff"]))
        labels.append(["nothing to improve"])
    return texts, labels


def test_the_same_word_at_the_start_and_at_the_end_can_mean_different_themes(monkeypatch):
    texts, labels = _nothing_first_answers()
    assert len(texts) >= PHRASES_MIN_ITEMS
    learnt = train(texts, labels, random_state=0)
    assert learnt.featuriser.edges
    opening = ["Nothing, " + sentence for sentence in THEME_SENTENCES["staff"]]
    closing = [sentence + " and nothing is done" for sentence in THEME_SENTENCES["staff"]]
    for offered, item in zip(learnt.suggest(opening), opening):
        assert offered[0].theme == "nothing to improve"
        assert "nothing" in offered[0].words  # the opening word is shown as the reason
    for offered in learnt.suggest(closing):
        assert offered[0].theme == "staff"
    # Without the start and end as features, "nothing" anywhere reads as "nothing to improve".
    monkeypatch.setattr(suggester_module, "_edge_terms", lambda stems, stops: [])
    blind = train(texts, labels, random_state=0)
    assert all(offered[0].theme == "nothing to improve" for offered in blind.suggest(closing))


def test_evaluate_on_a_hand_worked_example():
    gold = [["a"], ["a", "b"], ["b"], []]
    predicted = [
        [Suggestion("a", 0.9)],
        [Suggestion("b", 0.8), Suggestion("c", 0.6)],
        [],
        ["c"],
    ]
    result = evaluate(gold, predicted)
    # a: tp 1, fn 1; b: tp 1, fn 1; c: fp 2.
    assert result["micro_precision"] == 0.5
    assert result["micro_recall"] == 0.5
    assert result["micro_f1"] == 0.5
    assert result["per_theme_f1"] == {"a": pytest.approx(0.6667), "b": pytest.approx(0.6667), "c": 0.0}
    assert result["macro_f1"] == pytest.approx((0.6667 * 2) / 3, abs=1e-4)
    assert result["share_with_correct"] == 0.5
    assert result["share_top_correct"] == 0.5
    assert result["share_with_suggestion"] == 0.75


def test_train_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        train(["one"], [])


SHORT_ANSWERS = ["No", "Nothing", "No, nothing", "None", "Nothing really", "Not really", "No thanks",
                 "Nothing at all", "nope", "Nothing I can think of", "No.", "nothing.", "None at all", "Not that I know"]


def _answers_to_two_questions():
    """The same short answers to two questions, coded with a different theme for each, among longer items."""
    texts, labels = synthetic_dataset(items_per_theme=20, multi_label_items=10, seed=3)
    contexts = [None] * len(texts)
    for question, theme in (("question 1", "nothing to improve"), ("question 2", "no problems")):
        texts += SHORT_ANSWERS * 2
        labels += [[theme]] * (2 * len(SHORT_ANSWERS))
        contexts += [question] * (2 * len(SHORT_ANSWERS))
    return texts, labels, contexts


def test_what_an_item_answered_tells_apart_the_same_words_to_different_questions():
    texts, labels, contexts = _answers_to_two_questions()
    learnt = train(texts, labels, contexts=contexts, random_state=0)
    assert sorted(learnt.featuriser.context_vocabulary) == ["question 1", "question 2"]
    answers = ["Nothing at all, thanks", "No, nothing really"]
    to_first = learnt.suggest(answers, ["question 1"] * 2)
    to_second = learnt.suggest(answers, ["question 2"] * 2)
    for first, second, answer in zip(to_first, to_second, answers):
        assert first and first[0].theme == "nothing to improve"
        assert second and second[0].theme == "no problems"
        # The question is a reason the model uses, never shown as a word the item wrote.
        written = textlib.normalise(answer)
        assert all(word in written for suggestion in first + second for word in suggestion.words)
    # Told nothing about the question, the model cannot tell the two answers apart.
    blind = train(texts, labels, random_state=0)
    assert themes(blind.suggest(answers, ["question 1"] * 2)[0]) == themes(blind.suggest(answers)[0])
    assert blind.featuriser.context_vocabulary == {}
    # A question the model never saw counts as unknown; longer items are still themed.
    [unknown, long_item] = learnt.suggest(["Nothing at all", "the bus was late again"], ["question 9", None])
    assert "transport" in themes(long_item)
    restored = pickle.loads(pickle.dumps(learnt))
    assert restored.suggest(answers, ["question 2"] * 2) == to_second


def test_contexts_must_match_the_texts_and_one_shared_context_is_ignored():
    texts, labels, _ = _answers_to_two_questions()
    with pytest.raises(ValueError, match="contexts"):
        train(texts, labels, contexts=["question 1"])
    learnt = train(texts, labels, contexts=["question 1"] * len(texts), random_state=0)
    assert learnt.featuriser.context_vocabulary == {}
    with pytest.raises(ValueError, match="contexts"):
        learnt.suggest(["No"], ["question 1", "question 2"])
