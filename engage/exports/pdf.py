"""The statement as a PDF: the print template (templates/exports/statement_print.html) through WeasyPrint.

The document's language (html lang) and title (<title>) become the PDF's metadata;
headings are real h1-h4, so the PDF has an outline, and text is real text (it
extracts). WeasyPrint may fetch nothing: the template has no external resources and
the fetcher refuses every URL, so no typed text can make the renderer read a file or
call out.
"""
from datetime import datetime

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from engage.published.views import statement_helpers
from engage.templating import format_date

TEMPLATE = "exports/statement_print.html"


class NoFetching(URLFetcher):
    """A URL fetcher that fetches nothing (no files, no network)."""

    def fetch(self, url, headers=None):
        """Refuse every URL."""
        raise ValueError(f"Not fetched: {url[:80]}")


def print_html(content, revision=None):
    """The statement as a standalone, escaped HTML document for print."""
    published_at = getattr(revision, "published_at", None)
    template = current_app.jinja_env.get_template(TEMPLATE)
    return template.render(
        content=content, **statement_helpers(),
        revision_number=getattr(revision, "number", None),
        published_on=format_date(published_at) if isinstance(published_at, datetime) else "",
        published_at=published_at.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(published_at, datetime) else "",
    )


def statement_pdf(content, revision=None):
    """The statement as PDF bytes (tagged, with title and language metadata)."""
    document = HTML(string=print_html(content, revision), base_url=None, url_fetcher=NoFetching())
    return document.write_pdf(pdf_tags=True)
