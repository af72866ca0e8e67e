from types import SimpleNamespace

from markupsafe import Markup

from engage.plans.diff import SectionChange, diff_versions, summary_counts
from engage.plans.sections import SectionDraft, split_into_sections


def S(number, heading, body=""):
    return SectionDraft(number=number, heading=heading, body_markdown=body)


def statuses(changes):
    return [(c.status, c.number, c.heading) for c in changes]


def test_identical_versions_are_unchanged():
    old = [S("1", "Vision", "We will help."), S("2", "Carers", "Support carers.")]
    changes = diff_versions(old, list(old))
    assert statuses(changes) == [("unchanged", "1", "Vision"), ("unchanged", "2", "Carers")]
    assert changes[0].html == Markup("<p>We will help.</p>")
    assert "<ins>" not in changes[0].html and "<del>" not in changes[0].html


def test_added_removed_and_changed_sections():
    old = [S("1", "Vision", "We will help people."), S("2", "Workforce", "Recruit staff."),
           S("3", "Money", "Budget.")]
    new = [S("1", "Vision", "We will help more people."), S("2", "Money", "Budget."),
           S("3", "Digital", "Online services.")]
    changes = diff_versions(old, new)
    assert statuses(changes) == [
        ("changed", "1", "Vision"),
        ("removed", "2", "Workforce"),
        ("unchanged", "2", "Money"),
        ("added", "3", "Digital"),
    ]
    assert summary_counts(changes) == {"added": 1, "removed": 1, "changed": 1, "unchanged": 1}


def test_word_level_diff_marks_only_changed_words():
    changes = diff_versions([S("1", "Vision", "We will help people.")],
                            [S("1", "Vision", "We will help more people.")])
    assert changes[0].html == Markup("<p>We will help <ins>more</ins> people.</p>")


def test_replaced_words_show_deletion_then_insertion():
    changes = diff_versions([S("1", "Vision", "Care at home by 2026.")],
                            [S("1", "Vision", "Care in the community by 2027.")])
    html = str(changes[0].html)
    assert "<del>at home</del><ins>in the community</ins>" in html
    assert "<del>2026.</del><ins>2027.</ins>" in html


def test_added_and_removed_bodies_are_wholly_marked():
    changes = diff_versions([S("1", "Old", "Gone text.")], [S("1", "Old", "Gone text."),
                                                             S("2", "New", "Fresh text.")])
    assert changes[1].status == "added"
    assert changes[1].old_heading is None and changes[1].new_heading == "New"
    assert changes[1].html == Markup("<p><ins>Fresh text.</ins></p>")

    changes = diff_versions([S("1", "Old", "Gone text."), S("2", "Other", "x")], [S("2", "Other", "x")])
    assert changes[0].status == "removed"
    assert changes[0].old_heading == "Old" and changes[0].new_heading is None
    assert changes[0].html == Markup("<p><del>Gone text.</del></p>")


def test_renamed_heading_is_changed_with_both_headings():
    changes = diff_versions([S("3", "Carers", "Support carers.")],
                            [S("3", "Unpaid carers", "Support carers.")])
    (change,) = changes
    assert change.status == "changed"
    assert change.heading == "Unpaid carers"
    assert (change.old_heading, change.new_heading) == ("Carers", "Unpaid carers")


def test_heading_match_survives_renumbering():
    old = [S("1", "Vision", "a b c"), S("2", "Carers", "d e f"), S("3", "Housing", "g h i")]
    new = [S("1", "Carers", "d e f"), S("2", "Housing", "g h i"), S("3", "Vision", "a b c")]
    changes = diff_versions(old, new)
    assert statuses(changes) == [
        ("unchanged", "1", "Carers"), ("unchanged", "2", "Housing"), ("unchanged", "3", "Vision"),
    ]


def test_heading_match_ignores_case_and_spacing():
    changes = diff_versions([S("1", "Unpaid  Carers", "x")], [S("4", "unpaid carers", "x")])
    assert [c.status for c in changes] == ["changed"]  # the heading's capitals did change


def test_renamed_and_renumbered_section_is_matched_by_content():
    body = "We will support unpaid carers with respite, advice and a carers' assessment."
    old = [S("1", "Vision", "v"), S("2", "Workforce", "Recruit and keep staff."), S("3", "Carers", body)]
    new = [S("1", "Vision", "v"), S("2", "Supporting unpaid carers", body + " Also money.")]
    changes = diff_versions(old, new)
    assert statuses(changes) == [
        ("unchanged", "1", "Vision"),
        ("removed", "2", "Workforce"),
        ("changed", "2", "Supporting unpaid carers"),
    ]
    assert changes[2].old_heading == "Carers"


def test_same_number_with_new_heading_and_content_is_changed():
    changes = diff_versions([S("4", "Workforce", "Recruit staff.")], [S("4", "Digital", "Online.")])
    assert [c.status for c in changes] == ["changed"]
    assert "<del>Recruit staff.</del><ins>Online.</ins>" in changes[0].html


def test_unrelated_sections_are_added_and_removed():
    changes = diff_versions([S("", "Glossary", "Terms used.")], [S("", "Appendix", "Extra data tables.")])
    # The removed section was first, so it is listed first.
    assert [(c.status, c.heading) for c in changes] == [("removed", "Glossary"), ("added", "Appendix")]


def test_removed_sections_are_placed_where_they_were():
    old = [S("", "Removed first"), S("1", "A"), S("2", "B"), S("3", "Removed middle"), S("4", "C"),
           S("5", "Removed last")]
    new = [S("1", "A"), S("2", "B"), S("3", "C")]
    changes = diff_versions(old, new)
    assert [(c.status, c.heading) for c in changes] == [
        ("removed", "Removed first"), ("unchanged", "A"), ("unchanged", "B"),
        ("removed", "Removed middle"), ("unchanged", "C"), ("removed", "Removed last"),
    ]


def test_script_in_bodies_is_escaped_in_every_status():
    evil = "Hello <script>alert(1)</script> & <b onclick=x>bye</b>"
    old = [S("1", "Same", evil), S("2", "Edited", evil), S("3", "Gone", evil)]
    new = [S("1", "Same", evil), S("2", "Edited", evil + " more <img src=x onerror=alert(2)>"),
           S("4", "Fresh", "A new section about apps, websites and online booking for care "
                           "services <script>alert(1)</script> & more")]
    changes = diff_versions(old, new)
    assert {c.status for c in changes} == {"unchanged", "changed", "removed", "added"}
    for change in changes:
        html = str(change.html)
        assert "<script" not in html and "<img" not in html and "<b " not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&amp;" in html


def test_html_is_markup_so_templates_do_not_double_escape():
    (change,) = diff_versions([], [S("1", "New", "a < b")])
    assert isinstance(change, SectionChange)
    assert isinstance(change.html, Markup)
    assert change.html == Markup("<p><ins>a &lt; b</ins></p>")


def test_paragraphs_become_p_blocks_and_line_breaks_are_kept():
    changes = diff_versions([S("1", "A", "First para.\n\nSecond para.\n- item one\n- item two")],
                            [S("1", "A", "First para.\n\nSecond para changed.\n- item one\n- item two")])
    assert changes[0].html == Markup(
        "<p>First para.</p>\n"
        "<p>Second <del>para.</del><ins>para changed.</ins><br>\n- item one<br>\n- item two</p>"
    )


def test_new_paragraph_inside_an_insertion_is_split_into_blocks():
    (change,) = diff_versions([S("1", "A", "One.")], [S("1", "A", "One.\n\nTwo.\n\nThree.")])
    assert change.html == Markup("<p>One.</p>\n<p><ins>Two.</ins></p>\n<p><ins>Three.</ins></p>")


def test_whitespace_only_edits_are_unchanged():
    (change,) = diff_versions([S("1", "A", "Text  \r\nmore\n")], [S("1", "A", "Text\nmore")])
    assert change.status == "unchanged"


def test_accepts_any_objects_with_the_section_attributes():
    old = [SimpleNamespace(number="1", heading="Vision", body_markdown="Old", position=0)]
    new = [SimpleNamespace(number="1", heading="Vision", body_markdown="New", position=0)]
    (change,) = diff_versions(old, new)
    assert change.status == "changed"
    assert change.html == Markup("<p><del>Old</del><ins>New</ins></p>")


def test_diff_of_split_versions_end_to_end():
    v1 = split_into_sections("# 1. Vision\nLive well.\n# 2. Carers\nSupport carers.\n# 3. Money\nBudget.")
    v2 = split_into_sections("# 1. Vision\nLive well at home.\n# 2. Money\nBudget.\n# 3. Digital\nApps.")
    assert summary_counts(diff_versions(v1, v2)) == {
        "added": 1, "removed": 1, "changed": 1, "unchanged": 1,
    }


def test_summary_counts_has_every_status():
    assert summary_counts([]) == {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}


def test_large_sections_diff_quickly():
    import time

    words = [f"word{i}" for i in range(20_000)]
    old_body = " ".join(words)
    new_words = list(words)
    new_words[500] = "changed"
    new_words.insert(10_000, "inserted")
    start = time.perf_counter()
    (change,) = diff_versions([S("1", "A", old_body)], [S("1", "A", " ".join(new_words))])
    assert time.perf_counter() - start < 5
    assert "<del>word500</del><ins>changed</ins>" in change.html
    assert "<ins>inserted</ins>" in change.html


def test_deleted_last_line_does_not_run_into_the_line_before():
    (change,) = diff_versions([S("1", "A", "Keep this\nDrop this")], [S("1", "A", "Keep this")])
    assert change.html == Markup("<p>Keep this<br>\n<del>Drop this</del></p>")
