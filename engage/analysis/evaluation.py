"""How well does the theme suggester tag a labelled data set? Split, train, suggest, score.

Pure: texts and label sets in, one dict of figures out (the `evaluate-tagging`
command reads the file and prints the dict). The suggester is trained with
`engage.analysis.train`, exactly as the app trains it, on a random part of the
items, and measured on the rest:

- micro-F1 over every (item, theme) decision, with a bootstrap 95% interval
  over the test items (resampling items, not decisions, because one item's
  themes are not independent of each other);
- macro-F1, the mean of the per-theme F1s over every theme that is in the test
  items' labels or in the suggestions;
- samples-F1, the mean over items of each item's own F1 (an item with no theme
  and no suggestion counts 1: staying quiet was right).

The baseline is NLTK's NaiveBayesClassifier as the NLTK book builds a document
classifier (contains(word) features for the commonest word stems), multi-class
on each item's first theme, so at most one theme per item: the plain method an
analyst would try first with NLTK.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence

import numpy as np

from engage.analysis import text as textlib
from engage.analysis.stance import CONCERN, MIXED, NEUTRAL, STANCES, SUPPORT, classify_stances, train_stance
from engage.analysis.suggester import train
from engage.analysis.types import Suggestion

DEFAULT_TRAIN_FRACTION = 0.8
RESAMPLES = 1000
CONFIDENCE = 0.95

# Words people use for a stance in a spreadsheet column, mapped to Engage's stances.
_STANCE_WORDS = {
    "support": SUPPORT, "supports": SUPPORT, "positive": SUPPORT, "pos": SUPPORT, "for": SUPPORT, "agree": SUPPORT,
    "concern": CONCERN, "concerned": CONCERN, "negative": CONCERN, "neg": CONCERN, "against": CONCERN,
    "oppose": CONCERN, "disagree": CONCERN, "object": CONCERN,
    "neutral": NEUTRAL, "none": NEUTRAL, "mixed": MIXED, "both": MIXED,
}


def split_indices(
    size: int, *, train_fraction: float | None = None, train_size: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A random split of range(size) into training and test indices (train_fraction or train_size, not both)."""
    if train_fraction is not None and train_size is not None:
        raise ValueError("give a training fraction or a training size, not both")
    if size < 2:
        raise ValueError(f"at least 2 items are needed to split into training and test parts; there are {size}")
    if train_size is None:
        fraction = DEFAULT_TRAIN_FRACTION if train_fraction is None else float(train_fraction)
        if not 0.0 < fraction < 1.0:
            raise ValueError("the training fraction must be between 0 and 1")
        train_size = min(max(int(round(size * fraction)), 1), size - 1)
    if not 1 <= train_size < size:
        raise ValueError(f"the training size must be between 1 and {size - 1} (there are {size} items)")
    order = np.random.default_rng(seed).permutation(size)
    return np.sort(order[:train_size]), np.sort(order[train_size:])


def _as_sets(entries: Sequence[Iterable]) -> list[set]:
    return [{entry.theme if isinstance(entry, Suggestion) else entry for entry in item} for item in entries]


def _counts(gold: list[set], predicted: list[set]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per item: true positives, false positives, false negatives."""
    tp = np.array([len(wanted & offered) for wanted, offered in zip(gold, predicted)], dtype=np.int64)
    fp = np.array([len(offered - wanted) for wanted, offered in zip(gold, predicted)], dtype=np.int64)
    fn = np.array([len(wanted - offered) for wanted, offered in zip(gold, predicted)], dtype=np.int64)
    return tp, fp, fn


def _f1(tp, fp, fn):
    denominator = 2 * tp + fp + fn
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)


def multilabel_scores(gold: Sequence[Iterable[Hashable]], predicted: Sequence[Iterable]) -> dict:
    """Micro, macro and samples precision/recall/F1 of predicted theme sets against gold ones.

    `predicted` items may hold Suggestions or plain theme ids.
    """
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted must be the same length")
    gold_sets, predicted_sets = _as_sets(gold), _as_sets(predicted)
    tp, fp, fn = _counts(gold_sets, predicted_sets)
    total_tp, total_fp, total_fn = int(tp.sum()), int(fp.sum()), int(fn.sum())
    precision = total_tp / (total_tp + total_fp) if total_tp + total_fp else 0.0
    recall = total_tp / (total_tp + total_fn) if total_tp + total_fn else 0.0
    micro = float(_f1(total_tp, total_fp, total_fn))
    theme_tp: Counter = Counter()
    theme_fp: Counter = Counter()
    theme_fn: Counter = Counter()
    for wanted, offered in zip(gold_sets, predicted_sets):
        theme_tp.update(wanted & offered)
        theme_fp.update(offered - wanted)
        theme_fn.update(wanted - offered)
    themes = sorted(set(theme_tp) | set(theme_fp) | set(theme_fn), key=str)
    per_theme = {theme: float(_f1(theme_tp[theme], theme_fp[theme], theme_fn[theme])) for theme in themes}
    # An item with no theme and no suggestion was handled right.
    samples = np.where(tp + fp + fn == 0, 1.0, _f1(tp, fp, fn))
    return {
        "items": len(gold_sets),
        "micro_precision": round(precision, 4),
        "micro_recall": round(recall, 4),
        "micro_f1": round(micro, 4),
        "macro_f1": round(float(np.mean(list(per_theme.values()))), 4) if per_theme else 0.0,
        "samples_f1": round(float(samples.mean()), 4) if len(samples) else 0.0,
        "per_theme_f1": {theme: round(value, 4) for theme, value in per_theme.items()},
    }


def bootstrap_interval(
    gold: Sequence[Iterable[Hashable]],
    predicted: Sequence[Iterable],
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
    confidence: float = CONFIDENCE,
) -> list[float]:
    """Percentile bootstrap interval [low, high] of micro-F1, resampling test items with replacement."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted must be the same length")
    if not gold:
        return [0.0, 0.0]
    tp, fp, fn = _counts(_as_sets(gold), _as_sets(predicted))
    generator = np.random.default_rng(seed)
    scores = np.empty(resamples)
    # In blocks, so that 1,000 resamples of 100,000 items do not need 800 MB at once.
    block = max(1, 2_000_000 // len(tp))
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        picks = generator.integers(0, len(tp), size=(size, len(tp)))
        scores[start : start + size] = _f1(tp[picks].sum(axis=1), fp[picks].sum(axis=1), fn[picks].sum(axis=1))
    tail = (1.0 - confidence) / 2
    low, high = np.quantile(scores, [tail, 1.0 - tail])
    return [round(float(low), 4), round(float(high), 4)]


NO_THEME = "(no theme)"
BASELINE_WORDS = 300


def naive_bayes_baseline(texts: Sequence[str], labels: Sequence[Iterable[Hashable]]) -> Callable:
    """Train NLTK's NaiveBayesClassifier as the NLTK book does; returns texts -> list of theme sets.

    Features are contains(stem) True/False for the BASELINE_WORDS commonest
    word stems of the training texts (the book's document classifier);
    multi-class on each item's first theme (items with none are a class of
    their own, predicted as no theme), so at most one theme per item. NLTK
    trains the model; its probability tables are then applied with numpy,
    which gives NLTK's decisions far faster than classifier.classify.
    (Presence-only features scored 0.32 micro-F1 on the NHS comments, and one
    binary classifier per theme 0.08: NLTK then ignores absent words, so most
    items pass many themes.)
    """
    from nltk.classify import NaiveBayesClassifier

    stem_sets = [set(textlib.stems(text)) for text in texts]
    counts = Counter(stem for stems in stem_sets for stem in stems)
    vocabulary = [stem for stem, _ in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:BASELINE_WORDS]]
    examples = [({stem: stem in stems for stem in vocabulary}, _first(item)) for stems, item in zip(stem_sets, labels)]
    classes = sorted({label for _, label in examples}, key=str)
    if len(classes) < 2:
        only = classes[0] if classes else NO_THEME
        return lambda new_texts: [set() if only == NO_THEME else {only} for _ in new_texts]
    classifier = NaiveBayesClassifier.train(examples)
    prior = np.array([classifier._label_probdist.logprob(label) for label in classes])
    present = np.array([[classifier._feature_probdist[label, stem].logprob(True) for stem in vocabulary]
                        for label in classes])
    absent = np.array([[classifier._feature_probdist[label, stem].logprob(False) for stem in vocabulary]
                       for label in classes])
    column = {stem: index for index, stem in enumerate(vocabulary)}

    def predict(new_texts: Sequence[str]) -> list[set]:
        contains = np.zeros((len(new_texts), len(vocabulary)))
        for row, text in enumerate(new_texts):
            for stem in set(textlib.stems(text)):
                if stem in column:
                    contains[row, column[stem]] = 1.0
        scores = prior + absent.sum(axis=1) + contains @ (present - absent).T
        return [set() if classes[best] == NO_THEME else {classes[best]} for best in scores.argmax(axis=1).tolist()]

    return predict


def _first(item: Iterable[Hashable]) -> Hashable:
    themes = list(item)
    return themes[0] if themes else NO_THEME


def stance_of(value) -> str | None:
    """A stance from a spreadsheet cell: a number (below 0 concern, 0 neutral, above 0 support) or a word."""
    cell = str(value if value is not None else "").strip()
    if not cell:
        return None
    try:
        number = float(cell)
    except ValueError:
        return _STANCE_WORDS.get(cell.lower())
    if number != number:  # NaN
        return None
    return CONCERN if number < 0 else SUPPORT if number > 0 else NEUTRAL


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two labellings of the same items over any number of labels (None when undefined)."""
    if len(first) != len(second):
        raise ValueError("both labellings must cover the same items")
    if not first:
        return None
    labels = sorted(set(first) | set(second), key=str)
    position = {label: index for index, label in enumerate(labels)}
    table = np.zeros((len(labels), len(labels)))
    for a, b in zip(first, second):
        table[position[a], position[b]] += 1
    total = table.sum()
    observed = np.trace(table) / total
    expected = float((table.sum(axis=0) * table.sum(axis=1)).sum() / total**2)
    if expected >= 1.0 - 1e-12:
        return None
    return round(float((observed - expected) / (1.0 - expected)), 4)


def stance_figures(
    train_texts: Sequence[str], train_stances: Sequence[str | None],
    test_texts: Sequence[str], test_stances: Sequence[str | None], *, seed: int = 0,
) -> dict:
    """Kappa, accuracy and macro-F1 of the tone rule and of the learnt stance model on the test items.

    Items without a stance are left out. When the gold stances never say
    "mixed", the rule's "mixed" is counted as neutral (it could never be right).
    """
    from engage.analysis.stance import evaluate_stances

    kept_train = [(text, stance) for text, stance in zip(train_texts, train_stances) if stance in STANCES]
    kept_test = [(text, stance) for text, stance in zip(test_texts, test_stances) if stance in STANCES]
    gold = [stance for _, stance in kept_test]
    texts = [text for text, _ in kept_test]
    figures: dict = {"n_train": len(kept_train), "n_test": len(kept_test)}
    if not kept_test:
        return figures

    def scored(predicted: list[str], seconds: float) -> dict:
        result = evaluate_stances(gold, predicted)
        return {"kappa": cohen_kappa(gold, predicted), "accuracy": result["accuracy"],
                "macro_f1": result["macro_f1"], "items_per_second": round(len(predicted) / max(seconds, 1e-9), 1)}

    started = time.perf_counter()
    by_rule = [result.stance for result in classify_stances(texts)]
    seconds = time.perf_counter() - started
    if MIXED not in gold:
        by_rule = [NEUTRAL if stance == MIXED else stance for stance in by_rule]
    figures["rule"] = scored(by_rule, seconds)
    started = time.perf_counter()
    model = train_stance([text for text, _ in kept_train], [stance for _, stance in kept_train], random_state=seed)
    trained = time.perf_counter()
    if model is None:
        figures["model"] = None
        return figures
    learnt = [result.stance for result in classify_stances(texts, model)]
    figures["model"] = scored(learnt, time.perf_counter() - trained)
    figures["model"]["train_seconds"] = round(trained - started, 2)
    return figures


def evaluate_tagging(
    texts: Sequence[str],
    labels: Sequence[Iterable[Hashable]],
    *,
    train_fraction: float | None = None,
    train_size: int | None = None,
    seed: int = 0,
    resamples: int = RESAMPLES,
    baseline: bool = True,
    stances: Sequence[str | None] | None = None,
    contexts: Sequence[Hashable | None] | None = None,
) -> dict:
    """Split at random (by seed), train the app's suggester on one part, score its suggestions on the other.

    Returns the suggester's figures (micro/macro/samples F1, micro-F1 interval,
    timings), the same for the NaiveBayes baseline, and stance figures when
    gold `stances` are given (one per item, None where unknown). `contexts`
    (one per item) say what each item answered, as the app passes the question.
    """
    texts = [str(text or "") for text in texts]
    label_sets = [list(dict.fromkeys(item)) for item in labels]
    if len(texts) != len(label_sets):
        raise ValueError("texts and labels must be the same length")
    if stances is not None and len(stances) != len(texts):
        raise ValueError("texts and stances must be the same length")
    if contexts is not None and len(contexts) != len(texts):
        raise ValueError("texts and contexts must be the same length")
    train_index, test_index = split_indices(len(texts), train_fraction=train_fraction, train_size=train_size,
                                            seed=seed)
    train_texts = [texts[i] for i in train_index]
    train_labels = [label_sets[i] for i in train_index]
    test_texts = [texts[i] for i in test_index]
    gold = [label_sets[i] for i in test_index]

    started, cpu = time.perf_counter(), time.process_time()
    train_contexts = [contexts[i] for i in train_index] if contexts is not None else None
    test_contexts = [contexts[i] for i in test_index] if contexts is not None else None
    suggester = train(train_texts, train_labels, contexts=train_contexts, random_state=seed)
    train_seconds, train_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    suggestions = suggester.suggest(test_texts, test_contexts)
    suggest_seconds = time.perf_counter() - started

    result = _figures(gold, suggestions, resamples, seed)
    result.update({
        "n_train": len(train_texts),
        "n_test": len(test_texts),
        "n_themes": len({theme for item in label_sets for theme in item}),
        "n_themes_learnt": len(suggester.themes),
        "items_without_theme": sum(1 for item in label_sets if not item),
        "seed": seed,
        "train_fraction": None if train_size is not None else (train_fraction or DEFAULT_TRAIN_FRACTION),
        "train_size": train_size,
        "train_seconds": round(train_seconds, 2),
        "train_cpu_seconds": round(train_cpu, 2),
        "suggest_seconds": round(suggest_seconds, 3),
        "suggest_items_per_second": round(len(test_texts) / max(suggest_seconds, 1e-9), 1),
        "method": {"model_family": suggester.model_family, **suggester.validation.get("decoding", {}),
                   "contexts_learnt": len(suggester.featuriser.context_vocabulary) if suggester.featuriser else 0},
    })
    if baseline:
        started = time.perf_counter()
        predict = naive_bayes_baseline(train_texts, train_labels)
        baseline_train = time.perf_counter() - started
        started = time.perf_counter()
        predicted = predict(test_texts)
        baseline_suggest = time.perf_counter() - started
        result["baseline"] = {
            **_figures(gold, predicted, resamples, seed),
            "method": f"NLTK NaiveBayesClassifier, contains(stem) features for the {BASELINE_WORDS} commonest "
                      "stems, multi-class on each item's first theme (at most one theme per item)",
            "train_seconds": round(baseline_train, 2),
            "suggest_items_per_second": round(len(test_texts) / max(baseline_suggest, 1e-9), 1),
        }
    if stances is not None:
        result["stance"] = stance_figures(train_texts, [stances[i] for i in train_index],
                                          test_texts, [stances[i] for i in test_index], seed=seed)
    return result


def _figures(gold, predicted, resamples: int, seed: int) -> dict:
    scores = multilabel_scores(gold, predicted)
    return {
        "micro_f1": scores["micro_f1"],
        "micro_f1_ci": bootstrap_interval(gold, predicted, resamples=resamples, seed=seed),
        "micro_precision": scores["micro_precision"],
        "micro_recall": scores["micro_recall"],
        "macro_f1": scores["macro_f1"],
        "samples_f1": scores["samples_f1"],
    }
