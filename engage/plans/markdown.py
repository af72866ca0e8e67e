"""Render plan Markdown to HTML that is safe to show to the public."""
import re

import markdown as _markdown
import nh3

MAX_TEXT_CHARS = 500_000

# h1 is allowed through the sanitiser only so that _demote_headings can see and renumber it.
_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "a",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "br", "hr", "abbr",
}
_ATTRIBUTES = {
    # Without an explicit "*", nh3 keeps ammonia's default lang and title on every tag.
    "*": set(),
    "a": {"href", "title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
}
_URL_SCHEMES = {"http", "https", "mailto"}
# Dropped with everything inside them: their text is code or markup, never plan content.
_CLEAN_CONTENT_TAGS = {"script", "style", "iframe", "object", "embed", "noscript", "template"}

# The page already owns h1 (the consultation) and h2 (the section heading).
_TOP_BODY_LEVEL = 3
_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


def render(markdown_text: str) -> str:
    """Markdown to sanitised HTML, with body headings demoted to start at h3."""
    if not markdown_text or not markdown_text.strip():
        return ""
    html = _markdown.markdown(
        markdown_text,
        extensions=["extra", "sane_lists"],
        output_format="html",
    )
    html = nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags=_CLEAN_CONTENT_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return _style_tables(_demote_headings(html)).strip()


_TABLE_PART = re.compile(r"<(table|tr|th|td)(?=[\s>])")
_TABLE_CLASSES = {"table": "govuk-table", "tr": "govuk-table__row", "th": "govuk-table__header",
                  "td": "govuk-table__cell"}


def _style_tables(html: str) -> str:
    """GOV.UK table classes, and a keyboard-scrollable wrapper so wide tables fit small screens."""
    # Runs on sanitiser output: these tags carry no class attribute, so adding one is safe.
    html = _TABLE_PART.sub(lambda m: f'<{m.group(1)} class="{_TABLE_CLASSES[m.group(1)]}"', html)
    html = html.replace('<table class="govuk-table"',
                        '<div class="app-table-wrapper" role="region" aria-label="Table" tabindex="0">'
                        '<table class="govuk-table"')
    return html.replace("</table>", "</table></div>")


def _demote_headings(html: str) -> str:
    # Runs on sanitiser output, where heading tags never carry attributes, so the regex is exact.
    levels = [int(level) for _, level in _HEADING_TAG.findall(html)]
    if not levels:
        return html
    shift = max(0, _TOP_BODY_LEVEL - min(levels))
    if not shift:
        return html
    return _HEADING_TAG.sub(
        lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}>", html
    )
