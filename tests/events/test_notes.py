"""Rapid note entry: lines, bullets, section markers and counts, as plain strings (no app)."""
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engage.events.notes import (
    MAX_NOTES, MAX_SPEAKS_FOR, NoteError, ParsedNote, check_sections, format_note, is_blank,
    merged_text, normalise_section_number, split_parts,
    parse_notes, parse_rows,
)


def only(text):
    """The single note parsed from one line."""
    notes = parse_notes(text)
    assert len(notes) == 1
    return notes[0]


def test_each_non_blank_line_is_a_note_in_order():
    notes = parse_notes("Buses stop at six\n\n   \nNobody knew about the carers centre\n")
    assert notes == [
        ParsedNote("Buses stop at six", None, 1, 1),
        ParsedNote("Nobody knew about the carers centre", None, 1, 4),
    ]


def test_empty_text_gives_no_notes():
    assert parse_notes("") == []
    assert parse_notes(None) == []
    assert parse_notes(" \n\t\r\n\ufeff") == []


@pytest.mark.parametrize("line", [
    "- Buses stop at six", "* Buses stop at six", "• Buses stop at six", "1. Buses stop at six",
    "12) Buses stop at six", "– Buses stop at six", "◦ Buses stop at six", "o\tBuses stop at six",
    "  -   Buses stop at six  ", "- - Buses stop at six", "•\tBuses stop at six",
])
def test_bullets_are_removed(line):
    assert only(line).text == "Buses stop at six"


@pytest.mark.parametrize("line", [
    "-5 degrees and the day centre was shut", "2.5 million spent on agency staff", "+44 numbers cost money",
    "2026 was a hard year", "3: carers need breaks",
])
def test_text_that_only_looks_like_a_bullet_is_kept(line):
    assert only(line).text == line


@pytest.mark.parametrize("line,number", [
    ("S3: Carers need breaks", "3"), ("s3 - Carers need breaks", "3"), ("[S3] Carers need breaks", "3"),
    ("[s 3]Carers need breaks", "3"), ("S3:Carers need breaks", "3"), ("S3- Carers need breaks", "3"),
    ("s3 —Carers need breaks", "3"), ("Section 3: Carers need breaks", "3"),
    ("[Section 4.1] Carers need breaks", "4.1"),
    ("- S3: Carers need breaks", "3"), ("1. [S03] Carers need breaks", "3"), ("S3: - Carers need breaks", "3"),
])
def test_section_markers(line, number):
    note = only(line)
    assert note.section_number == number
    assert note.text == "Carers need breaks"


@pytest.mark.parametrize("line", [
    "S4C showed the meeting", "Sandwiches ran out", "S3-5 year olds need places", "Section three was unclear",
])
def test_text_that_only_looks_like_a_section_marker_is_kept(line):
    note = only(line)
    assert note.section_number is None
    assert note.text == line


@pytest.mark.parametrize("line,count", [
    ("Buses stop at six (x12)", 12), ("Buses stop at six (×12)", 12), ("Buses stop at six (X 12)", 12),
    ("Buses stop at six (12 people)", 12), ("Buses stop at six (1 person)", 1), ("Buses stop at six (12x)", 12),
    ("Buses stop at six (x12).", 12), ("Buses stop at six(x3)", 3),
])
def test_trailing_counts(line, count):
    note = only(line)
    assert note.speaks_for == count
    assert note.text == "Buses stop at six"


def test_a_count_in_the_middle_is_text():
    note = only("Twelve (x12) said buses stop at six")
    assert note.speaks_for == 1
    assert note.text == "Twelve (x12) said buses stop at six"


def test_everything_together():
    note = only("• [S2] Respite is booked up months ahead (x7)")
    assert note == ParsedNote("Respite is booked up months ahead", "2", 7, 1)


@pytest.mark.parametrize("line,message", [
    ("Buses (x0)", "Line 1: the number of people must be from 1 to 100,000."),
    (f"Buses (x{MAX_SPEAKS_FOR + 1})", "Line 1: the number of people must be from 1 to 100,000."),
    ("Buses (x" + "9" * 5000 + ")", "Line 1: the number of people must be from 1 to 100,000."),
    ("- ", "Line 1 has a bullet, section or count but no note."),
    ("S3:", "Line 1 has a bullet, section or count but no note."),
    ("(x4)", "Line 1 has a bullet, section or count but no note."),
    ("---", "Line 1 has no words in it."),
    ("x" * 5001, "Line 1 is longer than 5,000 characters."),
])
def test_problems_name_the_line(line, message):
    with pytest.raises(NoteError) as caught:
        parse_notes(line)
    assert str(caught.value).startswith(message)
    assert caught.value.line_numbers == [1]


def test_every_problem_line_is_named_and_nothing_is_returned():
    with pytest.raises(NoteError) as caught:
        parse_notes("Fine\n---\nAlso fine\n(x0) no\nBuses (x0)\n")
    assert caught.value.line_numbers == [2, 5]
    assert "Line 2 " in str(caught.value) and "Line 5:" in str(caught.value)


def test_long_lists_of_problems_are_summarised():
    with pytest.raises(NoteError) as caught:
        parse_notes("---\n" * 8)
    assert str(caught.value).count("has no words") == 5
    assert str(caught.value).endswith("There are 3 more problems like this.")


def test_too_many_notes_at_once():
    with pytest.raises(NoteError) as caught:
        parse_notes("A note\n" * (MAX_NOTES + 1))
    assert str(caught.value).startswith("Enter 2,000 notes or fewer at a time.")


@pytest.mark.parametrize("line,blank", [("", True), (" \t ", True), ("\ufeff", True), ("\u200b \u2060", True),
                                        ("-", False), ("a", False), ("\ufeffa", False)])
def test_is_blank(line, blank):
    assert is_blank(line) is blank


def test_windows_line_endings_and_byte_order_mark():
    assert [n.text for n in parse_notes("\ufeffOne\r\nTwo\r\n")] == ["One", "Two"]


# Sections ------------------------------------------------------------------------------------

def test_known_sections_pass():
    notes = parse_notes("S1: a\nS3.1: b\nno section\n")
    check_sections(notes, ["1", "2", "3.1"])


def test_unknown_sections_name_the_line():
    notes = parse_notes("S1: a\nS9: b\n\nS7: c\n")
    with pytest.raises(NoteError) as caught:
        check_sections(notes, ["1", "2", "3"])
    assert caught.value.line_numbers == [2, 4]
    assert str(caught.value) == ("Line 2: there is no section 9 in the latest draft of the plan. "
                                 "Line 4: there is no section 7 in the latest draft of the plan.")


def test_sections_without_a_draft():
    with pytest.raises(NoteError, match="Line 1 names section 1, but the plan has no numbered sections yet"):
        check_sections(parse_notes("S1: a"), ["", ""])


@pytest.mark.parametrize("typed,normal", [("3", "3"), ("03", "3"), ("3.", "3"), ("3.01", "3.1"), ("", None),
                                          ("three", None), ("3.a", None)])
def test_normalise_section_number(typed, normal):
    assert normalise_section_number(typed) == normal


# Spreadsheet rows ----------------------------------------------------------------------------

def test_rows_use_the_columns_and_the_same_rules():
    notes = parse_rows([
        (2, "- Buses stop at six", "3", "12"),
        (3, "S2: Respite (x4)", None, None),
        (4, "", None, None),
        (5, "Day centre\nclosed", 1.0, 2),
        (6, "[S1] Joined up", "S1", " 1,000 "),
    ])
    assert notes == [
        ParsedNote("Buses stop at six", "3", 12, 2),
        ParsedNote("Respite", "2", 4, 3),
        ParsedNote("Day centre closed", "1", 2, 5),
        ParsedNote("Joined up", "1", 1000, 6),
    ]


@pytest.mark.parametrize("row,message", [
    ((4, "Buses", "three", None), "Row 4: the section must be a section number, like 3 or 3.1."),
    ((4, "S2: Buses", "3", None), "Row 4 names section 2 in the note and section 3 in the section column."),
    ((4, "Buses", None, "abc"), "Row 4: speaks for must be a whole number from 1 to 100,000."),
    ((4, "Buses", None, "-3"), "Row 4: speaks for must be a whole number from 1 to 100,000."),
    ((4, "Buses", None, 0), "Row 4: speaks for must be a whole number from 1 to 100,000."),
    ((4, "Buses", None, 2.5), "Row 4: speaks for must be a whole number from 1 to 100,000."),
    ((4, None, "3", 2), "Row 4 has no note in the first column."),
    ((4, "***", None, None), "Row 4 has no words in it."),
])
def test_row_problems_name_the_row(row, message):
    with pytest.raises(NoteError) as caught:
        parse_rows([row])
    assert str(caught.value).startswith(message)


# Properties ----------------------------------------------------------------------------------

INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
note_lines = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.builds(lambda bullet, marker, words, count: f"{bullet}{marker}{words}{count}",
                  st.sampled_from(["", "- ", "* ", "• ", "1. ", "  "]),
                  st.sampled_from(["", "S3: ", "s12 - ", "[S4.1] ", "Section 2: "]),
                  st.text(min_size=0, max_size=40) | st.sampled_from(["Carers", "\u200b", "\ufeffBuses"]),
                  st.sampled_from(["", " (x12)", " (×3)", " (7 people)", " (x0)"])),
    ),
    max_size=30,
)


@settings(max_examples=400, deadline=None)
@given(note_lines, st.sampled_from(["\n", "\r\n"]))
@example(["- - S3: foo", "---", "S3:", "(x2)"], "\n")
def test_never_loses_a_non_blank_line(lines, newline):
    text = newline.join(lines)
    non_blank = [number for number, line in enumerate(text.splitlines(), start=1)
                 if line.strip().strip(INVISIBLE).strip()]
    try:
        notes = parse_notes(text)
    except NoteError as error:
        named = set(error.line_numbers)
        assert named, "an error must name the lines"
        assert named <= set(non_blank)
        # Every line that is not named is a good note on its own.
        for number in set(non_blank) - named:
            assert parse_notes(text.splitlines()[number - 1])
        return
    assert [note.line_number for note in notes] == non_blank
    source = text.splitlines()
    for note in notes:
        assert note.text and note.text == note.text.strip()
        assert note.text in source[note.line_number - 1]
        assert 1 <= note.speaks_for <= MAX_SPEAKS_FOR


@settings(max_examples=400, deadline=None)
@given(note_lines)
def test_format_note_reads_back_as_the_same_note(lines):
    try:
        notes = parse_notes("\n".join(lines))
    except NoteError:
        return
    again = parse_notes("\n".join(format_note(note) for note in notes))
    assert [(n.text, n.section_number, n.speaks_for) for n in again] == \
        [(n.text, n.section_number, n.speaks_for) for n in notes]


# Splitting and merging -----------------------------------------------------------------------

def test_split_parts_at_blank_lines():
    assert split_parts("Buses stop at six.\n\n  \nRespite is booked up.\nMonths ahead.\n") == [
        "Buses stop at six.", "Respite is booked up.\nMonths ahead."]
    assert split_parts("One part only") == ["One part only"]
    assert split_parts("\n\n") == []


def test_merged_text_joins_in_order():
    assert merged_text(["Buses stop at six", " so people miss clubs. ", ""]) == \
        "Buses stop at six so people miss clubs."


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1).filter(lambda t: not is_blank(t)), min_size=1, max_size=6))
def test_splitting_never_loses_words(parts):
    def words(text):
        return "".join(ch for ch in text if ch not in INVISIBLE).split()

    joined = "\n\n".join(parts)
    assert words(" ".join(split_parts(joined))) == words(joined)
