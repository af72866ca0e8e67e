"""A theme suggester that learns from officer-confirmed tags.

Feedback items are multi-label: one comment can raise several themes. Each
theme gets its own binary linear classifier (one-vs-rest) over TF-IDF of word
stems and stem pairs and of character grams (which catch misspellings and word
families the stemmer misses): 2-4 grams of the whole text, across the gaps
between words and through punctuation and stopwords ("nothing to", "all good.")
once there are PHRASES_MIN_ITEMS items, 3-5 grams inside content words before.

Everything that is tuned is tuned on items the model has not seen: 3-fold
cross-validation inside the training set gives every item an out-of-fold score
for every theme. From those scores:

- each theme's scores are calibrated into probabilities (Platt's sigmoid);
- the decoding rule is chosen to maximise micro-F1 over every item-theme
  decision: whether a theme's probability stands alone ("independent") or is
  shared with the other themes of the item ("shared": scaled down when the
  item's probabilities add up to more than 1; "exclusive": always scaled to add
  up to 1, which only wins when officers give nearly every item one theme);
  one threshold for every theme (with calibrated probabilities the threshold
  that maximises micro-F1 is the same for every theme; per-theme thresholds
  tuned on a few dozen examples overfit); and a top-1 fallback: when no theme
  passes, the best one is still suggested if its probability is close to the
  threshold (at least a tuned share of it).
- when several model families are asked for, the one with the best tuned
  out-of-fold micro-F1 is kept.

Themes with fewer than three confirmed examples are not learnt: the codebook's
words suggest them. A suggestion is always explained by the item's own words:
the features whose weight x tf-idf value pushed the score up, mapped back to
what was written. A learnt theme that no word of the item speaks for is not
suggested (the score came from the intercept alone).

Speed: featurising caches each distinct word's stem and character grams, and
prediction is one sparse-dense matrix product, so suggesting for 100,000 short
items takes seconds; training on 10,000 items fits 4 x themes linear SVMs.
"""
from __future__ import annotations

import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
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
# A threshold outside this range would suggest nearly everything or nearly nothing.
THRESHOLD_RANGE = (0.1, 0.9)
_THRESHOLD_GRID = np.round(np.arange(THRESHOLD_RANGE[0], THRESHOLD_RANGE[1] + 1e-9, 0.025), 3)
# The top-1 fallback's floor as a share of the threshold ("close" to it); None: no fallback.
# Most cautious first, so that of equally good floors the highest is kept.
_FLOOR_RATIOS = (None, 0.9, 0.8, 0.7, 0.6, 0.5)
SHARING = ("independent", "shared", "exclusive")
KNOWN_FAMILIES = ("linear_svc", "logistic")
# Logistic regression costs about twice as much to fit and did no better on held-out data
# (bench/tagging_quality.py); it is still available by asking for it.
MODEL_FAMILIES = ("linear_svc",)
SVC_C = 0.15
LOGISTIC_C = 5.0
CHAR_NGRAMS = (3, 5)
MAX_WORD_FEATURES = 100_000
MAX_CHAR_FEATURES = 100_000
# The suggester's character grams: 2-4 grams of the whole text, punctuation and stopwords
# included, which also span the gap between two words ("g to", "g. n"), instead of 3-5 grams
# inside content words. On the NHS comments (`evaluate-tagging`, seeds 0-2) this raised
# held-out micro-F1 from 0.631/0.628/0.623 to 0.632/0.636/0.629 and the cross-validated one
# by 0.3-0.8 points. 2-5 grams did no better; 3-4 grams were as good on average but lost on
# seed 0; dropping grams found in more than a tenth of the items cost 1-2 points (the
# common ones, "g to", " no ", matter).
PHRASE_NGRAMS = (2, 4)
# With fewer items the in-word grams did as well or better (100 and 200 items: -1 to +0.8
# points; 500 and 1,000 items: +0.2 to +1 point), so whole-text grams start here. So do the
# edge features (below): with 100 and 200 items they moved micro-F1 by -1.8 to +0.4 points
# (seeds 0-1), with 500 by +0.8 on both seeds.
PHRASES_MIN_ITEMS = 400
MAX_PHRASE_FEATURES = 100_000
# What each item answered (the question, when the app knows it) is one more feature, so
# that "No." to "Could anything be improved?" and to "Was anything wrong?" can mean
# different themes. Its weight is that of a whole block of text features (each block is
# L2-normalised to 1).
CONTEXT_WEIGHT = 1.0
# Marks of an item's start and end in its edge features ("^ noth", "staff $"); a stem is letters
# and digits only, so none can be part of one.
EDGE_START, EDGE_END, EDGE_LEAD = "^", "$", "^:"
# How the item starts and ends are features too (`_edge_terms`): its first 1..EDGE_HEAD stems and
# the content stems among its first LEAD_WORDS words, both before the first punctuation, and its
# last stem. On the NHS comments (`evaluate-tagging`, seeds 0-2) held-out micro-F1 went from
# 0.632/0.636/0.629 to 0.657/0.662/0.656 (cross-validated 0.621/0.619/0.620 -> 0.646/0.642/0.645),
# and on trusts never trained on (9 categories) from 0.601/0.648/0.764 to 0.621/0.671/0.791.
# Variants, cross-validated: the first two stems alone 0.1 point worse; the last two stems no
# better; opening words without the first and last stems 1 point worse; 4 or 6 opening words as
# good as 5; opening words across punctuation, or their pairs too, 0.3 worse; every sentence's
# start instead of the item's 1 point worse.
EDGE_HEAD = 3
LEAD_WORDS = 5
# Items are featurised and scored this many at a time, to bound memory.
CHUNK = 5_000
# A word piece ("bus") or anything else that is not a space (punctuation, which breaks pairs).
_PIECE = re.compile(r"([^\W_]+)|\S")


@dataclass(frozen=True)
class Decoding:
    """How calibrated probabilities become suggestions (chosen on held-out items)."""

    sharing: str = "independent"
    threshold: float = DEFAULT_THRESHOLD
    floor: float | None = None


@dataclass
class Suggester:
    """A trained suggester: per-theme calibrated linear classifiers, a decoding rule and a codebook fallback."""

    themes: list[Hashable]
    featuriser: "_Featuriser | None"
    weights: np.ndarray | None  # features x themes
    bias: np.ndarray | None
    slopes: np.ndarray | None  # Platt's sigmoid, per theme
    offsets: np.ndarray | None
    thresholds: dict[Hashable, float]
    model_family: str
    decoding: Decoding = Decoding()
    codebook: CodebookMatcher | None = None
    fallback_themes: frozenset = frozenset()
    validation: dict = field(default_factory=dict)
    max_suggestions: int = MAX_SUGGESTIONS
    # The stems the fallback themes' codebook terms start with (None: not known, always match).
    _fallback_stems: frozenset | None = None
    _pushes: dict = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_pushes"] = {}  # a cache: rebuilt on use
        return state

    def probabilities(self, texts: Sequence[str], contexts: Sequence[Hashable | None] | None = None
                      ) -> list[dict[Hashable, float]]:
        """Probability of every learnt theme (as compared with its threshold) and codebook confidence of fallback themes."""
        texts = [str(text or "") for text in texts]
        contexts = _contexts_for(texts, contexts)
        results: list[dict[Hashable, float]] = []
        for start in range(0, len(texts), CHUNK):
            chunk = texts[start : start + CHUNK]
            matrix, documents = self._scored(chunk, contexts[start : start + CHUNK])
            for row, text in enumerate(chunk):
                scores = {theme: float(matrix[row, column]) for column, theme in enumerate(self.themes)}
                scores.update(self._fallback_scores(text, documents[row] if documents else None))
                results.append(scores)
        return results

    def suggest(self, texts: Sequence[str], contexts: Sequence[Hashable | None] | None = None
                ) -> list[list[Suggestion]]:
        """0..max_suggestions suggestions per item, best first, each with the words behind it.

        `contexts` (one per text, None where unknown) say what each item answered, as
        given to `train`; a context the suggester did not learn counts as unknown.
        """
        texts = [str(text or "") for text in texts]
        contexts = _contexts_for(texts, contexts)
        suggestions: list[list[Suggestion]] = []
        for start in range(0, len(texts), CHUNK):
            suggestions.extend(self._suggest_chunk(texts[start : start + CHUNK], contexts[start : start + CHUNK]))
        return suggestions

    def review_priority(self, texts: Sequence[str], contexts: Sequence[Hashable | None] | None = None
                        ) -> list[float]:
        """How uncertain each item's suggestions are, in [0, 1]: 1 = a theme sits right on its threshold.

        Ordering the review queue by this puts first the items where an
        officer's decision teaches the suggester most.
        """
        texts = [str(text or "") for text in texts]
        contexts = _contexts_for(texts, contexts)
        priorities: list[float] = []
        thresholds = np.array([self.threshold(theme) for theme in self.themes])
        spread = np.maximum(thresholds, 1.0 - thresholds)
        for start in range(0, len(texts), CHUNK):
            chunk = texts[start : start + CHUNK]
            matrix, documents = self._scored(chunk, contexts[start : start + CHUNK])
            if self.themes:
                closeness = (1.0 - np.abs(matrix - thresholds) / spread).max(axis=1)
            else:
                closeness = np.zeros(len(chunk))
            for row, text in enumerate(chunk):
                best = float(closeness[row]) if self.themes else 0.0
                for theme, probability in self._fallback_scores(text, documents[row] if documents else None).items():
                    threshold = self.threshold(theme)
                    best = max(best, 1.0 - abs(probability - threshold) / max(threshold, 1.0 - threshold))
                priorities.append(round(max(best, 0.0), 4))
        return priorities

    def threshold(self, theme: Hashable) -> float:
        """The confidence a theme needs before it is suggested."""
        if theme in self.thresholds:
            return self.thresholds[theme]
        return CODEBOOK_THRESHOLD if theme in self.fallback_themes else DEFAULT_THRESHOLD

    # Internals --------------------------------------------------------------------------

    def _scored(self, texts: list[str], contexts: list):
        """Probabilities (items x learnt themes, after sharing) and the items' word pieces."""
        if not self.themes or not texts:
            return np.zeros((len(texts), len(self.themes))), None
        featurised = self.featuriser.transform(texts, contexts)
        return self._probability_matrix(featurised.matrix), featurised.documents

    def _probability_matrix(self, features) -> np.ndarray:
        decisions = np.asarray(features @ self.weights) + self.bias
        return _share(_sigmoid(self.slopes * decisions + self.offsets), self.decoding.sharing)

    def _suggest_chunk(self, texts: list[str], contexts: list) -> list[list[Suggestion]]:
        if not self.themes:
            return [self._fallback_suggestions(text, None) for text in texts]
        featurised = self.featuriser.transform(texts, contexts)
        documents = featurised.documents
        matrix = self._probability_matrix(featurised.matrix)
        thresholds = np.array([self.thresholds[theme] for theme in self.themes])
        passing = matrix >= thresholds
        if self.decoding.floor is not None:
            best = matrix.argmax(axis=1)
            rows = np.flatnonzero(~passing.any(axis=1) & (matrix[np.arange(len(texts)), best] >= self.decoding.floor))
            passing[rows, best[rows]] = True
        # Every (item, theme) that passes, best first within each item, at most max_suggestions per item.
        rows, columns = np.nonzero(passing)
        confidences = matrix[rows, columns]
        order = np.lexsort((-confidences, rows))
        rows, columns, confidences = rows[order], columns[order], confidences[order]
        kept = np.arange(rows.size) - np.searchsorted(rows, rows) < self.max_suggestions
        rows, columns, confidences = rows[kept], columns[kept], confidences[kept]
        explanations = self._explanations(documents, featurised.norms, rows, columns)
        results: list[list[Suggestion]] = [[] for _ in texts]
        for row, column, confidence, words in zip(rows.tolist(), columns.tolist(), confidences.tolist(), explanations):
            # No word of the item speaks for the theme: its score came from the intercept
            # alone, which is not a reason an officer can check.
            if words:
                results[row].append(Suggestion(self.themes[column], round(confidence, 4), words))
        if self.codebook is not None and self.fallback_themes:
            for row, text in enumerate(texts):
                extra = self._fallback_suggestions(text, documents[row])
                if extra:
                    found = results[row] + extra
                    found.sort(key=lambda suggestion: (-suggestion.confidence, str(suggestion.theme)))
                    results[row] = found[: self.max_suggestions]
        return results

    def _explanations(self, documents: list[list[str]], norms: np.ndarray, rows: np.ndarray,
                      columns: np.ndarray) -> list[tuple[str, ...]]:
        """For each (item row, theme column), up to EXPLANATION_WORDS of the item's words that pushed the score up.

        A word's push is what its own features add to the theme's decision
        value: its stem's and its character grams' weight x idf, over the
        item's norm of each block. A pair of stems ("too long"), and how the
        item starts and ends, push for the words shown for them. Only words
        whose push is positive are shown, strongest first, and none below
        EXPLANATION_FLOOR of the strongest.
        Done for all pairs at once with array operations: this is most of the
        cost of suggesting.
        """
        if rows.size == 0:
            return []
        featuriser = self.featuriser
        vocabulary = featuriser.word_vocabulary
        contributors: dict = {}  # a word (str) or a written pair (feature id, word, word) -> contributor id
        surface_of: list[int] = []  # contributor id -> id of how it is shown
        surfaces: dict[str, int] = {}
        words: list[tuple[int, str]] = []
        pairs: list[tuple[int, int]] = []
        document_slot: dict[int, int] = {}
        pointers = [0]
        members: list[int] = []

        def credit(key, shown: str, seen: set[int], kind: list, source) -> None:
            """Count a contributor for this item once: made on first sight (into `kind`, a word or a feature), shown as `shown`."""
            contributor = contributors.get(key)
            if contributor is None:
                contributor = contributors[key] = len(surface_of)
                surface_of.append(surfaces.setdefault(shown, len(surfaces)))
                kind.append((contributor, source))
            if contributor not in seen:
                seen.add(contributor)
                members.append(contributor)

        for row in dict.fromkeys(rows.tolist()):
            document_slot[row] = len(pointers) - 1
            seen: set[int] = set()
            previous = None
            stems: list[str] = []
            stops: list[bool] = []
            for piece in documents[row]:
                if not piece:
                    previous = None
                    stems.append("")
                    stops.append(True)
                    continue
                stem, _, stop = featuriser._entry(piece)
                stems.append(stem)
                stops.append(stop)
                if not stop:
                    credit(piece, piece, seen, words, piece)
                if previous is not None and not (stop and previous[2]):
                    feature = vocabulary.get(f"{previous[1]} {stem}")
                    if feature is not None:
                        # Keyed by what is written too: "a caring" and "a carer" share a stem pair,
                        # and each item must be shown its own words.
                        shown = " ".join(word for word, is_stop in ((previous[0], previous[2]), (piece, stop))
                                         if not is_stop)
                        credit((feature, previous[0], piece), shown, seen, pairs, feature)
                previous = (piece, stem, stop)
            # How the item starts and ends pushes for the words it names.
            written = documents[row]
            for name, positions in _edge_terms(stems, stops) if featuriser.edges else ():
                feature = vocabulary.get(name)
                if feature is None:
                    continue
                shown = " ".join(written[position] for position in positions if not stops[position])
                if shown:  # not only stopwords ("^ the"): something an officer can check
                    credit((feature, *(written[position] for position in positions)), shown, seen, pairs, feature)
            pointers.append(len(members))
        # Each contributor's push on every theme, from its stem or pair (words) and its grams (characters).
        word_push = np.zeros((len(surface_of), len(self.themes)), dtype=np.float32)
        char_push = np.zeros_like(word_push)
        phrase_push = np.zeros_like(word_push)
        if words:
            ids = np.array([contributor for contributor, _ in words])
            stacked = np.stack([self._word_push(word) for _, word in words])
            word_push[ids] = stacked[:, 0]
            char_push[ids] = stacked[:, 1]
            phrase_push[ids] = stacked[:, 2]
        if pairs:
            ids = np.array([contributor for contributor, _ in pairs])
            features = np.array([feature for _, feature in pairs])
            word_push[ids] = self.weights[features] * featuriser.word_idf[features][:, None]
        # One entry per (pair, contributor of its item).
        pointers_array = np.array(pointers)
        slots = np.array([document_slot[row] for row in rows.tolist()])
        counts = pointers_array[slots + 1] - pointers_array[slots]
        pair_of = np.repeat(np.arange(rows.size), counts)
        within = np.arange(pair_of.size) - np.repeat(np.cumsum(counts) - counts, counts)
        contributor = np.array(members, dtype=np.int64)[pointers_array[slots][pair_of] + within]
        column = columns[pair_of]
        row = rows[pair_of]
        pushed = (word_push[contributor, column] / norms[row, 0]) + (char_push[contributor, column] / norms[row, 1])
        if norms.shape[1] > 2:
            pushed += phrase_push[contributor, column] / norms[row, 2]
        # A word and a pair shown the same way ("long", "too long") add up.
        surface_count = len(surfaces)
        keys, inverse = np.unique(pair_of * surface_count + np.array(surface_of)[contributor], return_inverse=True)
        totals = np.bincount(inverse, weights=pushed)
        positive = totals > 0
        keys, totals = keys[positive], totals[positive]
        pair_of, surface = keys // surface_count, keys % surface_count
        names = list(surfaces)
        alphabetical = np.empty(surface_count, dtype=np.int64)
        alphabetical[sorted(range(surface_count), key=names.__getitem__)] = np.arange(surface_count)
        order = np.lexsort((alphabetical[surface], -totals, pair_of))
        pair_of, surface, totals = pair_of[order], surface[order], totals[order]
        first = np.searchsorted(pair_of, pair_of)
        # Words that barely moved the score would only distract the officer.
        shown = (np.arange(pair_of.size) - first < EXPLANATION_WORDS) & (totals >= totals[first] * EXPLANATION_FLOOR)
        explanations: list[list[str]] = [[] for _ in range(rows.size)]
        for pair, name in zip(pair_of[shown].tolist(), surface[shown].tolist()):
            explanations[pair].append(names[name])
        return [tuple(words) for words in explanations]

    def _word_push(self, word: str) -> np.ndarray:
        """What one occurrence of a content word adds to each theme's decision, before the item's norms: [stem, grams, phrase grams].

        Of the phrase grams only those inside the word (" bus ") are counted:
        a gram across two words is not one word's doing.
        """
        push = self._pushes.get(word)
        if push is None:
            if len(self._pushes) > 100_000:  # a bound on memory for very long runs
                self._pushes.clear()
            featuriser = self.featuriser
            stem, grams, _ = featuriser._entry(word)
            push = np.zeros((3, len(self.themes)), dtype=np.float32)
            feature = featuriser.word_vocabulary.get(stem)
            if feature is not None:
                push[0] = self.weights[feature] * featuriser.word_idf[feature]
            if grams.size:
                push[1] = featuriser.char_idf[grams] @ self.weights[grams + featuriser.word_count]
            if featuriser.phrases:
                inside = featuriser._token_ids(word)
                if inside.size:
                    push[2] = featuriser.phrase_idf[inside] @ self.weights[inside + featuriser.phrase_offset]
            push = self._pushes[word] = push
        return push

    def _may_match_codebook(self, pieces: list[str] | None) -> bool:
        """False when the item has none of the words the fallback themes start with (skips the matcher)."""
        if self.codebook is None or not self.fallback_themes:
            return False
        if pieces is None or self._fallback_stems is None:
            return True
        return any(self.featuriser.stem(piece) in self._fallback_stems for piece in pieces if piece)

    def _fallback_suggestions(self, text: str, pieces: list[str] | None) -> list[Suggestion]:
        if not self._may_match_codebook(pieces):
            return []
        return self.codebook.suggest_one(text, only=set(self.fallback_themes))

    def _fallback_scores(self, text: str, pieces: list[str] | None) -> dict[Hashable, float]:
        if not self._may_match_codebook(pieces):
            return {}
        return {theme: confidence for theme, (confidence, _) in self.codebook.scores(text).items()
                if theme in self.fallback_themes}


class _Featuriser:
    """TF-IDF of word stems, adjacent stem pairs and (with `edges`) how the item starts and ends, and of character grams: 3-5 within content words, or (with `phrases`) PHRASE_NGRAMS of the whole text.

    Each block is sublinear-tf, smoothed-idf and L2-normalised (as scikit-learn's
    TfidfVectorizer does); the blocks sit side by side. Each distinct word's stem
    and character-gram ids are cached, so a word is analysed once however often
    it occurs. The whole-text grams are those inside each space-separated token
    (punctuation included) and those across each gap between two tokens, and
    both are cached the same way (a gap by the few characters either side of it).
    """

    def __init__(self, min_df: int = 1, phrases: bool = False, edges: bool = False):
        self.min_df = min_df
        self.phrases = phrases
        self.edges = edges
        self.phrase_vocabulary: dict[str, int] = {}
        self.phrase_names: list[str] = []
        self.phrase_idf = np.zeros(0, dtype=np.float32)
        self._tokens: dict[str, np.ndarray] = {}
        self._gaps: dict[str, np.ndarray] = {}
        self.word_vocabulary: dict[str, int] = {}
        self.char_vocabulary: dict[str, int] = {}
        self.word_names: list[str] = []
        self.char_names: list[str] = []
        self.word_idf = np.zeros(0, dtype=np.float32)
        self.char_idf = np.zeros(0, dtype=np.float32)
        self._cache: dict[str, tuple[str, np.ndarray]] = {}
        self.context_vocabulary: dict[str, int] = {}

    @property
    def word_count(self) -> int:
        """How many word features there are (the character features follow them)."""
        return len(self.word_names)

    @property
    def phrase_offset(self) -> int:
        """Where the whole-text character features start (after the word and in-word character ones)."""
        return len(self.word_names) + len(self.char_names)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_cache"] = {}
        state["_tokens"] = {}
        state["_gaps"] = {}
        return state

    def __setstate__(self, state):
        # Featurisers saved before the whole-text block existed have none.
        self.__dict__.update({"phrases": False, "edges": False, "phrase_vocabulary": {}, "phrase_names": [],
                              "phrase_idf": np.zeros(0, dtype=np.float32), "_tokens": {}, "_gaps": {},
                              "context_vocabulary": {}})
        self.__dict__.update(state)

    @staticmethod
    def pieces(text: str) -> list[str]:
        """The item's words in order, lower case, with "" where punctuation breaks the text."""
        return _PIECE.findall(textlib.normalise(text))

    def stem(self, word: str) -> str:
        """The word's stem (cached once the word has been featurised)."""
        entry = self._cache.get(word)
        return entry[0] if entry is not None else textlib.stem(word)

    def fit_transform(self, texts: Sequence[str], contexts: Sequence[Hashable | None] | None = None) -> "_Featurised":
        """Learn the vocabularies and idf weights from these texts (and the contexts they answered), and featurise them."""
        documents, tokens = self._read(texts)
        word_df: Counter = Counter()
        char_df: Counter = Counter()
        grams_of: dict[str, list[str]] = {}
        for pieces in documents:
            stems = [textlib.stem(piece) if piece else "" for piece in pieces]
            stops = [textlib.is_stopword(piece) for piece in pieces]
            word_df.update(set(_word_terms(stems, stops, self.edges)))
            grams: set[str] = set()
            for piece, stop in zip(pieces, stops):
                if piece and not stop and not self.phrases:
                    found = grams_of.get(piece)
                    if found is None:
                        found = grams_of[piece] = _char_grams(piece)
                    grams.update(found)
            char_df.update(grams)
        size = len(documents)
        self.word_names = _vocabulary(word_df, self.min_df, MAX_WORD_FEATURES)
        self.char_names = _vocabulary(char_df, self.min_df, MAX_CHAR_FEATURES)
        self.word_vocabulary = {name: index for index, name in enumerate(self.word_names)}
        self.char_vocabulary = {name: index for index, name in enumerate(self.char_names)}
        self.word_idf = _idf([word_df[name] for name in self.word_names], size)
        self.char_idf = _idf([char_df[name] for name in self.char_names], size)
        self._cache = {}
        self._tokens, self._gaps = {}, {}
        if self.phrases:
            phrase_df: Counter = Counter()
            inside: dict[str, list[str]] = {}
            across: dict[str, list[str]] = {}
            for item_tokens in tokens:
                grams = set()
                for token in item_tokens:
                    found = inside.get(token)
                    if found is None:
                        found = inside[token] = _token_grams(token)
                    grams.update(found)
                for left, right in zip(item_tokens, item_tokens[1:]):
                    window = _gap_window(left, right)
                    found = across.get(window)
                    if found is None:
                        found = across[window] = _gap_grams(window)
                    grams.update(found)
                phrase_df.update(grams)
            self.phrase_names = _vocabulary(phrase_df, self.min_df, MAX_PHRASE_FEATURES)
            self.phrase_vocabulary = {name: index for index, name in enumerate(self.phrase_names)}
            self.phrase_idf = _idf([phrase_df[name] for name in self.phrase_names], size)
        self.context_vocabulary = _context_vocabulary(contexts)
        return self._featurised(documents, tokens, contexts)

    def transform(self, texts: Sequence[str], contexts: Sequence[Hashable | None] | None = None) -> "_Featurised":
        """The matrix (items x features), word pieces and block norms of these texts."""
        documents, tokens = self._read(texts)
        return self._featurised(documents, tokens, contexts)

    def _read(self, texts: Sequence[str]) -> tuple[list[list[str]], list[list[str]] | None]:
        """Each text's word pieces and (for the whole-text block) its space-separated tokens."""
        normalised = [textlib.normalise(text) for text in texts]
        documents = [_PIECE.findall(text) for text in normalised]
        return documents, ([text.split() for text in normalised] if self.phrases else None)

    def _token_ids(self, token: str) -> np.ndarray:
        """Ids of the whole-text grams inside one token (cached)."""
        ids = self._tokens.get(token)
        if ids is None:
            if len(self._tokens) > 500_000:  # a bound on memory for very long runs
                self._tokens.clear()
            vocabulary = self.phrase_vocabulary
            ids = self._tokens[token] = np.array(
                [vocabulary[gram] for gram in _token_grams(token) if gram in vocabulary], dtype=np.int32)
        return ids

    def _gap_ids(self, window: str) -> np.ndarray:
        """Ids of the whole-text grams across one gap between tokens (cached by the characters around it)."""
        ids = self._gaps.get(window)
        if ids is None:
            if len(self._gaps) > 500_000:
                self._gaps.clear()
            vocabulary = self.phrase_vocabulary
            ids = self._gaps[window] = np.array(
                [vocabulary[gram] for gram in _gap_grams(window) if gram in vocabulary], dtype=np.int32)
        return ids

    def _entry(self, word: str) -> tuple[str, np.ndarray, bool]:
        entry = self._cache.get(word)
        if entry is None:
            if len(self._cache) > 500_000:  # a bound on memory for very long runs
                self._cache.clear()
            stop = textlib.is_stopword(word)
            vocabulary = self.char_vocabulary
            ids = [] if stop or not vocabulary else [vocabulary[gram] for gram in _char_grams(word) if gram in vocabulary]
            entry = self._cache[word] = (textlib.stem(word), np.array(ids, dtype=np.int32), stop)
        return entry

    def _featurised(self, documents: list[list[str]], tokens: list[list[str]] | None = None,
                    contexts: Sequence[Hashable | None] | None = None) -> "_Featurised":
        word_vocabulary = self.word_vocabulary
        word_ids: list[int] = []
        word_indptr = [0]
        char_parts: list[np.ndarray] = []
        char_indptr = [0]
        char_total = 0
        entry_of = self._entry
        for pieces in documents:
            stems = []
            stops = []
            for piece in pieces:
                if piece:
                    stem, grams, stop = entry_of(piece)
                    stems.append(stem)
                    stops.append(stop)
                    char_parts.append(grams)
                    char_total += grams.size
                else:
                    stems.append("")
                    stops.append(True)
            terms = _word_terms(stems, stops, self.edges)
            word_ids.extend(index for index in map(word_vocabulary.get, terms) if index is not None)
            word_indptr.append(len(word_ids))
            char_indptr.append(char_total)
        words, word_norms = _tfidf(np.array(word_ids, dtype=np.int32), np.array(word_indptr, dtype=np.int64),
                                   self.word_idf, len(documents))
        blocks, norms = [words], [word_norms]
        if self.char_names:
            characters, char_norms = _tfidf(np.concatenate(char_parts) if char_parts else np.zeros(0, dtype=np.int32),
                                            np.array(char_indptr, dtype=np.int64), self.char_idf, len(documents))
            blocks.append(characters)
            norms.append(char_norms)
        else:  # whole-text grams instead: the in-word block is empty
            norms.append(np.ones(len(documents)))
        if self.phrases and not self.phrase_names:
            norms.append(np.ones(len(documents)))
        elif self.phrases:
            phrase_parts: list[np.ndarray] = []
            phrase_indptr = [0]
            phrase_total = 0
            token_ids, gap_ids, gaps = self._token_ids, self._gap_ids, self._gaps
            for item_tokens in tokens:
                for token in item_tokens:
                    ids = token_ids(token)
                    phrase_parts.append(ids)
                    phrase_total += ids.size
                for left, right in zip(item_tokens, item_tokens[1:]):
                    window = _gap_window(left, right)
                    ids = gaps.get(window)
                    if ids is None:
                        ids = gap_ids(window)
                    phrase_parts.append(ids)
                    phrase_total += ids.size
                phrase_indptr.append(phrase_total)
            phrase_block, phrase_norms = _tfidf(
                np.concatenate(phrase_parts) if phrase_parts else np.zeros(0, dtype=np.int32),
                np.array(phrase_indptr, dtype=np.int64), self.phrase_idf, len(documents))
            blocks.append(phrase_block)
            norms.append(phrase_norms)
        if self.context_vocabulary:
            blocks.append(_context_block(contexts, self.context_vocabulary, len(documents)))
        matrix = sparse.hstack(blocks, format="csr", dtype=np.float32)
        return _Featurised(matrix, documents, np.column_stack(norms))


@dataclass
class _Featurised:
    """Featurised items: the TF-IDF matrix, each item's word pieces, and its block norms (word, character[, whole-text])."""

    matrix: sparse.csr_matrix
    documents: list[list[str]]
    norms: np.ndarray


def _contexts_for(texts: list[str], contexts: Sequence[Hashable | None] | None) -> list:
    """One context per text (None throughout when none are given)."""
    if contexts is None:
        return [None] * len(texts)
    contexts = list(contexts)
    if len(contexts) != len(texts):
        raise ValueError("texts and contexts must be the same length")
    return contexts


def _context_key(context: Hashable | None) -> str | None:
    return None if context is None or context == "" else str(context)


def _context_vocabulary(contexts: Sequence[Hashable | None] | None) -> dict[str, int]:
    """A column for each context with at least MIN_EXAMPLES items, when there are two or more such."""
    if contexts is None:
        return {}
    counts = Counter(key for key in map(_context_key, contexts) if key is not None)
    kept = sorted(key for key, count in counts.items() if count >= MIN_EXAMPLES)
    # One context shared by every item says nothing about any of them.
    return {key: index for index, key in enumerate(kept)} if len(kept) > 1 else {}


def _context_block(contexts: Sequence[Hashable | None] | None, vocabulary: dict[str, int], rows: int):
    """One column per learnt context, CONTEXT_WEIGHT where the item answered it (a row of zeros when unknown)."""
    columns = [vocabulary.get(_context_key(context)) for context in contexts] if contexts is not None else []
    known = [(row, column) for row, column in enumerate(columns) if column is not None]
    data = np.full(len(known), CONTEXT_WEIGHT, dtype=np.float32)
    return sparse.csr_matrix((data, (np.array([row for row, _ in known], dtype=np.int64),
                                    np.array([column for _, column in known], dtype=np.int64))),
                             shape=(rows, len(vocabulary)))


def _word_terms(stems: list[str], stops: list[bool], edges: bool = False) -> list[str]:
    """Stems of content words, pairs of adjacent stems not broken by punctuation nor both stopwords, and (with `edges`) how the item starts and ends.

    Pairs keep a stopword next to a content word ("too long", "no bus"); a
    stopword alone, or two together, says nothing about a theme and, in a small
    training set, would only fit noise.
    """
    terms = [stem for stem, stop in zip(stems, stops) if not stop]
    terms.extend(
        f"{stems[position]} {stems[position + 1]}"
        for position in range(len(stems) - 1)
        if stems[position] and stems[position + 1] and not (stops[position] and stops[position + 1])
    )
    if edges:
        terms.extend(name for name, _ in _edge_terms(stems, stops))
    return terms


def _edge_terms(stems: list[str], stops: list[bool]) -> list[tuple[str, tuple[int, ...]]]:
    """How the item starts and ends, marked as such: its first stems, the content stems among its opening words, and its last stem.

    `stems` and `stops` are the item's, with "" where punctuation breaks the
    text. Each feature comes with the positions of the words it names, side by
    side in the text. The opening words are those before the first break, at
    most LEAD_WORDS of them, and the first 1..EDGE_HEAD stems are among them:
    a comment's opening usually names its subject ("the staff on the ward
    were...", "parking, again"). Stopwords count in the first stems:
    "nothing" starting an answer to "what could be better?" ("^ noth") is not
    "nothing" later on ("nothing was done"), and "i was" opens a story as "the
    staff" opens a verdict. The markers cannot occur in a stem.
    """
    present = [position for position, stem in enumerate(stems) if stem]
    if not present:
        return []
    opening = []  # positions of the words before the first break, at most LEAD_WORDS
    for position in range(present[0], min(present[0] + LEAD_WORDS, len(stems))):
        if not stems[position]:
            break
        opening.append(position)
    edges = [(f"{stems[present[-1]]} {EDGE_END}", (present[-1],))]
    for length in range(1, min(EDGE_HEAD, len(opening)) + 1):
        positions = tuple(opening[:length])
        edges.append((" ".join([EDGE_START, *(stems[position] for position in positions)]), positions))
    edges.extend((f"{EDGE_LEAD} {stems[position]}", (position,)) for position in opening if not stops[position])
    return edges


def _char_grams(word: str) -> list[str]:
    """Character n-grams of the word padded with a space each side (scikit-learn's char_wb)."""
    padded = f" {word} "
    size = len(padded)
    low, high = CHAR_NGRAMS
    grams = [padded[start : start + n] for n in range(low, high + 1) for start in range(size - n + 1)]
    return grams or [padded]


def _token_grams(token: str) -> list[str]:
    """Character PHRASE_NGRAMS of a space-separated token with the space each side."""
    padded = f" {token} "
    low, high = PHRASE_NGRAMS
    return [padded[start : start + n] for n in range(low, high + 1) for start in range(len(padded) - n + 1)]


def _gap_window(left: str, right: str) -> str:
    """The characters around the gap between two tokens that a gram across it can reach."""
    reach = PHRASE_NGRAMS[1] - 2
    return f"{(' ' + left)[-reach:]} {(right + ' ')[:reach]}"


def _gap_grams(window: str) -> list[str]:
    """The grams of a gap's window that have its middle space inside them (not at an end)."""
    middle = window.index(" ", 1)  # the left part's only space is its padding, at 0
    low, high = PHRASE_NGRAMS
    return [window[start : start + n] for n in range(max(low, 3), high + 1)
            for start in range(max(0, middle - n + 2), min(middle, len(window) - n + 1))]


def _vocabulary(document_frequency: Counter, min_df: int, limit: int) -> list[str]:
    kept = [name for name, count in document_frequency.items() if count >= min_df]
    if len(kept) > limit:
        kept = sorted(kept, key=lambda name: (-document_frequency[name], name))[:limit]
    return sorted(kept)


def _idf(document_frequency: list[int], size: int) -> np.ndarray:
    counts = np.array(document_frequency, dtype=np.float64)
    return (np.log((1.0 + size) / (1.0 + counts)) + 1.0).astype(np.float32)


def _tfidf(indices: np.ndarray, indptr: np.ndarray, idf: np.ndarray, rows: int):
    """Sublinear tf x idf, L2-normalised rows, and each row's norm before normalising (1 when empty)."""
    matrix = sparse.csr_matrix(
        (np.ones(indices.size, dtype=np.float32), indices, indptr), shape=(rows, idf.size)
    )
    matrix.sum_duplicates()
    matrix.data = (1.0 + np.log(matrix.data)) * idf[matrix.indices]
    lengths = np.diff(matrix.indptr)
    squares = np.bincount(np.repeat(np.arange(rows), lengths), weights=np.square(matrix.data, dtype=np.float64),
                          minlength=rows)
    norms = np.where(lengths > 0, np.sqrt(squares), 1.0)
    return normalize(matrix, copy=False), norms


def train(
    texts: Sequence[str],
    labels: Sequence[Iterable[Hashable]],
    codebook: Iterable[Theme | Mapping] | None = None,
    *,
    contexts: Sequence[Hashable | None] | None = None,
    random_state: int = 0,
    families: Sequence[str] = MODEL_FAMILIES,
    max_suggestions: int = MAX_SUGGESTIONS,
) -> Suggester:
    """Train a suggester on officer-confirmed tags: texts[i] was tagged with the themes labels[i].

    An empty label list means an officer confirmed the item fits no theme.
    `contexts` (optional, one per text, None where unknown) say what each item
    answered, such as its question; pass the same kind to `suggest`.
    Themes with fewer than MIN_EXAMPLES confirmed items are suggested by
    matching the codebook's words instead (when a codebook is given).
    `families` are drawn from KNOWN_FAMILIES; with more than one, the best on
    held-out items is kept.
    """
    texts = [str(text or "") for text in texts]
    label_sets = [frozenset(item_labels) for item_labels in labels]
    if len(texts) != len(label_sets):
        raise ValueError("texts and labels must be the same length")
    contexts = _contexts_for(texts, contexts)
    families = tuple(families)
    unknown = [family for family in families if family not in KNOWN_FAMILIES]
    if unknown or not families:
        raise ValueError(f"families must be drawn from {KNOWN_FAMILIES}")
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
    fallback_stems = _first_stems(matcher, fallback)

    if not learnable:
        return Suggester(
            themes=[],
            featuriser=None,
            weights=None,
            bias=None,
            slopes=None,
            offsets=None,
            thresholds={},
            model_family="codebook" if matcher else "none",
            codebook=matcher,
            fallback_themes=fallback,
            max_suggestions=max_suggestions,
            validation={"reason": "no theme has enough confirmed examples"},
            _fallback_stems=fallback_stems,
        )

    targets = np.array([[theme in item_labels for theme in learnable] for item_labels in label_sets], dtype=bool)
    # The vocabulary and IDF weights use no labels, so fitting them on every item leaks nothing.
    featuriser = _Featuriser(min_df=1 if size < 200 else 2, phrases=size >= PHRASES_MIN_ITEMS,
                             edges=size >= PHRASES_MIN_ITEMS)
    features = featuriser.fit_transform(texts, contexts).matrix

    if size >= MIN_ITEMS_FOR_SELECTION:
        folds = _folds(label_sets, learnable, random_state)
        validation: dict = {"method": f"{FOLDS}-fold cross-validation", "items": size}
        best = None
        for family in families:
            decisions = _out_of_fold_decisions(family, features, targets, folds, random_state)
            calibration = np.array([_platt(decisions[:, column], targets[:, column]) for column in range(len(learnable))])
            probabilities = _sigmoid(calibration[:, 0] * decisions + calibration[:, 1])
            decoding, score = _tune_decoding(probabilities, targets, max_suggestions)
            validation[family] = {
                "micro_f1": round(score, 4),
                "micro_f1_at_0.5": round(_micro_f1(targets, _decode(probabilities, Decoding(), max_suggestions)), 4),
                "decoding": _describe(decoding),
            }
            if best is None or score > best[0]:
                best = (score, family, calibration, decoding)
        _, family, calibration, decoding = best
        validation["chosen"] = family
        validation["decoding"] = _describe(decoding)
        slopes, offsets = calibration[:, 0], calibration[:, 1]
    else:
        # Too few items to hold any out: logistic regression's own probabilities, threshold 0.5.
        family = "logistic"
        decoding = Decoding()
        validation = {"chosen": family, "reason": f"fewer than {MIN_ITEMS_FOR_SELECTION} items: no held-out selection"}
        slopes, offsets = np.ones(len(learnable)), np.zeros(len(learnable))

    weights, bias = _fit_all(family, features, targets, random_state, small=size < MIN_ITEMS_FOR_SELECTION)
    return Suggester(
        themes=list(learnable),
        featuriser=featuriser,
        weights=weights,
        bias=bias,
        slopes=slopes.astype(np.float64),
        offsets=offsets.astype(np.float64),
        thresholds={theme: decoding.threshold for theme in learnable},
        model_family=family,
        decoding=decoding,
        codebook=matcher,
        fallback_themes=fallback,
        validation=validation,
        max_suggestions=max_suggestions,
        _fallback_stems=fallback_stems,
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


# Fitting ----------------------------------------------------------------------------------


def _base_model(family: str, random_state: int, small: bool = False):
    if family == "logistic" or small:
        # Balanced weights with few items: a theme seen 3 times in 30 would otherwise never reach 0.5.
        return LogisticRegression(
            C=LOGISTIC_C if not small else 1.0,
            class_weight="balanced" if small else None,
            solver="liblinear",
            dual=True,  # far faster than primal when there are more features than items
            tol=1e-3,
            max_iter=2000,
            random_state=random_state,
        )
    # Unweighted: with calibrated probabilities and a tuned threshold, balanced weights
    # only trade precision on common themes for recall on rare ones (lower micro-F1 on held-out data).
    return LinearSVC(C=SVC_C, dual=True, tol=1e-3, max_iter=2000, random_state=random_state)


def _fit_base(family: str, features, target: np.ndarray, random_state: int, small: bool = False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _base_model(family, random_state, small).fit(features, target)


def _fit_all(family: str, features, targets: np.ndarray, random_state: int, small: bool = False):
    """Every theme's weights (features x themes, float32) and intercepts."""
    weights = np.zeros((features.shape[1], targets.shape[1]), dtype=np.float32)
    bias = np.zeros(targets.shape[1])
    for column in range(targets.shape[1]):
        model = _fit_base(family, features, targets[:, column].astype(int), random_state, small)
        weights[:, column] = np.asarray(model.coef_, dtype=np.float32).ravel()
        bias[column] = float(np.ravel(model.intercept_)[0])
    return weights, bias


def _out_of_fold_decisions(family: str, features, targets: np.ndarray, folds: np.ndarray, random_state: int):
    """Each item's decision value from models that never saw it, for every theme."""
    decisions = np.full(targets.shape, np.nan)
    for fold in range(FOLDS):
        held = folds == fold
        if not held.any():
            continue
        # Slice once per fold, not once per theme.
        training, testing = features[~held], features[held]
        for column in range(targets.shape[1]):
            target = targets[~held, column].astype(int)
            if target.min() == target.max():
                continue  # this fold's training part lacks one class: no score
            model = _fit_base(family, training, target, random_state)
            decisions[held, column] = model.decision_function(testing)
    for column in range(targets.shape[1]):
        missing = np.isnan(decisions[:, column])
        if missing.all():
            decisions[:, column] = 0.0
        elif missing.any():
            decisions[missing, column] = np.nanmin(decisions[:, column])
    return decisions


def _platt(decisions: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """Platt's sigmoid fit (with his smoothed targets) of P(theme) on decision values."""
    target = target.astype(bool)
    positives = float(target.sum())
    negatives = float(len(target) - positives)
    smoothed = np.where(target, (positives + 1) / (positives + 2), 1 / (negatives + 2))

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


# Decoding ---------------------------------------------------------------------------------


def _share(probabilities: np.ndarray, sharing: str) -> np.ndarray:
    """Probabilities as the decoding rule compares them with the threshold."""
    if sharing == "independent" or probabilities.size == 0:
        return probabilities
    totals = probabilities.sum(axis=1, keepdims=True)
    if sharing == "shared":
        return probabilities / np.maximum(totals, 1.0)
    return probabilities / np.maximum(totals, 1e-12)


def _capped(probabilities: np.ndarray, limit: int) -> np.ndarray:
    """The probabilities with everything below each item's `limit` best set to -1 (never suggested)."""
    if probabilities.shape[1] <= limit:
        return probabilities
    capped = np.full_like(probabilities, -1.0)
    best = np.argpartition(-probabilities, limit - 1, axis=1)[:, :limit]
    np.put_along_axis(capped, best, np.take_along_axis(probabilities, best, axis=1), axis=1)
    return capped


def _decode(probabilities: np.ndarray, decoding: Decoding, limit: int) -> np.ndarray:
    """Which item-theme pairs a decoding rule suggests (before the need for explaining words)."""
    shared = _capped(_share(probabilities, decoding.sharing), limit)
    chosen = shared >= decoding.threshold
    if decoding.floor is not None and shared.size:
        best = shared.argmax(axis=1)
        rows = np.flatnonzero(~chosen.any(axis=1) & (shared[np.arange(len(shared)), best] >= decoding.floor))
        chosen[rows, best[rows]] = True
    return chosen


def _tune_decoding(probabilities: np.ndarray, targets: np.ndarray, limit: int) -> tuple[Decoding, float]:
    """The sharing, threshold and fallback floor with the best micro-F1 on out-of-fold probabilities.

    Ties go to the simpler or more cautious rule (independent sharing, no
    fallback or the highest floor, then the middle of equally good thresholds).
    """
    gold = int(targets.sum())
    best: tuple[float, Decoding] | None = None
    grid = _THRESHOLD_GRID
    for sharing in SHARING:
        shared = _capped(_share(probabilities, sharing), limit)
        # Offered pairs and true pairs at each threshold, from sorted scores.
        everything = np.sort(shared.ravel())
        correct = np.sort(shared[targets])
        offered = everything.size - np.searchsorted(everything, grid, side="left")
        right = correct.size - np.searchsorted(correct, grid, side="left")
        rows = np.arange(len(shared))
        top_column = shared.argmax(axis=1)
        top = shared[rows, top_column]
        top_right = targets[rows, top_column]
        order = np.argsort(top)
        top_sorted = top[order]
        right_cumulative = np.concatenate([[0], np.cumsum(top_right[order])])
        for ratio in _FLOOR_RATIOS:
            if ratio is None:
                added = np.zeros(grid.size)
                added_right = np.zeros(grid.size)
            else:
                # Items whose best theme is in [floor, threshold): nothing passes, the best is added.
                low = np.searchsorted(top_sorted, ratio * grid, side="left")
                high = np.searchsorted(top_sorted, grid, side="left")
                added = high - low
                added_right = right_cumulative[high] - right_cumulative[low]
            scores = 2.0 * (right + added_right) / np.maximum(offered + added + gold, 1)
            top_score = scores.max()
            if best is not None and top_score <= best[0] + 1e-9:
                continue
            ties = np.flatnonzero(scores >= top_score - 1e-9)
            threshold = float(grid[ties[len(ties) // 2]])
            floor = None if ratio is None else round(ratio * threshold, 4)
            best = (float(top_score), Decoding(sharing, threshold, floor))
    return best[1], best[0]


def _describe(decoding: Decoding) -> dict:
    return {"sharing": decoding.sharing, "threshold": decoding.threshold, "floor": decoding.floor}


def _micro_f1(targets: np.ndarray, predicted: np.ndarray) -> float:
    tp = int((targets.astype(bool) & predicted).sum())
    denominator = int(targets.sum() + predicted.sum())
    return 2 * tp / denominator if denominator else 0.0


def _first_stems(matcher: CodebookMatcher | None, themes: frozenset) -> frozenset | None:
    """The stems a fallback theme's terms start with: an item with none of them cannot match."""
    terms = getattr(matcher, "_terms", None)
    if terms is None:
        return None
    return frozenset(term.stems[0] for theme in themes for term in terms.get(theme, ()))


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4)


def _theme_of(entry) -> Hashable:
    return entry.theme if isinstance(entry, Suggestion) else entry
