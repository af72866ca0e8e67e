"""Who may be quoted and what of their words may be shown."""
from engage.extensions import db
from engage.models import FeedbackItem, Redaction
from engage.publishing import quotes
from tests.factories import make_consultation, make_response


def _item(consultation, consent, text="Ring me on 07700 900123 about the buses", **fields):
    response = make_response(consultation, consent=consent, respondent_name="Ann Example")
    item = FeedbackItem(consultation_id=consultation.id, response_id=response.id, text=text, **fields)
    db.session.add(item)
    db.session.flush()
    return item


def test_only_consented_submitted_items_that_are_not_withheld_may_be_quoted(app):
    consultation = make_consultation(title="Quotes", with_draft=True, with_question=True)
    named = _item(consultation, "publish_named")
    anonymous = _item(consultation, "publish_anonymous")
    refused = _item(consultation, "do_not_publish")
    withheld = _item(consultation, "publish_named", withheld=True, withheld_reason="Abusive")
    note = FeedbackItem(consultation_id=consultation.id, text="Workshop note", source="event_note")
    db.session.add(note)
    db.session.commit()
    allowed = {item.id for item in quotes.publishable_items(consultation)}
    assert allowed == {named.id, anonymous.id}
    assert [quotes.is_publishable(item) for item in (named, anonymous, refused, withheld, note)] == [
        True, True, False, False, False]
    assert quotes.attribution(named.response) == "Ann Example"
    assert quotes.attribution(anonymous.response) == "A respondent"


def test_public_text_applies_only_confirmed_redactions(app):
    consultation = make_consultation(title="Redactions", with_draft=True, with_question=True)
    item = _item(consultation, "publish_named")
    start = item.text.index("07700")
    db.session.add(Redaction(item_id=item.id, start=start, end=start + 12, kind="phone", status="suggested"))
    db.session.commit()
    assert "07700 900123" in quotes.public_text(item)
    Redaction.query.one().status = "confirmed"
    db.session.commit()
    assert quotes.public_text(item) == "Ring me on [phone number removed] about the buses"


def test_a_redaction_that_no_longer_fits_the_edited_text_hides_the_whole_comment(app):
    consultation = make_consultation(title="Edited", with_draft=True, with_question=True)
    item = _item(consultation, "publish_named")
    start = item.text.index("07700")
    db.session.add(Redaction(item_id=item.id, start=start, end=start + 12, kind="phone", status="confirmed"))
    item.text = "Ring me"
    db.session.commit()
    assert quotes.public_text(item) == quotes.BEING_CHECKED


def test_a_redaction_whose_words_changed_hides_the_whole_comment(app):
    consultation = make_consultation(title="Edited again", with_draft=True, with_question=True)
    item = _item(consultation, "publish_named")
    start = item.text.index("07700")
    db.session.add(Redaction(item_id=item.id, start=start, end=start + 12, kind="phone", status="confirmed",
                             span_hash=quotes.span_hash("07700 900123")))
    db.session.commit()
    assert quotes.public_text(item) == "Ring me on [phone number removed] about the buses"
    # Same length, different place: the old span would now hide the wrong words.
    item.text = "Ring me abo 07700 900123 ut the buses"
    db.session.commit()
    assert quotes.public_text(item) == quotes.BEING_CHECKED
