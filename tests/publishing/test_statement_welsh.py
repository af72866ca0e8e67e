"""The published statement and the published responses in Welsh (Cymraeg).

The interface is in the visitor's language; what officers and people wrote (theme names,
you said, we did, quotations, the groups and localities they named) is shown as written.
Engage's own labels stored in English in a revision (decisions, channels, equality answers,
the stakeholder groups it fills in) are shown translated. The exports stay English whatever the language of the request.
"""
import html
import re

from babel.messages.pofile import read_po
from flask import session

from engage.extensions import db
from engage.models import FeedbackItem, Response, StatementRevision, Theme
from engage.models.consultation import PLAN_TYPES, QUESTION_KIND_LABELS
from engage.models.event import EVENT_KIND_LABELS
from engage.models.response import CHANNEL_LABELS
from engage.models.theme import THEME_DECISION_LABELS
from tests.publishing.test_statement_pages import base, officer_client, publish, seed
from tests.test_welsh import PO

SOURCES = ("templates/published/", "engage/published/", "engage/publishing/statement.py")
OFFICERS_WORDS = ("Older people’s plan", "Transport", "Community transport", "Carers",
                  "Carers said breaks are hard to get.", "We promised a short break within eight weeks.",
                  "Tranent Carers Centre", "Musselburgh", "Tranent",
                  "Drop-in at Brunton Hall", "Jo Carer", "I have not had a break in nine years.")


def _published(app):
    consultation = seed()
    assert publish(officer_client(app), consultation).status_code == 302
    db.session.rollback()
    return consultation


def _catalogue():
    with open(PO, "rb") as fileobj:
        return read_po(fileobj, locale="cy")


def _text(response):
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def _visible(page):
    """The page's words: no tags (so no attribute values), no hidden <script> or <style>."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]*>", " ", page)


def _leaked(page):
    """Translated msgids of these pages (3 words or more, no placeholders) still in English on the page."""
    leaked = []
    for message in _catalogue():
        if not message.id or message.pluralizable or "%(" in message.id or len(message.id.split()) < 3:
            continue
        if message.string == message.id or not any(path.startswith(SOURCES) for path, _ in message.locations):
            continue
        if message.id in page:
            leaked.append(message.id)
    return leaked


def _welsh_client(app):
    client = app.test_client()
    assert client.get("/language/cy?next=/").status_code == 302
    return client


def test_the_statement_page_is_in_welsh_around_the_officers_words(app):
    consultation = _published(app)
    page = _text(_welsh_client(app).get(f"/consultations/{consultation.slug}/statement"))
    assert '<html lang="cy"' in page
    assert '<div lang="en">' not in page and "English only" not in page
    for welsh in ("Datganiad ymgynghori: Older people’s plan", "Lawrlwytho’r datganiad hwn", "Diwygiad 1, a gyhoeddwyd",
                  "Darllen yr ymatebion a gyhoeddwyd", "Cynnwys", "Beth fu’n destun ymgynghori",
                  "Sut cymerodd pobl ran", "Pwy ymatebodd", "Beth ddywedodd pobl a beth wnaethom ni",
                  "Dywedoch chi", "Gwnaethom ni", "Penderfyniad:", "Gwnaethom newid y cynllun",
                  "Beth ddywedodd pobl, yn eu geiriau eu hunain", "Cydbwysedd y safbwyntiau ar Transport",
                  "Ymatebion a gododd Carers, yn ôl grŵp rhanddeiliaid", "heb ei ddangos", "siart bar",
                  "Monitro cydraddoldeb", "Oed", "25 i 34", "Atodiadau", "Cwestiynau a ofynnwyd",
                  "Sut y dadansoddwyd yr ymatebion", "Darllenodd swyddogion yr ymatebion",
                  "Er mwyn diogelu preifatrwydd pobl", "Cafwyd 11 ymateb: 10 gan unigolion a 1 gan sefydliadau.",
                  "Sylwadau a godiwyd gan swyddogion", "(Gweithdy)", "Holiadur ar-lein",
                  "Ymatebydd", "Cefnogi", "Pryder",
                  # The stakeholder groups Engage fills in are shown in Welsh, as on the response journey.
                  "Gofalwyr defnyddwyr gofal iechyd"):
        assert welsh in page, f"{welsh!r} not on the Welsh page"
    # Dates and times in Welsh too ("23 Tachwedd 2026 am 11:05yb").
    assert re.search(r"a gyhoeddwyd \d{1,2} \w+ \d{4} am \d{1,2}:\d\d(yb|yp)", page)
    for words in OFFICERS_WORDS:
        assert words in page, f"the officers' or respondents' {words!r} changed"
    visible = _visible(page)
    for english in ("What people said and what we did", "You said", "We did", "Decision:", "Download this statement",
                    "Revision 1, published", "not shown", "We changed the plan", "Who responded", "Equality monitoring",
                    "A respondent", "bar chart", "Carers of users of health care"):
        assert english not in visible, f"English {english!r} on the Welsh page"
    assert not _leaked(visible), f"untranslated text on the Welsh page: {_leaked(visible)}"


def test_an_earlier_revision_says_so_in_welsh(app):
    consultation = _published(app)
    assert publish(officer_client(app), consultation).status_code == 302
    db.session.rollback()
    client = _welsh_client(app)
    first = _text(client.get(f"/consultations/{consultation.slug}/statement/revisions/1"))
    assert "Dyma ddiwygiad 1" in first and "Darllen y diwygiad diweddaraf" in first
    assert "Datganiad ymgynghori (diwygiad 1)" in first
    latest = _text(client.get(f"/consultations/{consultation.slug}/statement"))
    assert "Pob diwygiad o’r datganiad hwn" in latest and "(y dudalen hon)" in latest
    assert not _leaked(_visible(first)) and not _leaked(_visible(latest))


def test_the_published_responses_page_is_in_welsh(app):
    consultation = _published(app)
    transport = Theme.query.filter_by(consultation_id=consultation.id, name="Transport").one()
    response = Response.query.filter_by(consultation_id=consultation.id, consent="publish_anonymous").first()
    for number in range(55):
        db.session.add(FeedbackItem(consultation_id=consultation.id, response_id=response.id,
                                    text=f"Extra comment {number:02d} about parking"))
    db.session.commit()
    client = _welsh_client(app)
    url = f"/consultations/{consultation.slug}/responses"
    page = _text(client.get(url))
    assert '<html lang="cy"' in page and '<div lang="en">' not in page
    for welsh in ("Ymatebion a gyhoeddwyd", "Chwilio’r sylwadau", "Thema", "Pob thema", ">Chwilio<", "64 sylw",
                  "Mae manylion personol wedi’u tynnu", "datganiad ymgynghori", "Ymatebydd", "Themâu: Transport",
                  "Tudalennau o sylwadau", "Nesaf", "Sylwadau diweddarach", "Yn ôl i’r datganiad ymgynghori"):
        assert welsh in page, f"{welsh!r} not on the Welsh page"
    for words in ("Extra comment 00 about parking", "The last bus home leaves before the evening clinic ends.",
                  "Jo Carer", "Transport"):
        assert words in page
    visible = _visible(page)
    for english in ("Published responses", "Search the comments", "All themes", "Later comments", "A respondent",
                    "comments"):
        assert english not in visible, f"English {english!r} on the Welsh page"
    assert not _leaked(visible)

    searched = _text(client.get(f"{url}?q=bus&theme={transport.id}"))
    assert "sy’n cynnwys “bus” am Transport" in searched and "Clirio’r chwiliad" in searched
    nothing = _text(client.get(f"{url}?q=zzzz"))
    assert "Does dim sylwadau a gyhoeddwyd yn cyfateb" in nothing and "gweld pob sylw" in nothing
    assert "Canlyniadau chwilio am “zzzz”" in nothing
    assert not _leaked(_visible(searched)) and not _leaked(_visible(nothing))
    # Someone's words stay as written; only Engage's marker for the removed phone number is in Welsh.
    ring = _text(client.get(f"{url}?q=ring"))
    assert "Ring me on [rhif ffôn wedi’i ddileu] about the buses" in ring
    assert "phone number removed" not in ring


def test_the_english_pages_are_unchanged(app):
    consultation = _published(app)
    client = _welsh_client(app)
    assert client.get(f"/language/en?next=/consultations/{consultation.slug}/statement").status_code == 302
    page = _text(client.get(f"/consultations/{consultation.slug}/statement"))
    assert '<html lang="en"' in page
    for english in ("Statement of consultation: Older people’s plan", "Download this statement", "Revision 1, published",
                    "What people said and what we did", "You said", "We did", "Decision:", "We changed the plan",
                    "not shown", "bar chart", "11 responses were received: 10 from individuals and 1 from organisations.",
                    "How the responses were analysed", "Officers read the responses and coded"):
        assert english in page, english
    assert re.search(r"Revision 1, published \d{1,2} \w+ \d{4} at \d{1,2}:\d\d(am|pm)", page)
    for welsh in ("Datganiad ymgynghori", "Dywedoch chi", "heb ei ddangos", "Tachwedd"):
        assert welsh not in page
    responses = _text(client.get(f"/consultations/{consultation.slug}/responses"))
    assert "Published responses" in responses and "9 comments" in responses and "A respondent" in responses
    assert "Ymatebion a gyhoeddwyd" not in responses


def test_the_staff_preview_and_the_exports_stay_english(app):
    from engage.exports.docx import statement_docx
    from engage.exports.pdf import print_html

    consultation = _published(app)
    officer = officer_client(app)
    preview = _text(officer.get(base(consultation) + "/preview"))
    assert "What people said and what we did" in preview and "not shown" in preview
    revision = StatementRevision.query.filter_by(consultation_id=consultation.id).one()
    # Even inside a Welsh visitor's request, the exports are written in English.
    with app.test_request_context("/"):
        session["lang"] = "cy"
        printed = print_html(revision.content, revision)
        document = statement_docx(revision.content)
    assert "not shown" in printed and "heb ei ddangos" not in printed
    assert "Concern" in printed and "Pryder" not in printed
    assert b"Pryder" not in document and b"heb ei ddangos" not in document


def test_every_message_of_these_pages_has_welsh():
    catalog = _catalogue()
    ours = [message for message in catalog
            if message.id and any(path.startswith(SOURCES) for path, _ in message.locations)]
    assert len(ours) > 150
    missing = [message.id for message in ours
               if message.fuzzy or not (all(message.string) if message.pluralizable else message.string)]
    assert not missing, f"no Welsh (or fuzzy) for: {missing}"
    plurals = [message for message in ours if message.pluralizable]
    assert plurals and all(len(message.string) == 6 for message in plurals)


def test_every_label_the_content_stores_in_english_is_in_the_catalogue():
    from engage.published.views import CATALOGUE_ONLY, SHIPPED_LABELS
    from engage.publishing import suppression

    ids = {message.id: message.string for message in _catalogue() if message.id}
    for labels in (THEME_DECISION_LABELS.values(), CHANNEL_LABELS.values(), EVENT_KIND_LABELS.values(),
                   QUESTION_KIND_LABELS.values(), PLAN_TYPES):
        assert set(labels) <= set(CATALOGUE_ONLY) | set(ids), set(labels) - set(ids)
        assert set(labels) <= SHIPPED_LABELS
    assert suppression.NOTE in CATALOGUE_ONLY
    untranslated = [label for label in SHIPPED_LABELS if not ids.get(label)]
    assert not untranslated, untranslated
