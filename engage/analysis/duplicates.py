"""Near-identical responses: copies, template letters and campaign responses.

Each text becomes a set of word shingles (runs of `shingle_size` words). MinHash
signatures and locality-sensitive hashing (datasketch) find candidate pairs
without comparing every pair; each candidate is then confirmed by the exact
Jaccard similarity of the shingle sets. Confirmed pairs are joined into groups.
A campaign is reported, not discarded: officers decide how to weigh it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from engage.analysis import text as textlib

THRESHOLD = 0.7
SHINGLE_SIZE = 3
NUM_PERM = 128
# "No", "None", "Good" repeated a thousand times are not a campaign.
MIN_WORDS = 4
# Finding the medoid compares candidates with members; cap both for huge campaigns.
MEDOID_CANDIDATES = 60
LSH_SLACK = 0.1
MEDOID_SAMPLE = 400


@dataclass(frozen=True)
class DuplicateGroup:
    """Items that say (almost) the same thing: their indices, the most typical one, and how alike they are.

    `similarity` is the mean exact Jaccard similarity of the other members to
    the representative; `min_similarity` the lowest.
    """

    members: tuple[int, ...]
    representative: int
    similarity: float
    min_similarity: float


def shingles(text: str, size: int = SHINGLE_SIZE) -> frozenset[str]:
    """The set of `size`-word runs of a text (the whole text when it is shorter)."""
    words = textlib.tokenise(text)
    if not words:
        return frozenset()
    if len(words) <= size:
        return frozenset([" ".join(words)])
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def jaccard(first: frozenset, second: frozenset) -> float:
    """Exact Jaccard similarity of two sets (0 when both are empty)."""
    if not first and not second:
        return 0.0
    return len(first & second) / len(first | second)


def find_duplicates(
    texts: Sequence[str],
    *,
    threshold: float = THRESHOLD,
    shingle_size: int = SHINGLE_SIZE,
    num_perm: int = NUM_PERM,
    min_words: int = MIN_WORDS,
    seed: int = 1,
) -> list[DuplicateGroup]:
    """Groups (size >= 2) of near-identical texts, largest first; each text is in at most one group."""
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    # Identical shingle sets are grouped directly; only one copy of each goes through MinHash.
    copies: dict[frozenset, list[int]] = defaultdict(list)
    for index, text in enumerate(texts):
        if len(textlib.tokenise(text)) < min_words:
            continue
        copies[shingles(text, shingle_size)].append(index)
    distinct = sorted(copies, key=lambda shingle_set: copies[shingle_set][0])
    parent = list(range(len(distinct)))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    if len(distinct) > 1:
        signatures = MinHash.bulk(
            [[shingle.encode("utf-8") for shingle in shingle_set] for shingle_set in distinct],
            num_perm=num_perm,
            seed=seed,
        )
        # LSH only proposes candidates; looking a little below the threshold
        # catches pairs just above it that the banding would otherwise miss.
        index_ = MinHashLSH(threshold=max(threshold - LSH_SLACK, 0.05), num_perm=num_perm)
        with index_.insertion_session() as session:
            for key, signature in enumerate(signatures):
                session.insert(key, signature)
        for key, signature in enumerate(signatures):
            for other in index_.query(signature):
                if other <= key:
                    continue
                root, other_root = find(key), find(other)
                if root == other_root:
                    continue  # already joined through another pair; no need to confirm
                if jaccard(distinct[key], distinct[other]) >= threshold:
                    parent[max(root, other_root)] = min(root, other_root)

    components: dict[int, list[int]] = defaultdict(list)
    for key in range(len(distinct)):
        components[find(key)].append(key)
    groups = []
    for keys in components.values():
        members = sorted(index for key in keys for index in copies[distinct[key]])
        if len(members) < 2:
            continue
        groups.append(_describe(keys, distinct, copies, members))
    groups.sort(key=lambda group: (-len(group.members), group.members[0]))
    return groups


def _describe(keys: list[int], distinct: list[frozenset], copies: dict, members: list[int]) -> DuplicateGroup:
    if len(keys) == 1:
        return DuplicateGroup(tuple(members), members[0], 1.0, 1.0)
    weight = {key: len(copies[distinct[key]]) for key in keys}
    ordered = sorted(keys)
    candidates = _spread(ordered, MEDOID_CANDIDATES)
    sample = _spread(ordered, MEDOID_SAMPLE)

    def typicality(candidate: int) -> float:
        return sum(weight[other] * jaccard(distinct[candidate], distinct[other]) for other in sample)

    # Ties go to the earliest item, so the result never depends on set ordering.
    medoid = max(candidates, key=lambda key: (typicality(key), -copies[distinct[key]][0]))
    similarities = []
    for key in keys:
        value = 1.0 if key == medoid else jaccard(distinct[medoid], distinct[key])
        similarities.extend([value] * weight[key])
    similarities.remove(1.0)  # the representative itself
    return DuplicateGroup(
        members=tuple(members),
        representative=copies[distinct[medoid]][0],
        similarity=round(sum(similarities) / len(similarities), 4),
        min_similarity=round(min(similarities), 4),
    )


def _spread(values: list[int], limit: int) -> list[int]:
    """Up to `limit` values evenly spread through the list (all of them when it is short)."""
    if len(values) <= limit:
        return values
    step = len(values) / limit
    return [values[int(i * step)] for i in range(limit)]
