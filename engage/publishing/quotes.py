"""What may be published of what people said: the consent rule, redactions and moderation, in one place.

Every page, statement and export that shows a respondent's words goes through
`publishable_items()` (who may be quoted) and `public_text()` (what of their words
may be shown), so a response without consent, a withheld item or a confirmed
redaction behaves the same everywhere.
"""
import hashlib

from sqlalchemy import and_, select

from engage.extensions import db
from engage.models import FeedbackItem, Redaction, Response
from engage.publishing.redaction import apply_redactions

PUBLISHABLE_CONSENTS = ("publish_named", "publish_anonymous")
# Shown instead of the words when a confirmed redaction no longer fits the text (the item was
# edited after it was redacted): publishing nothing is safe, guessing could reveal the details.
BEING_CHECKED = "[This comment is being checked before publication]"


def publishable_condition():
    """SQL condition on FeedbackItem joined to Response: consented, submitted, not withheld.

    Items with no response (workshop notes) are never quoted: nobody consented for them.
    """
    return and_(FeedbackItem.withheld.is_(False), Response.status == "submitted",
                Response.consent.in_(PUBLISHABLE_CONSENTS))


def publishable_items(consultation):
    """A query of the consultation's feedback items that may be quoted."""
    return (FeedbackItem.query.join(Response, Response.id == FeedbackItem.response_id)
            .filter(FeedbackItem.consultation_id == consultation.id, publishable_condition()))


def is_publishable(item):
    """True if this one item may be quoted."""
    response = item.response
    return (not item.withheld and response is not None and response.status == "submitted"
            and response.consent in PUBLISHABLE_CONSENTS)


def span_hash(words):
    """The fingerprint stored with a redaction: SHA-256 of exactly the characters it hides."""
    return hashlib.sha256(words.encode("utf-8")).hexdigest()


def redaction_still_fits(redaction, text):
    """True while the redaction's span is inside the text and holds the words it was made for."""
    if redaction.end > len(text):
        return False
    return redaction.span_hash is None or redaction.span_hash == span_hash(text[redaction.start:redaction.end])


def confirmed_redactions(item_ids):
    """{item_id: [Redaction, ...]} of confirmed redactions, for many items in one query."""
    by_item = {}
    if not item_ids:
        return by_item
    for redaction in db.session.scalars(select(Redaction).where(Redaction.item_id.in_(list(item_ids)),
                                                                Redaction.status == "confirmed")):
        by_item.setdefault(redaction.item_id, []).append(redaction)
    return by_item


def public_text(item, redactions=None):
    """The item's text as it may be published: confirmed redactions applied.

    Pass `redactions` (this item's confirmed Redaction rows, from confirmed_redactions())
    when showing many items, to avoid a query per item.
    """
    if redactions is None:
        redactions = confirmed_redactions([item.id]).get(item.id, [])
    if not all(redaction_still_fits(redaction, item.text) for redaction in redactions):
        return BEING_CHECKED
    replacements = {redaction.kind: redaction.replacement for redaction in redactions
                    if redaction.replacement and redaction.replacement != "[redacted]"}
    return apply_redactions(item.text, redactions, replacement_for=replacements or None)


def attribution(response):
    """Who is quoted: the name or organisation they agreed to publish, else an anonymous description."""
    if response is None or response.consent != "publish_named":
        if response is not None and response.respondent_type == "organisation":
            return "An organisation"
        return "A respondent"
    if response.respondent_type == "organisation" and response.organisation_name:
        return response.organisation_name
    return response.respondent_name or "A respondent"
