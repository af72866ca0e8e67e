"""Text handling: tokens, stems, stopwords (negations kept), phrases."""
from hypothesis import given, settings
from hypothesis import strategies as st

from engage.analysis import text


def test_negations_survive_stopword_removal():
    words = text.content_words("I do not want this, and we never asked; nor can't we cope without it. No!")
    for negation in ("not", "never", "nor", "cannot", "without", "no"):
        assert negation in words
    assert "the" not in text.content_words("the bus")


def test_stemming_groups_carers_and_caring():
    assert text.stem("carers") == text.stem("caring") == text.stem("carer")
    # Care in general is not the unpaid-carers theme.
    assert text.stem("care") != text.stem("carers")
    assert text.stem("buses") == text.stem("bus")
    assert text.stems("Waiting, waited, waits") == [text.stem("wait")] * 3


def test_tokenise_lowercases_expands_contractions_and_drops_punctuation():
    assert text.tokenise("I Can’t get the BUS — it's late!") == ["i", "cannot", "get", "the", "bus", "it", "late"]
    assert text.tokenise("") == []
    assert text.tokenise("day-centre") == ["day", "centre"]


def test_ngrams():
    assert text.ngrams(["a", "b", "c"], 2) == [("a", "b"), ("b", "c")]
    assert text.ngrams(["a"], 2) == []


def test_phrases_never_cross_a_stopword_or_punctuation():
    runs = [[token.surface for token in run] for run in text.phrase_runs("The bus to the day centre. Parking fees")]
    assert runs == [["bus"], ["day", "centre"], ["parking", "fees"]]
    features = text.term_features("the bus to the day centre")
    assert "bus" in features and f"day {text.stem('centre')}" in features
    assert not any(feature.startswith("bus ") for feature in features)


def test_keyphrases_are_readable_and_prefer_the_longer_phrase():
    texts = [
        "The car park is always full",
        "Car park charges are too high",
        "No space in the car park after nine",
        "The bus is late",
    ]
    phrases = text.keyphrases(texts, top_n=3)
    assert phrases[0] == "car park"
    assert "car" not in phrases


def test_collocations_return_readable_phrases():
    texts = [
        "The day centre closed",
        "Keep the day centre open",
        "My mum loves the day centre",
        "A centre for the day is needed",
        "Lovely staff at the centre",
    ]
    for measure in ("likelihood", "pmi"):
        found = dict(text.collocations(texts, measure=measure))
        assert "day centre" in found


def test_display_phrase_capitalises_acronyms():
    assert text.display_phrase("nhs dentist, dental care") == "NHS dentist, dental care"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_tokenising_and_stemming_never_crash_on_any_unicode(raw):
    tokens = text.tokenise(raw)
    for token in tokens:
        assert token and token == token.lower() and not any(character.isspace() for character in token)
        assert isinstance(text.stem(token), str)
    assert isinstance(text.term_features(raw), list)
    assert set(text.term_surfaces(raw)) == set(text.term_features(raw))
