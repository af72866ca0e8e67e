"""Emerging themes among items that fit no theme."""
from engage.analysis.emerging import emerging_themes

PARKING = [
    "Parking at the surgery is impossible, the car park is always full",
    "The car park is too small and parking costs too much",
    "No parking spaces near the clinic, the car park is full every day",
    "Car park charges are unfair, parking should be free",
    "Finding parking is a nightmare, the car park needs expanding",
    "Parking fees at the car park keep going up",
]
LONELINESS = [
    "I feel lonely since my wife died and nobody visits",
    "Loneliness is a big problem for older people living alone",
    "Lonely older people need befriending services",
    "Living alone makes me feel isolated and lonely",
    "Befriending would help with loneliness in the village",
    "Older people living alone are lonely and isolated",
]
DENTIST = [
    "I cannot find an NHS dentist taking new patients",
    "There is no NHS dentist in town",
    "Dentist waiting lists are years long, no NHS dentist available",
    "My children have not seen a dentist in three years",
    "The NHS dentist closed and we have to travel for dental care",
    "Dental care is impossible to get, no dentist will register us",
]


def test_three_obvious_groups_are_found_and_named():
    texts = PARKING + LONELINESS + DENTIST
    candidates = emerging_themes(texts)
    assert sorted(candidate.members for candidate in candidates) == [
        tuple(range(0, 6)),
        tuple(range(6, 12)),
        tuple(range(12, 18)),
    ]
    names = {candidate.members[0]: candidate.name.lower() for candidate in candidates}
    assert "car park" in names[0] or "parking" in names[0]
    assert "lonely" in names[6] or "loneliness" in names[6] or "alone" in names[6]
    assert "dentist" in names[12]
    for candidate in candidates:
        assert 1 <= len(candidate.examples) <= 3
        assert set(candidate.examples) <= set(candidate.members)
        assert 2 <= len(candidate.keyphrases) <= 3


def test_members_are_reported_by_the_ids_given():
    ids = [f"item-{i}" for i in range(18)]
    candidates = emerging_themes(PARKING + LONELINESS + DENTIST, ids=ids)
    assert {member for candidate in candidates for member in candidate.members} == set(ids)


def test_groups_smaller_than_three_are_not_proposed():
    texts = PARKING + LONELINESS + ["The dentist has closed", "No dentist anywhere"]
    candidates = emerging_themes(texts)
    assert all(len(candidate.members) >= 3 for candidate in candidates)
    assert not any("dentist" in candidate.name.lower() for candidate in candidates)


def test_too_little_to_group_gives_nothing():
    assert emerging_themes([]) == []
    assert emerging_themes(["parking", "lonely", ""]) == []
    assert emerging_themes(["!!!"] * 10) == []


def test_deterministic():
    texts = PARKING + LONELINESS + DENTIST
    assert emerging_themes(texts, random_state=4) == emerging_themes(list(texts), random_state=4)
