"""Tone and stance of feedback items: support, concern, mixed or neutral.

Tone is VADER's compound score (-1..+1). Stance starts as a rule on VADER's
scores; once officers have confirmed enough stances (STANCE_MIN_ITEMS items and
STANCE_MIN_PER_CLASS per stance) a logistic regression learns from them.

The VADER lexicon comes from the vaderSentiment package (installed from PyPI),
so nothing is downloaded at run time.
"""
from __future__ import annotations

import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from nltk.sentiment.vader import SentimentIntensityAnalyzer, VaderConstants
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from engage.analysis import text as textlib

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
    """NLTK's VADER reading its lexicon from a local file.

    NLTK's own loader refuses paths outside its data directories, and its data
    would need a download; the lexicon text is the same as vaderSentiment's.
    """

    def __init__(self, lexicon_path: Path):  # noqa: D107 - NLTK's __init__ would call nltk.data.load
        self.lexicon_file = lexicon_path.read_text(encoding="utf-8").strip()
        self.lexicon = self.make_lex_dict()
        self.constants = VaderConstants()


def tone(text: str) -> float:
    """VADER compound score of a feedback item, from -1 (negative) to +1 (positive)."""
    return float(_polarity(text)["compound"])


def _polarity(text: str) -> dict:
    text = unicodedata.normalize("NFKC", str(text or "")).replace("\u2019", "'")
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

    vectoriser: TfidfVectorizer
    classifier: LogisticRegression
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
    vectoriser = TfidfVectorizer(
        analyzer=textlib.term_features, sublinear_tf=True, min_df=1 if len(rows) < 200 else 2, dtype=np.float32
    )
    vectoriser.fit(kept_texts)
    features, _ = _stance_features(vectoriser, kept_texts)
    classifier = LogisticRegression(C=2.0, class_weight="balanced", max_iter=2000, random_state=random_state)
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


def _stance_features(vectoriser: TfidfVectorizer, texts: list[str]):
    """TF-IDF of the words plus VADER's view (overall and strongest clause scores)."""
    words = vectoriser.transform(texts)
    rows = []
    tones = []
    for text in texts:
        scores = _polarity(text)
        clauses = clause_tones(text)
        tones.append(float(scores["compound"]))
        rows.append([scores["compound"], scores["pos"], scores["neg"], max(clauses), min(clauses)])
    return sparse.hstack([words, sparse.csr_matrix(np.array(rows, dtype=np.float32))]).tocsr(), tones
