"""Near-duplicate and campaign-response detection."""
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from engage.analysis.duplicates import find_duplicates, jaccard, shingles

TEMPLATE = (
    "I object to the proposed closure of the Willow Park day centre because it is a lifeline "
    "for my family and for many older people in our community who have nowhere else to go"
)
UNRELATED = [
    "The bus timetable does not suit people who work shifts at the hospital",
    "Please keep the library open on Saturdays for families with young children",
    "I support the plan for more community nurses in rural areas",
    "Our GP practice needs more appointments in the evening for working people",
    "The consultation documents were hard to read and far too long",
]


def campaign(count=25, seed=11):
    """A template letter sent by many people, each with a small edit of their own."""
    generator = random.Random(seed)
    letters = []
    for _ in range(count):
        words = TEMPLATE.split()
        position = generator.randrange(len(words))
        words[position] = generator.choice(["really", "truly", "vital", "our", "town", "local"])
        letters.append(" ".join(words) + generator.choice(["", ". Thank you", ". Signed, a resident"]))
    return letters


def test_campaign_letters_with_small_edits_form_one_group():
    letters = campaign()
    texts = UNRELATED[:2] + letters + UNRELATED[2:]
    groups = find_duplicates(texts)
    assert len(groups) == 1
    [group] = groups
    assert group.members == tuple(range(2, 27))
    assert group.representative in group.members
    assert 0.7 <= group.min_similarity <= group.similarity <= 1.0


def test_exact_copies_group_and_short_replies_do_not():
    texts = ["No", "No", "None", UNRELATED[0], UNRELATED[0].upper() + "!", UNRELATED[1]]
    groups = find_duplicates(texts)
    assert [group.members for group in groups] == [(3, 4)]
    assert groups[0].similarity == 1.0


def test_unrelated_texts_are_not_grouped():
    assert find_duplicates(UNRELATED) == []
    assert find_duplicates([]) == []


def test_shingles_and_jaccard():
    assert shingles("one two three four") == frozenset({"one two three", "two three four"})
    assert shingles("one two") == frozenset({"one two"})
    assert jaccard(frozenset("ab"), frozenset("bc")) == 1 / 3
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_deterministic():
    texts = campaign(count=10) + UNRELATED
    assert find_duplicates(texts) == find_duplicates(list(texts))


sentences = st.lists(
    st.sampled_from(["the bus", "is late", "carers need", "more respite", "day centre", "closing", "no"]),
    min_size=0,
    max_size=12,
).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(sentences, st.text(max_size=40)), max_size=40))
def test_groups_are_disjoint_valid_and_at_least_pairs(texts):
    groups = find_duplicates(texts)
    seen = set()
    for group in groups:
        assert len(group.members) >= 2
        assert list(group.members) == sorted(set(group.members))
        assert all(0 <= index < len(texts) for index in group.members)
        assert group.representative in group.members
        assert not seen & set(group.members)
        seen |= set(group.members)
