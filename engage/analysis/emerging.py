"""Emerging themes: group the feedback items that fit no theme and name each group.

The officer decides whether a candidate becomes a theme of the codebook; this
only proposes. Items are compared by TF-IDF of stemmed words and phrases, grouped
with k-means (k chosen by cosine silhouette over a small range), and each group
is named by the phrases that set it apart from the rest.
"""
from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from engage.analysis import text as textlib

MIN_CLUSTER_SIZE = 3
K_RANGE = (2, 8)
NAME_PHRASES = 3
EXAMPLES = 3
# An item sharing almost nothing with its group's centre is not part of the group.
MIN_MEMBER_SIMILARITY = 0.05
# A group whose members barely resemble its centre is a catch-all, not a theme.
MIN_COHESION = 0.25
SILHOUETTE_SAMPLE = 2000
# Above this many items, compress TF-IDF before k-means: same groups, far faster.
REDUCE_ABOVE = 1500
REDUCED_DIMENSIONS = 100


@dataclass(frozen=True)
class CandidateTheme:
    """A proposed theme: a name, its key phrases, member items, the most typical members and how tight it is."""

    name: str
    keyphrases: tuple[str, ...]
    members: tuple[Hashable, ...]
    examples: tuple[Hashable, ...]
    cohesion: float


def emerging_themes(
    texts: Sequence[str],
    ids: Sequence[Hashable] | None = None,
    *,
    k_range: tuple[int, int] = K_RANGE,
    min_size: int = MIN_CLUSTER_SIZE,
    examples: int = EXAMPLES,
    min_cohesion: float = MIN_COHESION,
    random_state: int = 0,
) -> list[CandidateTheme]:
    """Candidate themes among items that fit no theme, largest first.

    `ids` name the items in the result (default: their positions in `texts`).
    Groups smaller than `min_size`, or whose members are on average less
    similar than `min_cohesion` to the group's centre, are not proposed.
    """
    texts = [str(text or "") for text in texts]
    ids = list(ids) if ids is not None else list(range(len(texts)))
    if len(ids) != len(texts):
        raise ValueError("ids and texts must be the same length")
    usable = [index for index, text in enumerate(texts) if textlib.stems(text)]
    if len(usable) < 2 * min_size:
        return []

    usable_texts = [texts[index] for index in usable]
    vectoriser = TfidfVectorizer(
        analyzer=textlib.term_features, sublinear_tf=True, min_df=2 if len(usable) >= 20 else 1
    )
    try:
        weights = vectoriser.fit_transform(usable_texts).tocsr()
    except ValueError:  # nothing survives min_df: no shared words, no groups
        return []
    has_terms = np.asarray(weights.getnnz(axis=1) > 0)
    rows = np.flatnonzero(has_terms)
    if len(rows) < 2 * min_size:
        return []
    weights = weights[rows]
    # One native thread: on a few thousand short texts, SVD and k-means run several
    # times slower when OpenMP/BLAS threads fight for a busy server's cores.
    with threadpool_limits(limits=1):
        space = _clustering_space(weights, random_state)
        labels = _best_clustering(space, k_range, random_state)
    if labels is None:
        return []

    feature_names = vectoriser.get_feature_names_out()
    candidates = []
    for cluster in sorted(set(labels.tolist())):
        inside = labels == cluster
        centroid = np.asarray(space[inside].mean(axis=0)).ravel()
        norm = np.linalg.norm(centroid)
        if norm == 0:
            continue
        similarity = np.asarray(space[inside] @ (centroid / norm)).ravel()
        member_rows = np.flatnonzero(inside)
        keep = similarity >= MIN_MEMBER_SIMILARITY
        member_rows, similarity = member_rows[keep], similarity[keep]
        if len(member_rows) < min_size or similarity.mean() < min_cohesion:
            continue
        positions = [usable[rows[row]] for row in member_rows]
        phrases = _distinctive_phrases(weights, inside, feature_names, [texts[p] for p in positions])
        if not phrases:
            continue
        central = np.argsort(-similarity, kind="stable")[:examples]
        candidates.append(
            CandidateTheme(
                name=_name(phrases),
                keyphrases=tuple(phrases),
                members=tuple(ids[p] for p in positions),
                examples=tuple(ids[positions[i]] for i in central),
                cohesion=round(float(similarity.mean()), 4),
            )
        )
    candidates.sort(key=lambda candidate: (-len(candidate.members), -candidate.cohesion, candidate.name))
    return candidates


def _clustering_space(weights, random_state: int):
    if weights.shape[0] > REDUCE_ABOVE and weights.shape[1] > REDUCED_DIMENSIONS * 2:
        reduced = TruncatedSVD(REDUCED_DIMENSIONS, random_state=random_state).fit_transform(weights)
        return normalize(reduced)
    return weights


def _best_clustering(space, k_range: tuple[int, int], random_state: int) -> np.ndarray | None:
    size = space.shape[0]
    low, high = k_range
    high = min(high, size - 1)
    best_labels, best_score = None, -1.0
    for k in range(max(2, low), high + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit_predict(space)
        if len(set(labels.tolist())) < 2:
            continue
        score = silhouette_score(
            space, labels, metric="cosine", sample_size=min(size, SILHOUETTE_SAMPLE), random_state=random_state
        )
        if score > best_score + 1e-9:
            best_labels, best_score = labels, score
    return best_labels


def _distinctive_phrases(weights, inside: np.ndarray, feature_names, member_texts: list[str]) -> list[str]:
    """Phrases used much more inside the group than outside it, most distinctive first, as written."""
    inside_mean = np.asarray(weights[inside].mean(axis=0)).ravel()
    outside_mean = (
        np.asarray(weights[~inside].mean(axis=0)).ravel() if (~inside).any() else np.zeros_like(inside_mean)
    )
    # Share of members using the term: a name should describe the group, not one loud member.
    coverage = np.asarray((weights[inside] > 0).mean(axis=0)).ravel()
    score = (inside_mean - outside_mean) * np.sqrt(coverage)
    forms = textlib.SurfaceForms()
    for text in member_texts:
        forms.add_text(text, 2)
    ranked = [index for index in np.argsort(-score, kind="stable")[:30] if score[index] > 0]
    readable = []
    for index in ranked:
        term = feature_names[index]
        if term in textlib.NEGATION_STEMS:
            continue
        readable.append((forms.readable(term), float(score[index])))
    return textlib.distinct_phrases(readable, NAME_PHRASES)


def _name(phrases: list[str]) -> str:
    return textlib.display_phrase(", ".join(phrases))
