import re

import pytest

from engage.plans.markdown import MAX_TEXT_CHARS, render


def test_empty_input_renders_nothing():
    assert render("") == ""
    assert render("  \n\n\t") == ""
    assert render(None) == ""


def test_max_text_chars():
    assert MAX_TEXT_CHARS == 500_000


def test_basic_markdown_renders():
    html = render("Some **bold** and *italic* text.\n\n- one\n- two\n\n1. first\n2. second")
    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert "<ol>" in html and "<li>first</li>" in html


def test_script_and_its_content_are_removed():
    html = render("Before\n\n<script>alert(1)</script>\n\nAfter <script>steal()</script> text")
    assert "<script" not in html.lower()
    assert "alert" not in html
    assert "steal" not in html
    assert "Before" in html and "After" in html


def test_style_and_iframe_are_removed():
    html = render(
        '<style>body { display: none }</style>\n\n'
        '<iframe src="https://evil.example">fallback words</iframe>\n\nok'
    )
    assert "<style" not in html and "display" not in html
    assert "<iframe" not in html and "evil.example" not in html and "fallback" not in html
    assert "<p>ok</p>" in html


@pytest.mark.parametrize("link", [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox)",
])
def test_dangerous_link_schemes_lose_their_href(link):
    html = render(link)
    assert "href" not in html
    assert "javascript" not in html.lower()
    assert ">x</a>" in html


def test_safe_links_are_kept_with_rel():
    html = render('[site](https://example.org "Title") and [mail](mailto:team@example.org) '
                  'and [plain](http://example.org)')
    assert '<a href="https://example.org" title="Title" rel="noopener noreferrer">site</a>' in html
    assert 'href="mailto:team@example.org"' in html
    assert 'href="http://example.org"' in html
    assert html.count('rel="noopener noreferrer"') == 3


def test_event_handlers_style_and_classes_are_removed():
    html = render('<p onclick="evil()" style="color:red" class="x" id="y">hi</p>\n\n'
                  '<img src=x onerror=alert(1)>')
    assert "onclick" not in html and "evil" not in html
    assert "style" not in html and "class" not in html and "id=" not in html
    assert "<img" not in html and "onerror" not in html
    assert "hi" in html


def test_markdown_attribute_lists_cannot_add_attributes():
    html = render('A paragraph\n{: onclick="evil()" style="x" }')
    assert "onclick=" not in html
    assert "style=" not in html


def test_only_allowed_attributes_survive():
    html = render('<a href="https://example.org" target="_blank" download>x</a> '
                  '<abbr title="National Health Service" lang="en">NHS</abbr>')
    assert "target" not in html and "download" not in html and "lang" not in html
    assert '<abbr title="National Health Service">NHS</abbr>' in html


def test_abbreviations_from_markdown_extra():
    html = render("*[GP]: General practitioner\n\nSee your GP.")
    assert '<abbr title="General practitioner">GP</abbr>' in html


def test_tables_render():
    html = render("| Area | Budget |\n|---|---|\n| Carers | £1m |")
    assert '<table class="govuk-table">' in html
    assert '<th class="govuk-table__header">Area</th>' in html and '<td class="govuk-table__cell">£1m</td>' in html
    # Wide tables scroll inside a focusable region on small screens.
    assert '<div class="app-table-wrapper" role="region" aria-label="Table" tabindex="0"><table' in html


def test_table_cell_span_attributes_allowed():
    html = render('<table><tr><td colspan="2" rowspan="1" onclick="x()">a</td></tr></table>')
    assert 'colspan="2"' in html and 'rowspan="1"' in html and "onclick" not in html


def test_code_is_escaped_not_executed():
    html = render("```\n<script>alert(1)</script>\n```\n\nUse `<b>` tags")
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert "<code>&lt;b&gt;</code>" in html


def test_no_heading_renders_as_h1_or_h2():
    html = render("# Big\n\ntext\n\n## Smaller\n\n### Smallest")
    assert "<h1" not in html and "<h2" not in html
    assert "<h3>Big</h3>" in html
    assert "<h4>Smaller</h4>" in html
    assert "<h5>Smallest</h5>" in html


def test_raw_html_headings_are_demoted_too():
    html = render("<h1>Raw</h1>\n\n## Markdown")
    assert "<h1" not in html and "<h2" not in html
    assert "<h3>Raw</h3>" in html


def test_deep_headings_are_capped_at_h6():
    html = render("# A\n\n###### F")
    assert "<h3>A</h3>" in html
    assert "<h6>F</h6>" in html
    assert not re.search(r"<h[7-9]", html)


def test_headings_already_h3_or_lower_are_left_alone():
    assert render("#### Detail") == "<h4>Detail</h4>"


def test_unknown_tags_keep_their_text():
    html = render("<div><span>kept text</span></div>")
    assert "kept text" in html
    assert "<div" not in html and "<span" not in html


def test_title_is_not_allowed_on_other_tags():
    html = render('<p title="tooltip" lang="cy">Croeso</p>')
    assert html == "<p>Croeso</p>"
