"""Cold-start suggestions from the codebook's words."""
import pytest

from engage.analysis.codebook import CodebookMatcher, suggest_from_codebook
from engage.analysis.types import Theme
from tests.analysis.fixtures import CODEBOOK


def themes_of(suggestions):
    return [suggestion.theme for suggestion in suggestions]


def test_the_bus_to_the_day_centre_is_about_transport():
    [suggestions] = suggest_from_codebook(["the bus to the day centre"], CODEBOOK)
    assert themes_of(suggestions) == ["transport"]
    assert "bus" in suggestions[0].words
    assert suggestions[0].source == "codebook"
    assert 0 < suggestions[0].confidence <= 1


def test_an_item_about_buses_and_carers_gets_both_themes():
    [suggestions] = suggest_from_codebook(["The buses are hopeless and carers like me get no respite"], CODEBOOK)
    assert set(themes_of(suggestions)) == {"transport", "carers"}
    carers = next(s for s in suggestions if s.theme == "carers")
    assert set(carers.words) == {"carers", "respite"}


def test_off_topic_item_gets_nothing():
    assert suggest_from_codebook(["My team won the football on Saturday"], CODEBOOK) == [[]]


def test_more_evidence_means_more_confidence_and_keywords_outweigh_descriptions():
    matcher = CodebookMatcher(CODEBOOK)
    one = matcher.scores("the bus")["transport"][0]
    two = matcher.scores("the bus and the taxi")["transport"][0]
    assert 0 < one < two < 1
    # "slow" is only in the waiting theme's description: some evidence, below the threshold.
    description_only = matcher.scores("so slow")["waiting"][0]
    assert description_only < one
    assert matcher.suggest_one("so slow") == []


def test_a_keyword_phrase_matches_across_stopwords_and_hyphens():
    matcher = CodebookMatcher([Theme("money", "Money", keywords=("cost of living",))])
    assert themes_of(matcher.suggest_one("The cost-of-living crisis hits us")) == ["money"]
    assert themes_of(matcher.suggest_one("It will cost a lot, and living here is fine")) == []


def test_a_word_several_themes_share_counts_for_less():
    codebook = [
        Theme("a", "A", keywords=("support", "respite")),
        Theme("b", "B", keywords=("support",)),
    ]
    scores = CodebookMatcher(codebook).scores("support")
    assert scores["a"][0] == scores["b"][0] < CodebookMatcher([codebook[1]]).scores("support")["b"][0]


def test_codebook_accepts_dicts_with_keyword_strings_and_rejects_duplicate_ids():
    matcher = CodebookMatcher([{"id": 7, "name": "Transport", "keywords": "bus, taxi"}])
    assert themes_of(matcher.suggest_one("a taxi")) == [7]
    with pytest.raises(ValueError):
        CodebookMatcher([{"id": 1, "name": "A"}, {"id": 1, "name": "B"}])


def test_max_themes_and_ordering():
    [suggestions] = suggest_from_codebook(
        ["bus taxi parking transport, carers respite, waiting list delay referral, staff training"],
        CODEBOOK,
        max_themes=2,
    )
    assert len(suggestions) == 2
    assert suggestions[0].confidence >= suggestions[1].confidence
