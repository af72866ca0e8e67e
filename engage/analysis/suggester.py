"""A theme suggester that learns from officer-confirmed tags.

Feedback items are multi-label: one comment can raise several themes. Each
theme gets its own binary classifier (one-vs-rest) over TF-IDF word 1-2 grams
(stemmed, stopwords out, negations in) and character 3-5 grams. Two model
families are tried, logistic regression and a linear SVM, both with balanced
class weights; the one with the better micro-F1 on held-out items (3-fold
cross-validation) is kept. Probabilities are calibrated with Platt's sigmoid on
the held-out scores, and each theme's threshold is tuned on them to maximise
that theme's F1 (0.5 when there is nothing to tune on). Themes with fewer than
three confirmed examples are not learnt: the codebook's words suggest them.

A suggestion is always explained by the item's own words: the features whose
coefficient x tf-idf value pushed the score up, mapped back to what was written.
"""
from __future__ import annotations

import warnings
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from engage.analysis import text as textlib
from engage.analysis.codebook import DEFAULT_THRESHOLD as CODEBOOK_THRESHOLD
from engage.analysis.codebook import CodebookMatcher
from engage.analysis.types import Suggestion, Theme

__all__ = ["Suggestion", "Suggester", "train", "evaluate", "MIN_EXAMPLES"]

MIN_EXAMPLES = 3
DEFAULT_THRESHOLD = 0.5
MAX_SUGGESTIONS = 3
EXPLANATION_WORDS = 5
EXPLANATION_FLOOR = 0.15
FOLDS = 3
# Below this many items a held-out split says nothing; train one model on everything.
MIN_ITEMS_FOR_SELECTION = 40
# Thresholds tuned on a small validation split are noisy; keep them sensible.
THRESHOLD_RANGE = (0.1, 0.9)
_THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
MODEL_FAMILIES = ("logistic", "linear_svc")


@dataclass
class Suggester:
    """A trained suggester: per-theme calibrated classifiers, thresholds and a codebook fallback."""

    themes: list[Hashable]
    vectoriser: FeatureUnion | None
    models: dict[Hashable, "_ThemeModel"]
    coefficients: np.ndarray | None
    thresholds: dict[Hashable, float]
    model_family: str
    codebook: CodebookMatcher | None = None
    fallback_themes: frozenset = frozenset()
    validation: dict = field(default_factory=dict)
    max_suggestions: int = MAX_SUGGESTIONS
    _word_feature_count: int = 0
    _word_features: np.ndarray | None = None
    _char_features: np.ndarray | None = None

    def probabilities(self, texts: Sequence[str]) -> list[dict[Hashable, float]]:
        """Calibrated probability of every learnt theme (and codebook confidence of fallback themes) per item."""
        texts = [str(text or "") for text in texts]
        matrix = self._probability_matrix(self._features(texts))
        results: list[dict[Hashable, float]] = []
        for row, text in enumerate(texts):
            scores = {theme: float(matrix[row, column]) for column, theme in enumerate(self.themes)}
            if self.codebook is not None and self.fallback_themes:
                for theme, (confidence, _) in self.codebook.scores(text).items():
                    if theme in self.fallback_themes:
                        scores[theme] = confidence
            results.append(scores)
        return results

    def suggest(self, texts: Sequence[str]) -> list[list[Suggestion]]:
        """0..max_suggestions suggestions per item, best first, each with the words behind it."""
        texts = [str(text or "") for text in texts]
        features = self._features(texts)
        matrix = self._probability_matrix(features)
        suggestions: list[list[Suggestion]] = []
        for row, text in enumerate(texts):
            found: list[Suggestion] = []
            passing = [
                column
                for column, theme in enumerate(self.themes)
                if matrix[row, column] >= self.threshold(theme)
            ]
            for column in passing:
                words = self._explain(text, features[row], column)
                # No word of the item speaks for the theme: the score came from the
                # intercept alone, which is not a reason an officer can check.
                if words:
                    found.append(Suggestion(self.themes[column], round(float(matrix[row, column]), 4), words))
            if self.codebook is not None and self.fallback_themes:
                found.extend(self.codebook.suggest_one(text, only=set(self.fallback_themes)))
            found.sort(key=lambda suggestion: (-suggestion.confidence, str(suggestion.theme)))
            suggestions.append(found[: self.max_suggestions])
        return suggestions

    def review_priority(self, texts: Sequence[str]) -> list[float]:
        """How uncertain each item's suggestions are, in [0, 1]: 1 = a theme sits right on its threshold.

        Ordering the review queue by this puts first the items where an
        officer's decision teaches the suggester most.
        """
        priorities = []
        for scores in self.probabilities(texts):
            closeness = []
            for theme, probability in scores.items():
                threshold = self.threshold(theme)
                closeness.append(1.0 - abs(probability - threshold) / max(threshold, 1.0 - threshold))
            priorities.append(round(max(closeness, default=0.0), 4))
        return priorities

    def threshold(self, theme: Hashable) -> float:
        """The confidence a theme needs before it is suggested."""
        if theme in self.thresholds:
            return self.thresholds[theme]
        return CODEBOOK_THRESHOLD if theme in self.fallback_themes else DEFAULT_THRESHOLD

    def _features(self, texts: list[str]):
        if not self.themes or not texts:
            return None
        return self.vectoriser.transform(texts).tocsr()

    def _probability_matrix(self, features) -> np.ndarray:
        if features is None:  # no learnt theme, or no items: nothing to index
            return np.zeros((0, len(self.themes)))
        matrix = np.zeros((features.shape[0], len(self.themes)))
        for column, theme in enumerate(self.themes):
            matrix[:, column] = self.models[theme].predict_proba(features)[:, 1]
        return matrix

    def _explain(self, text: str, row: sparse.csr_matrix, column: int) -> tuple[str, ...]:
        contributions: dict[str, float] = defaultdict(float)
        coefficients = self.coefficients[column]
        indices = row.indices
        values = row.data * coefficients[indices]
        word_surfaces = textlib.term_surfaces(text)
        char_words: dict[str, list[str]] | None = None
        for index, value in zip(indices, values):
            if value <= 0:
                continue
            if index < self._word_feature_count:
                surface = word_surfaces.get(self._word_features[index])
                if surface:
                    contributions[surface] += value
            else:
                if char_words is None:
                    char_words = _char_gram_words(text)
                owners = char_words.get(self._char_features[index - self._word_feature_count], ())
                for owner in owners:
                    contributions[owner] += value / len(owners)
        ranked = sorted(
            (
                (value, surface)
                for surface, value in contributions.items()
                if not all(textlib.is_stopword(word) for word in surface.split())
            ),
            key=lambda pair: (-pair[0], pair[1]),
        )
        if not ranked:
            return ()
        # Words that barely moved the score would only distract the officer.
        floor = ranked[0][0] * EXPLANATION_FLOOR
        return tuple(surface for value, surface in ranked[:EXPLANATION_WORDS] if value >= floor)


def train(
    texts: Sequence[str],
    labels: Sequence[Iterable[Hashable]],
    codebook: Iterable[Theme | Mapping] | None = None,
    *,
    random_state: int = 0,
    families: Sequence[str] = MODEL_FAMILIES,
    max_suggestions: int = MAX_SUGGESTIONS,
) -> Suggester:
    """Train a suggester on officer-confirmed tags: texts[i] was tagged with the themes labels[i].

    An empty label list means an officer confirmed the item fits no theme.
    Themes with fewer than MIN_EXAMPLES confirmed items are suggested by
    matching the codebook's words instead (when a codebook is given).
    """
    texts = [str(text or "") for text in texts]
    label_sets = [frozenset(item_labels) for item_labels in labels]
    if len(texts) != len(label_sets):
        raise ValueError("texts and labels must be the same length")
    unknown = [family for family in families if family not in MODEL_FAMILIES]
    if unknown or not families:
        raise ValueError(f"families must be drawn from {MODEL_FAMILIES}")
    matcher = CodebookMatcher(codebook) if codebook is not None else None

    counts = Counter(theme for item_labels in label_sets for theme in item_labels)
    size = len(texts)
    # A theme needs examples of both kinds: at least MIN_EXAMPLES with it and some without.
    learnable = sorted(
        (theme for theme, count in counts.items() if count >= MIN_EXAMPLES and size - count >= MIN_EXAMPLES),
        key=str,
    )
    known = set(counts) | ({theme.id for theme in matcher.themes} if matcher else set())
    fallback = frozenset(theme for theme in known if theme not in learnable)

    if not learnable:
        return Suggester(
            themes=[],
            vectoriser=None,
            models={},
            coefficients=None,
            thresholds={},
            model_family="codebook" if matcher else "none",
            codebook=matcher,
            fallback_themes=fallback,
            max_suggestions=max_suggestions,
            validation={"reason": "no theme has enough confirmed examples"},
        )

    targets = np.array([[theme in item_labels for theme in learnable] for item_labels in label_sets], dtype=int)
    # The vocabulary and IDF weights use no labels, so fitting them on every item leaks nothing.
    vectoriser = _vectoriser(size)
    features = vectoriser.fit_transform(texts).tocsr()

    models: dict[Hashable, _ThemeModel] = {}
    if size >= MIN_ITEMS_FOR_SELECTION:
        folds = _folds(label_sets, learnable, random_state)
        best = None
        validation: dict = {"method": f"{FOLDS}-fold cross-validation", "items": size}
        for family in families:
            decisions = _out_of_fold_decisions(family, features, targets, folds, random_state)
            calibrations = [_platt(decisions[:, column], targets[:, column]) for column in range(len(learnable))]
            probabilities = np.column_stack(
                [_sigmoid(a * decisions[:, column] + b) for column, (a, b) in enumerate(calibrations)]
            )
            tuned = _tune_thresholds(probabilities, targets)
            score = _micro_f1(targets, probabilities >= np.array(tuned))
            validation[family] = {
                "micro_f1": round(score, 4),
                "micro_f1_at_0.5": round(_micro_f1(targets, probabilities >= DEFAULT_THRESHOLD), 4),
            }
            if best is None or score > best[0]:
                best = (score, family, calibrations, tuned)
        _, family, calibrations, tuned = best
        validation["chosen"] = family
        thresholds = dict(zip(learnable, tuned))
        for column, theme in enumerate(learnable):
            base = _fit_base(family, features, targets[:, column], random_state)
            models[theme] = _ThemeModel(base, *calibrations[column])
    else:
        # Too few items to hold any out: logistic regression's own probabilities, threshold 0.5.
        family = "logistic"
        validation = {"chosen": family, "reason": f"fewer than {MIN_ITEMS_FOR_SELECTION} items: no held-out selection"}
        thresholds = {theme: DEFAULT_THRESHOLD for theme in learnable}
        for column, theme in enumerate(learnable):
            models[theme] = _ThemeModel(_fit_base("logistic", features, targets[:, column], random_state))

    coefficients = np.vstack([models[theme].coefficients() for theme in learnable]).astype(np.float32)
    word_names = vectoriser.transformer_list[0][1].get_feature_names_out()
    char_names = vectoriser.transformer_list[1][1].get_feature_names_out()
    return Suggester(
        themes=list(learnable),
        vectoriser=vectoriser,
        models=models,
        coefficients=coefficients,
        thresholds=thresholds,
        model_family=family,
        codebook=matcher,
        fallback_themes=fallback,
        validation=validation,
        max_suggestions=max_suggestions,
        _word_feature_count=len(word_names),
        _word_features=word_names,
        _char_features=char_names,
    )


def evaluate(gold: Sequence[Iterable[Hashable]], predicted: Sequence[Iterable]) -> dict:
    """Compare suggested themes with officers' themes, item by item.

    `predicted` holds, per item, Suggestions or plain theme ids, best first.
    Returns micro and macro precision/recall/F1 (macro over every theme seen in
    either list), per-theme figures, the share of items with at least one
    correct suggestion, and the share whose top suggestion is correct.
    """
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted must be the same length")
    gold_sets = [set(item) for item in gold]
    predicted_lists = [[_theme_of(entry) for entry in item] for item in predicted]
    true_positive: Counter = Counter()
    false_positive: Counter = Counter()
    false_negative: Counter = Counter()
    with_correct = top_correct = with_any = 0
    for wanted, offered in zip(gold_sets, predicted_lists):
        offered_set = set(offered)
        for theme in offered_set & wanted:
            true_positive[theme] += 1
        for theme in offered_set - wanted:
            false_positive[theme] += 1
        for theme in wanted - offered_set:
            false_negative[theme] += 1
        with_any += bool(offered)
        with_correct += bool(offered_set & wanted)
        top_correct += bool(offered) and offered[0] in wanted
    themes = sorted(set(true_positive) | set(false_positive) | set(false_negative), key=str)
    per_theme = {}
    for theme in themes:
        precision, recall, f1 = _prf(true_positive[theme], false_positive[theme], false_negative[theme])
        support = true_positive[theme] + false_negative[theme]
        per_theme[theme] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    micro = _prf(sum(true_positive.values()), sum(false_positive.values()), sum(false_negative.values()))
    items = len(gold_sets)

    def mean(key: str) -> float:
        return round(float(np.mean([figures[key] for figures in per_theme.values()])), 4) if per_theme else 0.0

    return {
        "items": items,
        "micro_precision": micro[0],
        "micro_recall": micro[1],
        "micro_f1": micro[2],
        "macro_precision": mean("precision"),
        "macro_recall": mean("recall"),
        "macro_f1": mean("f1"),
        "per_theme_f1": {theme: figures["f1"] for theme, figures in per_theme.items()},
        "per_theme": per_theme,
        "share_with_correct": round(with_correct / items, 4) if items else 0.0,
        "share_top_correct": round(top_correct / items, 4) if items else 0.0,
        "share_with_suggestion": round(with_any / items, 4) if items else 0.0,
    }


def _vectoriser(size: int) -> FeatureUnion:
    # With few items every word counts; with many, rare ones are noise and memory.
    min_df = 1 if size < 200 else 2
    words = TfidfVectorizer(
        analyzer=textlib.term_features, sublinear_tf=True, min_df=min_df, max_features=80_000, dtype=np.float32
    )
    characters = TfidfVectorizer(
        analyzer="char_wb",
        preprocessor=textlib.normalise,
        ngram_range=(3, 5),
        sublinear_tf=True,
        min_df=min_df,
        max_features=60_000,
        dtype=np.float32,
    )
    return FeatureUnion([("words", words), ("chars", characters)])


class _ThemeModel:
    """One theme's linear classifier with Platt scaling fitted on out-of-fold scores.

    This is what CalibratedClassifierCV(method="sigmoid", ensemble=False) does,
    done by hand so that every theme shares one set of folds and the same
    out-of-fold scores also choose the model family and tune the thresholds:
    about four times less fitting than nesting CalibratedClassifierCV in a
    held-out comparison.
    """

    def __init__(self, base, slope: float | None = None, intercept: float | None = None):
        self.base = base
        self.slope = slope
        self.intercept = intercept

    def predict_proba(self, features) -> np.ndarray:
        """Probabilities of [without, with] the theme, like a scikit-learn classifier."""
        if self.slope is None:
            positive = self.base.predict_proba(features)[:, 1]
        else:
            positive = _sigmoid(self.slope * self.base.decision_function(features) + self.intercept)
        return np.column_stack([1.0 - positive, positive])

    def coefficients(self) -> np.ndarray:
        """The linear model's weight for every feature (for explanations)."""
        return np.asarray(self.base.coef_, dtype=np.float32).ravel()


def _base_model(family: str, random_state: int):
    # Dual solvers: far faster than primal when there are more features than items.
    if family == "logistic":
        return LogisticRegression(
            C=1.0,
            class_weight="balanced",
            solver="liblinear",
            dual=True,
            tol=1e-3,
            max_iter=2000,
            random_state=random_state,
        )
    return LinearSVC(C=0.1, class_weight="balanced", dual=True, max_iter=5000, random_state=random_state)


def _fit_base(family: str, features, target: np.ndarray, random_state: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _base_model(family, random_state).fit(features, target)


def _out_of_fold_decisions(family: str, features, targets: np.ndarray, folds: np.ndarray, random_state: int):
    """Each item's decision value from models that never saw it, for every theme."""
    decisions = np.full(targets.shape, np.nan)
    for fold in range(FOLDS):
        held = folds == fold
        if not held.any():
            continue
        for column in range(targets.shape[1]):
            target = targets[~held, column]
            if target.min() == target.max():
                continue  # this fold's training part lacks one class: no score
            model = _fit_base(family, features[~held], target, random_state)
            decisions[held, column] = model.decision_function(features[held])
    for column in range(targets.shape[1]):
        missing = np.isnan(decisions[:, column])
        if missing.all():
            decisions[:, column] = 0.0
        elif missing.any():
            decisions[missing, column] = np.nanmin(decisions[:, column])
    return decisions


def _platt(decisions: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """Platt's sigmoid fit (with his smoothed targets) of P(theme) on decision values."""
    positives = float(target.sum())
    negatives = float(len(target) - positives)
    smoothed = np.where(target == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))

    def loss(parameters):
        slope, intercept = parameters
        z = slope * decisions + intercept
        value = np.sum(smoothed * np.logaddexp(0, -z) + (1 - smoothed) * np.logaddexp(0, z))
        error = _sigmoid(z) - smoothed
        return value, np.array([np.sum(error * decisions), np.sum(error)])

    start = np.array([1.0, np.log((positives + 1) / (negatives + 1))])
    result = optimize.minimize(loss, start, jac=True, method="L-BFGS-B")
    slope, intercept = result.x
    return float(slope), float(intercept)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _folds(label_sets: list[frozenset], learnable: list, random_state: int) -> np.ndarray:
    """Assign items to FOLDS folds, stratified on each item's rarest learnt theme."""
    counts = Counter(theme for item_labels in label_sets for theme in item_labels if theme in learnable)
    groups: dict[str, list[int]] = defaultdict(list)
    for index, item_labels in enumerate(label_sets):
        present = [theme for theme in item_labels if theme in counts]
        key = min(present, key=lambda theme: (counts[theme], str(theme))) if present else None
        groups[str(key)].append(index)
    generator = np.random.default_rng(random_state)
    folds = np.zeros(len(label_sets), dtype=int)
    offset = 0
    for key in sorted(groups):
        members = np.array(groups[key])
        generator.shuffle(members)
        # Continue the round-robin across groups so small groups do not all start in fold 0.
        folds[members] = (np.arange(len(members)) + offset) % FOLDS
        offset += len(members)
    return folds


def _tune_thresholds(probabilities: np.ndarray, targets: np.ndarray) -> list[float]:
    thresholds = []
    for column in range(targets.shape[1]):
        wanted = targets[:, column].astype(bool)
        if not wanted.any():
            thresholds.append(DEFAULT_THRESHOLD)
            continue
        scores = []
        for threshold in _THRESHOLD_GRID:
            offered = probabilities[:, column] >= threshold
            tp = int((offered & wanted).sum())
            denominator = offered.sum() + wanted.sum()
            scores.append(2 * tp / denominator if denominator else 0.0)
        scores = np.array(scores)
        best = np.flatnonzero(scores >= scores.max() - 1e-9)
        # Of equally good thresholds take the middle one: it is the least fragile.
        chosen = float(_THRESHOLD_GRID[best[len(best) // 2]])
        thresholds.append(float(np.clip(chosen, *THRESHOLD_RANGE)))
    return thresholds


def _micro_f1(targets: np.ndarray, predicted: np.ndarray) -> float:
    tp = int((targets.astype(bool) & predicted).sum())
    denominator = int(targets.sum() + predicted.sum())
    return 2 * tp / denominator if denominator else 0.0


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4)


def _theme_of(entry) -> Hashable:
    return entry.theme if isinstance(entry, Suggestion) else entry


def _char_gram_words(text: str) -> dict[str, list[str]]:
    """Which of the item's words each char_wb 3-5 gram comes from (as the vectoriser builds them)."""
    owners: dict[str, list[str]] = defaultdict(list)
    for raw in textlib.normalise(text).split():
        words = textlib.tokenise(raw)
        if not words:
            continue
        padded = f" {raw} "
        grams = set()
        for n in range(3, 6):
            grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
        for gram in grams:
            owners[gram].extend(words)
    return owners
