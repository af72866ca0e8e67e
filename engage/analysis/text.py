"""Text handling shared by the analysis pipeline: normalise, tokenise, stem, phrases.

Everything here works on plain strings and needs no NLTK data download: the
tokeniser is a regular expression and the Snowball stemmer carries its own rules.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from nltk.collocations import BigramAssocMeasures, BigramCollocationFinder
from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer

# Negations change what a comment means ("not enough buses"), so they are never
# dropped as stopwords, and stance and theme models can see them.
NEGATIONS = frozenset(
    """
    not no never nor without cannot none nothing nobody noone neither nowhere
    lack lacking
    """.split()
)

# A project list rather than NLTK's corpus (which needs a download). Modal verbs
# and conversational filler are included because they never name a theme.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be
    because been before being below between both but by can could did do does
    doing done down during each etc even ever every few for from further get
    gets getting got had has have having he her here hers herself him himself
    his how however i if in into is it its itself just let lets like may me
    might more most much must my myself now of off often on once only or other
    others otherwise our ours ourselves out over own per perhaps quite rather
    really said same say says shall she should since so some such than that
    the their theirs them themselves then there these they thing things this
    those though through thus to too under until up upon us use used very via
    was way we well were what when where whether which while who whom whose
    why will with within would yes yet you your yours yourself yourselves
    s t d ll m o re ve y
    """.split()
) - NEGATIONS

# Snowball leaves some domain words apart from their family ("carers" -> "carer"
# but "caring" -> "care"; "buses" -> "buse"), which splits themes officers think
# of as one. These fixed stems join them. "care" itself stays apart from
# "carer": care in general is not the unpaid-carers theme.
STEM_OVERRIDES = {
    "caring": "carer",
    "carers": "carer",
    "carer": "carer",
    "bus": "bus",
    "buses": "bus",
    "busses": "bus",
    "staffing": "staff",
    "staffed": "staff",
    "lonely": "loneli",
    "loneliness": "loneli",
    "elderly": "elder",
    "older": "elder",
    "centre": "centr",
    "center": "centr",
    "centres": "centr",
    "centers": "centr",
}

# Shown in capitals when a phrase is displayed (tokens are always lower case).
ACRONYMS = frozenset("nhs gp gps hscp bsl covid lgbt lgbtq camhs cpn dwp pip uk ae nhs24 ot".split())

_CONTRACTIONS = [
    (re.compile(r"\bcan'?t\b"), "cannot"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\bshan't\b"), "shall not"),
    (re.compile(r"\b(\w+)n't\b"), r"\1 not"),
    (re.compile(r"'(s|re|ve|ll|d|m)\b"), ""),
]
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
_WORD_OR_PUNCT = RegexpTokenizer(r"[^\W_]+|[^\w\s]")
_SNOWBALL = SnowballStemmer("english")
_MIN_WORD_LENGTH = 2


@dataclass(frozen=True)
class Token:
    """One word of a feedback item: as written (lower case), its stem, and whether it is a stopword."""

    surface: str
    stem: str
    stop: bool


def normalise(text: str) -> str:
    """Unicode-normalise, lower-case, expand negative contractions and squeeze whitespace."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES).lower()
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def tokenise(text: str) -> list[str]:
    """Split a text into lower-case word tokens (letters and digits; punctuation dropped)."""
    return [piece for piece in _WORD_OR_PUNCT.tokenize(normalise(text)) if _is_word(piece)]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball (English) stem of one lower-case word, with the project's domain overrides."""
    word = word.lower()
    if word in STEM_OVERRIDES:
        return STEM_OVERRIDES[word]
    if not word.isascii():
        # Snowball's English rules are meaningless on other scripts; keep the word whole.
        return word
    return _SNOWBALL.stem(word)


NEGATION_STEMS = frozenset(stem(word) for word in NEGATIONS)


def is_stopword(word: str) -> bool:
    """True for function words the themes never turn on; negations are never stopwords."""
    return word in STOPWORDS or (len(word) < _MIN_WORD_LENGTH and not word.isdigit())


def content_words(text: str) -> list[str]:
    """The item's words without stopwords (negations kept)."""
    return [word for word in tokenise(text) if not is_stopword(word)]


def stems(text: str) -> list[str]:
    """Stems of the item's content words, in order."""
    return [stem(word) for word in content_words(text)]


def analyse(text: str) -> list[Token]:
    """Every word of the item as a Token (surface, stem, stopword flag)."""
    return [Token(word, stem(word), is_stopword(word)) for word in tokenise(text)]


def phrase_runs(text: str) -> list[list[Token]]:
    """Runs of adjacent content words, broken at stopwords and punctuation.

    Phrases are only ever built inside a run, so "bus to the day centre" yields
    "bus" and "day centre" but never the unreadable "bus day".
    """
    runs: list[list[Token]] = []
    current: list[Token] = []
    for piece in _WORD_OR_PUNCT.tokenize(normalise(text)):
        if not _is_word(piece) or is_stopword(piece):
            if current:
                runs.append(current)
            current = []
            continue
        current.append(Token(piece, stem(piece), False))
    if current:
        runs.append(current)
    return runs


def display_phrase(phrase: str) -> str:
    """A lower-case phrase ready to show: known acronyms in capitals, first letter capitalised."""
    words = [word.upper() if word in ACRONYMS else word for word in phrase.split()]
    shown = " ".join(words)
    return shown[:1].upper() + shown[1:]


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """Contiguous n-grams of a token sequence (empty when it is shorter than n)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def term_features(text: str, max_n: int = 2) -> list[str]:
    """Stemmed unigrams and in-run n-grams up to max_n, as strings (a scikit-learn analyzer)."""
    features: list[str] = []
    for run in phrase_runs(text):
        run_stems = [token.stem for token in run]
        for n in range(1, max_n + 1):
            features.extend(" ".join(gram) for gram in ngrams(run_stems, n))
    return features


def term_surfaces(text: str, max_n: int = 2) -> dict[str, str]:
    """Map each stemmed feature of term_features to the words the item actually used."""
    surfaces: dict[str, str] = {}
    for run in phrase_runs(text):
        for n in range(1, max_n + 1):
            for i in range(len(run) - n + 1):
                gram = run[i : i + n]
                surfaces.setdefault(" ".join(t.stem for t in gram), " ".join(t.surface for t in gram))
    return surfaces


class SurfaceForms:
    """Remembers how each stemmed term was written, to turn stems back into readable words."""

    def __init__(self) -> None:
        self._seen: dict[str, Counter] = defaultdict(Counter)

    def add_text(self, text: str, max_n: int = 3) -> None:
        """Record the surface forms of every in-run n-gram of one text."""
        for key, surface in term_surfaces(text, max_n).items():
            self._seen[key][surface] += 1

    def readable(self, stemmed: str) -> str:
        """The commonest way the stemmed term was written (the stem itself if never seen)."""
        forms = self._seen.get(stemmed)
        if not forms:
            return stemmed
        # Most frequent first; ties go to the shortest then alphabetical, so output is stable.
        return min(forms.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]


def keyphrases(
    texts: Iterable[str],
    top_n: int = 10,
    max_words: int = 3,
    background: Iterable[str] | None = None,
) -> list[str]:
    """Readable key phrases of a set of texts, by document frequency (and contrast with a background set).

    A phrase scores by how many texts use it, weighted towards longer phrases;
    with a background, by how much more often the texts use it than the
    background does. A word already inside a chosen phrase is not repeated.
    """
    texts = list(texts)
    forms = SurfaceForms()
    document_frequency: Counter = Counter()
    for text in texts:
        forms.add_text(text, max_words)
        document_frequency.update(set(term_features(text, max_words)))
    if not document_frequency:
        return []
    background_frequency: Counter = Counter()
    background_size = 0
    if background is not None:
        for text in background:
            background_size += 1
            background_frequency.update(set(term_features(text, max_words)))
    size = len(texts)
    scores: dict[str, float] = {}
    for key, count in document_frequency.items():
        if count < 2 and size > 2:
            continue
        length = key.count(" ") + 1
        if length == 1 and key in NEGATION_STEMS:
            continue  # "not" on its own names nothing
        share = count / size
        score = share * (1.0 + 0.5 * (length - 1))
        if background_size:
            background_share = (background_frequency[key] + 1) / (background_size + 2)
            score *= math.log1p(share / background_share)
        scores[key] = score
    ranked = sorted(scores, key=lambda key: (-scores[key], key))
    return distinct_phrases([(forms.readable(key), scores[key]) for key in ranked], top_n)


def collocations(
    texts: Iterable[str],
    top_n: int = 10,
    measure: str = "likelihood",
    min_freq: int = 2,
) -> list[tuple[str, float]]:
    """Two-word collocations of a set of texts as (readable phrase, score), best first.

    Uses NLTK's BigramCollocationFinder over stems of adjacent content words,
    scored by "likelihood" (log-likelihood ratio) or "pmi".
    """
    measures = BigramAssocMeasures()
    scorers = {"likelihood": measures.likelihood_ratio, "pmi": measures.pmi}
    if measure not in scorers:
        raise ValueError(f"measure must be one of {sorted(scorers)}")
    forms = SurfaceForms()
    documents: list[list[str]] = []
    for text in texts:
        forms.add_text(text, 2)
        documents.extend([token.stem for token in run] for run in phrase_runs(text))
    finder = BigramCollocationFinder.from_documents(documents)
    finder.apply_freq_filter(min_freq)
    scored = finder.score_ngrams(scorers[measure])
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return [(forms.readable(" ".join(gram)), round(float(score), 4)) for gram, score in scored[:top_n]]


def _is_word(piece: str) -> bool:
    return any(character.isalnum() for character in piece)


def distinct_phrases(scored: Iterable[tuple[str, float]], top_n: int, replace_ratio: float = 0.5) -> list[str]:
    """The best top_n phrases from (phrase, score) pairs, best first, without repeating words.

    A phrase sharing words with an earlier pick is skipped; a longer
    phrase that contains an earlier pick replaces it when it scores at least
    replace_ratio of it ("car park" over "car").
    """
    chosen: list[tuple[str, float]] = []
    for phrase, score in scored:
        if len(chosen) >= top_n and score < replace_ratio * min(other_score for _, other_score in chosen):
            break  # scored best first: nothing later can replace a pick
        words = set(phrase.split())
        contained = [i for i, (other, _) in enumerate(chosen) if set(other.split()) < words]
        overlapping = [i for i, (other, _) in enumerate(chosen) if words & set(other.split())]
        if overlapping and overlapping != contained:
            continue  # repeats words of a pick it does not wholly contain
        if contained:
            if all(score >= replace_ratio * chosen[i][1] for i in contained):
                best = min(contained)
                chosen[best] = (phrase, score)
                chosen = [pair for i, pair in enumerate(chosen) if i == best or i not in contained]
            continue
        if len(chosen) < top_n:
            chosen.append((phrase, score))
    return [phrase for phrase, _ in chosen[:top_n]]
