import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engage.plans.sections import SectionDraft, split_into_sections


def test_empty_input_gives_no_sections():
    assert split_into_sections("") == []
    assert split_into_sections("   \n\n  \r\n") == []
    assert split_into_sections("\ufeff") == []


def test_section_draft_is_frozen():
    draft = SectionDraft(number="1", heading="Vision", body_markdown="Text")
    with pytest.raises(dataclasses.FrozenInstanceError):
        draft.heading = "Other"


def test_splits_at_top_level_headings_with_introduction():
    text = (
        "This plan sets out our priorities.\n"
        "\n"
        "# 1. Vision\n"
        "We want people to live well.\n"
        "\n"
        "## 1.1 How we will do it\n"
        "Work together.\n"
        "\n"
        "# 2. Carers\n"
        "Support unpaid carers.\n"
    )
    sections = split_into_sections(text)
    assert [(s.number, s.heading) for s in sections] == [
        ("", "Introduction"), ("1", "Vision"), ("2", "Carers"),
    ]
    assert sections[0].body_markdown == "This plan sets out our priorities."
    assert sections[1].body_markdown == (
        "We want people to live well.\n\n## 1.1 How we will do it\nWork together."
    )
    assert sections[2].body_markdown == "Support unpaid carers."


def test_highest_level_present_is_used_when_there_is_no_h1():
    text = "## Vision\nText\n### Detail\nMore\n## Carers\nCarers text"
    sections = split_into_sections(text)
    assert [s.heading for s in sections] == ["Vision", "Carers"]
    assert "### Detail" in sections[0].body_markdown


def test_a_lone_top_heading_is_the_document_title_and_sections_split_below_it():
    text = ("# Draft plan\n\nIntroductory words.\n\n"
            "## 1. Vision\nLive well.\n\n## 2. Carers\nBreaks.\n### Detail\nx")
    sections = split_into_sections(text)
    assert [(s.number, s.heading, s.body_markdown) for s in sections] == [
        ("", "Introduction", "Introductory words."),
        ("1", "Vision", "Live well."),
        ("2", "Carers", "Breaks.\n### Detail\nx"),
    ]


def test_a_title_with_nothing_under_it_gives_no_introduction():
    sections = split_into_sections("Plan title\n==========\n\nVision\n------\nA\n\nCarers\n------\nB")
    assert [(s.number, s.heading) for s in sections] == [("1", "Vision"), ("2", "Carers")]


def test_a_repeated_top_heading_is_not_a_title():
    sections = split_into_sections("# Part one\n## A\nx\n# Part two\n## B\ny")
    assert [s.heading for s in sections] == ["Part one", "Part two"]


def test_blank_text_before_first_heading_gives_no_introduction():
    sections = split_into_sections("\n\n   \n# Vision\nText")
    assert [s.heading for s in sections] == ["Vision"]


def test_text_without_headings_is_one_introduction_section():
    sections = split_into_sections("Just some text.\n\nAnother paragraph.")
    assert sections == [SectionDraft("1", "Introduction", "Just some text.\n\nAnother paragraph.")]


def test_unnumbered_headings_are_numbered_in_order_counting_introduction():
    sections = split_into_sections("Opening words\n# Vision\nA\n# Carers\nB\n# Housing\nC")
    assert [(s.number, s.heading) for s in sections] == [
        ("1", "Introduction"), ("2", "Vision"), ("3", "Carers"), ("4", "Housing"),
    ]


def test_unnumbered_headings_in_a_numbered_plan_get_no_number():
    # Sequential numbers here would clash with the plan's own "1." and "2.".
    sections = split_into_sections("# Foreword\nA\n# 1. Vision\nB\n# 2. Carers\nC\n# Glossary\nD")
    assert [(s.number, s.heading) for s in sections] == [
        ("", "Foreword"), ("1", "Vision"), ("2", "Carers"), ("", "Glossary"),
    ]


@pytest.mark.parametrize("heading, number, title", [
    ("3. Carers", "3", "Carers"),
    ("3 Carers", "3", "Carers"),
    ("3.1 Carers", "3.1", "Carers"),
    ("3.1. Carers", "3.1", "Carers"),
    ("Section 3: Carers", "3", "Carers"),
    ("section 12 - Carers", "12", "Carers"),
    ("Part 2 \u2013 Carers", "2", "Carers"),
    ("3) Carers", "3", "Carers"),
    ("3: Carers", "3", "Carers"),
    ("3.Carers", "3", "Carers"),
])
def test_heading_numbers_are_taken_from_the_heading(heading, number, title):
    (section,) = split_into_sections(f"# {heading}\nBody")
    assert (section.number, section.heading) == (number, title)


@pytest.mark.parametrize("heading", [
    "2025 to 2028 priorities",
    "3-year plan",
    "5.5m funding",
    "Carers",
    "Chapter 1",
])
def test_headings_that_do_not_start_with_a_section_number_are_kept_whole(heading):
    (section,) = split_into_sections(f"# {heading}\nBody")
    assert section.heading == heading
    assert section.number == "1"


def test_setext_headings_are_recognised():
    text = "Vision\n======\n\nText one\n\nCarers\n------\n\nText two\n\nHousing\n=======\nText three"
    sections = split_into_sections(text)
    assert [s.heading for s in sections] == ["Vision", "Housing"]
    assert "Carers\n------" in sections[0].body_markdown


def test_setext_h2_splits_when_it_is_the_top_level():
    sections = split_into_sections("Vision\n------\nText one\n\nCarers\n------\nText two")
    assert [(s.heading, s.body_markdown) for s in sections] == [
        ("Vision", "Text one"), ("Carers", "Text two"),
    ]


def test_dashes_under_a_multi_line_paragraph_are_a_rule_not_a_heading():
    sections = split_into_sections("# Vision\nFirst line\nsecond line\n---\nMore")
    assert [s.heading for s in sections] == ["Vision"]
    assert sections[0].body_markdown == "First line\nsecond line\n---\nMore"


def test_hash_lines_in_fenced_code_are_not_headings():
    text = "# Vision\n```\n# not a heading\n```\n~~~~\n# nor this\n~~~~\n# Carers\nText"
    sections = split_into_sections(text)
    assert [s.heading for s in sections] == ["Vision", "Carers"]
    assert "# not a heading" in sections[0].body_markdown
    assert "# nor this" in sections[0].body_markdown


def test_hashtags_and_indented_code_are_not_headings():
    sections = split_into_sections("# Vision\n#NHS is trending\n\n    # code sample\nend")
    assert len(sections) == 1
    assert "#NHS is trending" in sections[0].body_markdown


def test_closing_hashes_and_wrapping_emphasis_are_removed_from_headings():
    sections = split_into_sections("## 1. Vision ##\nA\n## **Carers**\nB\n## *Home* and *away*\nC")
    assert [s.heading for s in sections] == ["Vision", "Carers", "*Home* and *away*"]


def test_line_endings_bom_and_trailing_whitespace_are_normalised():
    text = "\ufeff# Vision   \r\nLine one   \r\nLine two\t\r\n\r\n# Carers\rText  "
    sections = split_into_sections(text)
    assert [s.heading for s in sections] == ["Vision", "Carers"]
    assert sections[0].body_markdown == "Line one\nLine two"
    assert sections[1].body_markdown == "Text"
    assert "\ufeff" not in sections[0].heading


def test_long_headings_are_trimmed_to_300_characters():
    (section,) = split_into_sections("# " + "word " * 200)
    assert len(section.heading) <= 300
    assert section.heading.startswith("word word")


def test_heading_with_no_body():
    sections = split_into_sections("# Vision\n# Carers\nText")
    assert sections[0] == SectionDraft("1", "Vision", "")


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
_text_line = st.lists(_word, min_size=1, max_size=6).map(" ".join)
_heading_line = st.tuples(st.integers(1, 3), _text_line).map(lambda t: "#" * t[0] + " " + t[1])
_line = st.one_of(_text_line, _heading_line, st.just(""))


@settings(max_examples=300, deadline=None)
@given(st.lists(_line, max_size=40))
def test_no_text_is_lost(lines):
    sections = split_into_sections("\n".join(lines))
    body_lines = [line for s in sections for line in s.body_markdown.split("\n")]

    # Every word of a non-heading line ends up in a body, as often as it was written.
    expected = sorted(w for line in lines if not line.startswith("#") for w in line.split())
    found = sorted(w for line in body_lines if not line.startswith("#") for w in line.split())
    assert found == expected

    # Heading words are either a section's heading or a lower-level heading kept in a body,
    # except a lone top-level first heading, which is the document's title and is dropped.
    heading_lines = [line for line in lines if line.startswith("#")]
    levels = [len(line.split()[0]) for line in heading_lines]
    kept = list(lines)
    if len(levels) >= 2 and all(level > levels[0] for level in levels[1:]):
        kept.remove(heading_lines[0])
    all_words = sorted(w for line in kept for w in line.split() if not w.startswith("#"))
    heading_words = [w for s in sections if s.heading != "Introduction" for w in s.heading.split()]
    body_words = [w for line in body_lines for w in line.split() if not w.startswith("#")]
    assert sorted(heading_words + body_words) == all_words
