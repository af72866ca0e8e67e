"""Tone and stance of feedback items: support, concern, mixed or neutral.

Tone is VADER's compound score (-1..+1). Stance starts as a rule on VADER's
scores; once officers have confirmed enough stances (STANCE_MIN_ITEMS items and
STANCE_MIN_PER_CLASS per stance) a logistic regression learns from them, on the
suggester's word and character TF-IDF plus VADER's overall and per-clause scores.

The VADER lexicon comes from the vaderSentiment package (installed from PyPI),
so nothing is downloaded at run time.
"""
from __future__ import annotations

import re
import string
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from nltk.sentiment.vader import SentimentIntensityAnalyzer, SentiText, VaderConstants
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from engage.analysis.suggester import PHRASES_MIN_ITEMS, _Featuriser

SUPPORT, CONCERN, MIXED, NEUTRAL = "support", "concern", "mixed", "neutral"
STANCES = (SUPPORT, CONCERN, MIXED, NEUTRAL)

SUPPORT_AT = 0.3
CONCERN_AT = -0.3
# A clause must be this strongly positive and another this strongly negative for "mixed".
MIXED_CLAUSE_AT = 0.3
STANCE_MIN_ITEMS = 30
STANCE_MIN_PER_CLASS = 5

# Sentences, and clauses turning on a contrast, are scored apart so that
# "the staff were lovely but the wait was terrible" reads as mixed.
_CLAUSE_BREAK = re.compile(
    r"(?<=[.!?;])\s+|\n+|,?\s+\b(?:but|however|although|though|whereas)\b\s*", re.IGNORECASE
)


# Feedback idioms VADER reads backwards ("no complaints" scores -0.6, "couldn't
# be better" -0.3): rewritten to a plain word of the right polarity before scoring.
_PRAISE_IDIOMS = [
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (r"\b(?:no|not any|never any|without)\s+(?:real\s+)?(?:complaints?|problems?|issues?|concerns?|worries)\b", "satisfied"),
        (r"\bnot\s+a\s+problem\b", "fine"),
        (r"\b(?:can'?t|cannot|could\s*n'?t|could not|couldn't)\s+(?:fault|complain)\b", "excellent"),
        (r"\bnothing\s+to\s+(?:fault|complain about)\b", "excellent"),
        (r"\b(?:can'?t|cannot|could\s*n'?t|could not|couldn't)\s+(?:have\s+)?(?:be|been)\s+(?:better|improved)\b", "excellent"),
        (r"\bnothing\s+(?:to|could|can|needs to|that could)\s+(?:be\s+)?improved?\b", "excellent"),
    )
]


@dataclass(frozen=True)
class StanceResult:
    """An item's stance, how sure the method is (0..1), its VADER tone, and which method decided."""

    stance: str
    confidence: float
    tone: float
    method: str = "rule"


@lru_cache(maxsize=1)
def _analyser() -> SentimentIntensityAnalyzer:
    return _LocalVader(_lexicon_path())


def _lexicon_path() -> Path:
    try:
        import vaderSentiment
    except ImportError as error:  # pragma: no cover - a broken install, said plainly
        raise RuntimeError("the vaderSentiment package (which ships VADER's lexicon) is not installed") from error
    path = Path(vaderSentiment.__file__).with_name("vader_lexicon.txt")
    if not path.is_file():  # pragma: no cover
        raise RuntimeError(f"VADER lexicon not found at {path}")
    return path


class _LocalVader(SentimentIntensityAnalyzer):
    """NLTK's VADER reading its lexicon from a local file, with a faster word splitter.

    NLTK's own loader refuses paths outside its data directories, and its data
    would need a download; the lexicon text is the same as vaderSentiment's.
    NLTK's SentiText builds every (word, punctuation) combination of a text to
    strip punctuation from words, two thirds of its time; _QuickSentiText gives
    the same words directly (checked on 10,000 real comments), so scores are
    unchanged and three times faster.
    """

    def __init__(self, lexicon_path: Path):  # noqa: D107 - NLTK's __init__ would call nltk.data.load
        self.lexicon_file = lexicon_path.read_text(encoding="utf-8").strip()
        self.lexicon = self.make_lex_dict()
        self.constants = VaderConstants()
        self._punctuation = frozenset(self.constants.PUNC_LIST)

    def polarity_scores(self, text):
        """VADER's scores (neg, neu, pos, compound): NLTK's polarity_scores with the quick splitter."""
        sentitext = _QuickSentiText(text, self._punctuation, self.constants.REGEX_REMOVE_PUNCTUATION)
        sentiments = []
        words_and_emoticons = sentitext.words_and_emoticons
        first_index = {}
        for index, token in enumerate(words_and_emoticons):
            first_index.setdefault(token, index)
        for item in words_and_emoticons:
            valence = 0
            # NLTK looks each token up by its first occurrence; kept for identical scores.
            i = first_index[item]
            if (
                i < len(words_and_emoticons) - 1
                and item.lower() == "kind"
                and words_and_emoticons[i + 1].lower() == "of"
            ) or item.lower() in self.constants.BOOSTER_DICT:
                sentiments.append(valence)
                continue
            sentiments = self.sentiment_valence(valence, sentitext, item, i, sentiments)
        sentiments = self._but_check(words_and_emoticons, sentiments)
        return self.score_valence(sentiments, text)


_ASCII_PUNCTUATION = frozenset(string.punctuation)


class _QuickSentiText(SentiText):
    """SentiText whose words are found without building every word-punctuation pair.

    NLTK maps a whitespace token to a word of the punctuation-free text when the
    token is that word with one PUNC_LIST entry before or after it. The word
    has no ASCII punctuation, so the entry can only be the token's whole
    leading (or trailing) run of punctuation: check that run directly.
    """

    def __init__(self, text, punctuation: frozenset, regex_remove_punctuation):  # noqa: D107
        self._punctuation = punctuation
        super().__init__(text, list(punctuation), regex_remove_punctuation)

    def _words_and_emoticons(self):
        words_only = {word for word in self.REGEX_REMOVE_PUNCTUATION.sub("", self.text).split() if len(word) > 1}
        result = []
        for token in self.text.split():
            if len(token) <= 1:
                continue
            end = len(token)
            while end and token[end - 1] in _ASCII_PUNCTUATION:
                end -= 1
            if end < len(token):
                if token[end:] in self._punctuation and token[:end] in words_only:
                    result.append(token[:end])
                    continue
            start = 0
            while start < len(token) and token[start] in _ASCII_PUNCTUATION:
                start += 1
            if start and token[:start] in self._punctuation and token[start:] in words_only:
                result.append(token[start:])
                continue
            result.append(token)
        return result


def tone(text: str) -> float:
    """VADER compound score of a feedback item, from -1 (negative) to +1 (positive)."""
    return float(_polarity(text)["compound"])


@lru_cache(maxsize=50_000)
def _polarity(text: str) -> dict:
    # Cached: an item's single clause is the item itself, and campaign texts repeat.
    text = unicodedata.normalize("NFKC", str(text or "")).replace("\u2019", "'").strip()
    for pattern, replacement in _PRAISE_IDIOMS:
        text = pattern.sub(replacement, text)
    return _analyser().polarity_scores(text)


def clause_tones(text: str) -> list[float]:
    """VADER compound score of each sentence or contrasting clause of an item."""
    clauses = [clause.strip() for clause in _CLAUSE_BREAK.split(str(text or "")) if clause and clause.strip()]
    return [tone(clause) for clause in clauses] or [0.0]


def stance_by_rule(text: str) -> StanceResult:
    """Stance from VADER alone: mixed, support, concern or neutral, with a heuristic confidence."""
    overall = tone(text)
    clauses = clause_tones(text)
    strongest_positive = max(clauses)
    strongest_negative = min(clauses)
    if strongest_positive >= MIXED_CLAUSE_AT and strongest_negative <= -MIXED_CLAUSE_AT:
        confidence = min(strongest_positive, -strongest_negative)
        return StanceResult(MIXED, round(0.5 + 0.5 * confidence, 4), overall)
    if overall >= SUPPORT_AT:
        return StanceResult(SUPPORT, round(0.5 + 0.5 * overall, 4), overall)
    if overall <= CONCERN_AT:
        return StanceResult(CONCERN, round(0.5 - 0.5 * overall, 4), overall)
    # Neutral is surest at 0 and fades towards the support/concern boundaries.
    confidence = 1.0 - 0.5 * abs(overall) / SUPPORT_AT
    return StanceResult(NEUTRAL, round(confidence, 4), overall)


@dataclass
class StanceModel:
    """A stance classifier learnt from officer-confirmed stances."""

    vectoriser: _Featuriser
    classifier: OneVsRestClassifier
    classes: tuple[str, ...]
    dropped_classes: tuple[str, ...] = ()
    class_counts: dict = field(default_factory=dict)

    def classify(self, texts: Sequence[str]) -> list[StanceResult]:
        """Stance and confidence (the winning class's probability) for each item."""
        texts = [str(text or "") for text in texts]
        if not texts:
            return []
        features, tones = _stance_features(self.vectoriser, texts)
        probabilities = self.classifier.predict_proba(features)
        results = []
        for row, overall in zip(probabilities, tones):
            best = int(np.argmax(row))
            results.append(StanceResult(str(self.classifier.classes_[best]), round(float(row[best]), 4), overall, "model"))
        return results


def train_stance(texts: Sequence[str], stances: Sequence[str], random_state: int = 0) -> StanceModel | None:
    """Learn stance from officer-confirmed labels, or None when there are too few to learn from.

    Stances with fewer than STANCE_MIN_PER_CLASS examples are left out (the
    model will not predict them); at least two stances and STANCE_MIN_ITEMS
    items must remain.
    """
    if len(texts) != len(stances):
        raise ValueError("texts and stances must be the same length")
    counts = Counter(stances)
    kept = sorted(stance for stance, count in counts.items() if count >= STANCE_MIN_PER_CLASS)
    rows = [index for index, stance in enumerate(stances) if stance in kept]
    if len(kept) < 2 or len(rows) < STANCE_MIN_ITEMS:
        return None
    kept_texts = [str(texts[index] or "") for index in rows]
    kept_stances = [stances[index] for index in rows]
    # The suggester's word and character TF-IDF: kappa 0.63 against 0.59 for stems alone on
    # the NHS patient comments (bench/tagging_quality.py), and five times faster to compute.
    # How each comment starts and ends raised kappa from 0.636 to 0.65 there.
    vectoriser = _Featuriser(min_df=1 if len(rows) < 200 else 2, edges=len(rows) >= PHRASES_MIN_ITEMS)
    words = vectoriser.fit_transform(kept_texts).matrix
    features, _ = _stance_features(vectoriser, kept_texts, words)
    # One-vs-rest liblinear (dual): as good as multinomial lbfgs here and twenty times faster to fit.
    classifier = OneVsRestClassifier(LogisticRegression(
        C=2.0, class_weight="balanced", solver="liblinear", dual=True, tol=1e-3, max_iter=2000,
        random_state=random_state))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(features, kept_stances)
    return StanceModel(
        vectoriser=vectoriser,
        classifier=classifier,
        classes=tuple(kept),
        dropped_classes=tuple(sorted(set(counts) - set(kept))),
        class_counts=dict(counts),
    )


def classify_stances(texts: Sequence[str], model: StanceModel | None = None) -> list[StanceResult]:
    """Stance of each item: by the learnt model when there is one, else by the VADER rule."""
    if model is not None:
        return model.classify(texts)
    return [stance_by_rule(text) for text in texts]


def evaluate_stances(gold: Sequence[str], predicted: Iterable[StanceResult | str]) -> dict:
    """Accuracy, macro-F1 and per-stance F1 of predicted stances against officers' stances."""
    predicted = [entry.stance if isinstance(entry, StanceResult) else entry for entry in predicted]
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted must be the same length")
    if not gold:
        return {"items": 0, "accuracy": 0.0, "macro_f1": 0.0, "per_stance_f1": {}}
    classes = sorted(set(gold) | set(predicted))
    per_stance = {}
    for stance in classes:
        tp = sum(1 for g, p in zip(gold, predicted) if g == p == stance)
        fp = sum(1 for g, p in zip(gold, predicted) if p == stance and g != stance)
        fn = sum(1 for g, p in zip(gold, predicted) if g == stance and p != stance)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per_stance[stance] = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    # Macro over the stances officers actually used, so a never-used label cannot drag it down.
    used = sorted(set(gold))
    return {
        "items": len(gold),
        "accuracy": round(sum(g == p for g, p in zip(gold, predicted)) / len(gold), 4),
        "macro_f1": round(float(np.mean([per_stance[stance] for stance in used])), 4),
        "per_stance_f1": per_stance,
    }


def _stance_features(vectoriser: _Featuriser, texts: list[str], words=None):
    """TF-IDF of the words plus VADER's view (overall and strongest clause scores), and each item's tone."""
    if words is None:
        words = vectoriser.transform(texts).matrix
    rows = []
    tones = []
    for text in texts:
        scores = _polarity(text)
        clauses = clause_tones(text)
        tones.append(float(scores["compound"]))
        rows.append([scores["compound"], scores["pos"], scores["neg"], max(clauses), min(clauses)])
    return sparse.hstack([words, sparse.csr_matrix(np.array(rows, dtype=np.float32))]).tocsr(), tones
