"""Cold-start theme suggestions: match feedback items against a codebook's words.

Used before officers have confirmed any tags, and afterwards for themes with
too few confirmed examples to learn from. A theme's keywords count fully, the
words of its name a little less and the words of its description least; a word
several themes share counts for less in each of them.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from engage.analysis import text as textlib
from engage.analysis.types import Suggestion, Theme, as_themes

KEYWORD_WEIGHT = 1.0
NAME_WEIGHT = 0.5
DESCRIPTION_WEIGHT = 0.3
# A longer keyword phrase is stronger evidence than a single word.
PHRASE_BONUS = 0.25
# Confidence rises with the evidence: one keyword ~0.49, two ~0.74, three ~0.86.
CONFIDENCE_SCALE = 1.5
DEFAULT_THRESHOLD = 0.4
DEFAULT_MAX_THEMES = 3

# Words that recur in theme descriptions without saying anything about the theme.
_DESCRIPTION_NOISE = frozenset(
    """
    comment comments feedback view views people person service services about
    including include includes relating related relate issue issues concern
    concerns mention mentions mentioned raised raise say said anything
    something everything general other theme themes
    """.split()
)


@dataclass(frozen=True)
class _Term:
    stems: tuple[str, ...]
    weight: float


class CodebookMatcher:
    """A codebook compiled for matching: build once, score many feedback items."""

    def __init__(self, codebook: Iterable[Theme | Mapping]):
        self.themes = as_themes(codebook)
        self._terms: dict[Hashable, list[_Term]] = {}
        raw: dict[Hashable, dict[tuple[str, ...], float]] = {}
        for theme in self.themes:
            raw[theme.id] = _theme_terms(theme)
        # Divide each term's weight by how many themes use it, so shared words discriminate less.
        sharing: dict[tuple[str, ...], int] = {}
        for terms in raw.values():
            for stems_ in terms:
                sharing[stems_] = sharing.get(stems_, 0) + 1
        for theme_id, terms in raw.items():
            self._terms[theme_id] = [
                _Term(stems_, weight / sharing[stems_]) for stems_, weight in sorted(terms.items())
            ]

    def scores(self, text: str) -> dict[Hashable, tuple[float, tuple[str, ...]]]:
        """Confidence and matched words for every theme with any match in one feedback item."""
        tokens = [token for token in textlib.analyse(text) if not token.stop]
        item_stems = [token.stem for token in tokens]
        stem_set = set(item_stems)
        results: dict[Hashable, tuple[float, tuple[str, ...]]] = {}
        for theme in self.themes:
            evidence = 0.0
            matched: list[tuple[float, str]] = []
            for term in self._terms[theme.id]:
                if term.stems[0] not in stem_set:
                    continue
                position = _find(item_stems, term.stems)
                if position < 0:
                    continue
                evidence += term.weight
                surface = " ".join(token.surface for token in tokens[position : position + len(term.stems)])
                matched.append((term.weight, surface))
            if evidence > 0:
                confidence = 1.0 - math.exp(-evidence / CONFIDENCE_SCALE)
                words = _unique(surface for _, surface in sorted(matched, key=lambda pair: (-pair[0], pair[1])))
                results[theme.id] = (round(confidence, 4), tuple(words))
        return results

    def suggest_one(
        self,
        text: str,
        threshold: float = DEFAULT_THRESHOLD,
        max_themes: int = DEFAULT_MAX_THEMES,
        only: set | None = None,
    ) -> list[Suggestion]:
        """Suggestions for one feedback item: themes at or above the threshold, best first."""
        found = [
            Suggestion(theme_id, confidence, words, source="codebook")
            for theme_id, (confidence, words) in self.scores(text).items()
            if confidence >= threshold and (only is None or theme_id in only)
        ]
        found.sort(key=lambda suggestion: (-suggestion.confidence, str(suggestion.theme)))
        return found[:max_themes]

    def suggest(
        self,
        texts: Sequence[str],
        threshold: float = DEFAULT_THRESHOLD,
        max_themes: int = DEFAULT_MAX_THEMES,
    ) -> list[list[Suggestion]]:
        """Suggestions for each feedback item (0..max_themes each)."""
        return [self.suggest_one(text, threshold, max_themes) for text in texts]


def suggest_from_codebook(
    texts: Sequence[str],
    codebook: Iterable[Theme | Mapping],
    threshold: float = DEFAULT_THRESHOLD,
    max_themes: int = DEFAULT_MAX_THEMES,
) -> list[list[Suggestion]]:
    """Cold-start suggestions for each feedback item by matching the codebook's words."""
    return CodebookMatcher(codebook).suggest(texts, threshold, max_themes)


def _theme_terms(theme: Theme) -> dict[tuple[str, ...], float]:
    terms: dict[tuple[str, ...], float] = {}

    def add(stems_: Sequence[str], weight: float) -> None:
        key = tuple(stems_)
        if key:
            terms[key] = max(terms.get(key, 0.0), weight)

    for keyword in theme.keywords:
        keyword_stems = _phrase_stems(keyword)
        add(keyword_stems, KEYWORD_WEIGHT + PHRASE_BONUS * (len(keyword_stems) - 1))
    name_stems = _phrase_stems(theme.name)
    if len(name_stems) > 1:
        add(name_stems, KEYWORD_WEIGHT + PHRASE_BONUS * (len(name_stems) - 1))
    for word_stem in name_stems:
        if word_stem not in textlib.NEGATION_STEMS:
            add([word_stem], NAME_WEIGHT)
    for word in textlib.content_words(theme.description):
        if word in _DESCRIPTION_NOISE or word in textlib.NEGATIONS:
            continue
        add([textlib.stem(word)], DESCRIPTION_WEIGHT)
    return terms


def _phrase_stems(phrase: str) -> list[str]:
    words = textlib.content_words(phrase)
    if not words:
        # A keyword made only of stopwords ("no"?) is matched as written.
        words = textlib.tokenise(phrase)
    return [textlib.stem(word) for word in words]


def _find(sequence: Sequence[str], pattern: Sequence[str]) -> int:
    size = len(pattern)
    for start in range(len(sequence) - size + 1):
        if sequence[start] == pattern[0] and tuple(sequence[start : start + size]) == tuple(pattern):
            return start
    return -1


def _unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
