"""Welsh (Cymraeg): the public journey in Welsh, and a complete, current catalogue.

The catalogue is translations/cy/LC_MESSAGES/messages.po (a source file, in git);
its compiled messages.mo is built by scripts/setup.sh, or here when it is missing
or older than the .po, so these tests also pass when run on their own.
"""
import html
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from engage.extensions import db

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")

# Source files whose text the public sees: every msgid from one must be translated.
PUBLIC_SOURCES = ("templates/public/", "templates/base.html", "templates/main/", "templates/errors/",
                  "engage/public/", "engage/mail.py")
WELSH_PLURAL_EXPR = "(n==0) ? 0 : (n==1) ? 1 : (n==2) ? 2 : (n==3) ? 3 :(n==6) ? 4 : 5"

UPDATE_HINT = ("run: .venv/bin/pybabel extract -F babel.cfg -k _l -k N_ --project=Engage "
               "--copyright-holder=\"Engage contributors\" -o translations/messages.pot engage templates "
               "&& .venv/bin/pybabel update -i translations/messages.pot -d translations, "
               "then translate the new entries in translations/cy/LC_MESSAGES/messages.po")


def _read_po(path):
    with open(path, "rb") as fileobj:
        return read_po(fileobj, locale="cy" if path == PO else None)


def _is_public(message):
    return any(filename.startswith(PUBLIC_SOURCES) for filename, _line in message.locations)


def _ids(catalog):
    """The message ids of a catalogue (a plural entry's id is its (singular, plural) pair)."""
    return {message.id for message in catalog if message.id}


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogue():
    """Compile messages.po to messages.mo when the .mo is missing or older (atomically, for xdist)."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        catalog = _read_po(PO)
        fd, tmp = tempfile.mkstemp(dir=MO.parent, prefix=".messages-", suffix=".mo")
        try:
            with os.fdopen(fd, "wb") as fileobj:
                write_mo(fileobj, catalog)  # fuzzy entries are left out, as pybabel compile does
            os.replace(tmp, MO)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return MO


# --- Pages ---------------------------------------------------------------------------

def _text(response):
    """The page as text, with entities decoded (’ and ô may arrive as &#39; or raw)."""
    return html.unescape(response.get_data(as_text=True))


def _visible(page):
    """The page's text without its tags (so without values like value="Under 16")."""
    return re.sub(r"<[^>]*>", " ", page)


def _in_welsh(client):
    response = client.get("/language/cy?next=/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")


def _leaked_english(page):
    """Translated public msgids (3 words or more, no placeholders) that appear in English on the page."""
    catalog = _read_po(PO)
    leaked = []
    for message in catalog:
        if not message.id or message.pluralizable or not _is_public(message):
            continue
        if "%(" in message.id or len(message.id.split()) < 3 or message.string == message.id:
            continue
        if message.id in page:
            leaked.append(message.id)
    return leaked


def assert_welsh(response, *welsh, absent=(), status=200):
    """The page is in Welsh: lang="cy", the Welsh strings present, the English ones absent."""
    assert response.status_code == status, response.status_code
    page = _text(response)
    assert '<html lang="cy"' in page
    for text in welsh:
        assert text in page, f"{text!r} not on the page"
    visible = _visible(page)
    for text in absent:
        assert text not in visible, f"English {text!r} still on the page"
    leaked = _leaked_english(visible)
    assert not leaked, f"untranslated text on a Welsh page: {leaked}"
    return page


@pytest.fixture
def consultation(make_consultation):
    """An open consultation with a draft plan and one (optional, free-text) question."""
    return make_consultation(title="Cynllun Ardal", status="open")


def test_home_and_consultation_pages_in_welsh(client, consultation):
    _in_welsh(client)
    assert_welsh(client.get("/"), "Dweud eich dweud", "Ymgynghoriadau agored", "Neidio i’r prif gynnwys",
                 "Dweud eich dweud am gynlluniau drafft",
                 absent=("Have your say", "Open consultations", "Skip to main content", "Staff sign in"))
    assert_welsh(client.get(f"/consultations/{consultation.slug}"), "Ffyrdd o ymateb", "Ymateb ar-lein",
                 "Pwy sy’n ymgynghori", "Darllen y cynllun drafft",
                 absent=("Ways to respond", "Respond online", "Who is consulting", "Read the draft plan"))
    assert_welsh(client.get(f"/consultations/{consultation.slug}/plan"), "Cynnwys", "Yn ôl",
                 absent=("Read the sections that matter to you",))


def test_response_journey_in_welsh(client, consultation):
    slug = consultation.slug
    groups = [group.id for group in consultation.stakeholder_groups]
    locality = consultation.localities[0].id
    question = consultation.questions[0].id
    _in_welsh(client)

    assert_welsh(client.get(f"/consultations/{slug}/respond"), "Ymateb i’r ymgynghoriad", "Dechrau nawr",
                 "1 dudalen o gwestiynau am y cynllun drafft", "Does dim angen cyfrif arnoch chi.",
                 absent=("Start now", "Respond to the consultation", "pages of questions"))
    start = client.get(f"/consultations/{slug}/respond").get_data(as_text=True)
    assert f'href="/consultations/{slug}/respond/about" role="button"' in start  # "Start now" links to about you

    assert_welsh(client.get(f"/consultations/{slug}/respond/about"), "Amdanoch chi", "Cadw a pharhau",
                 "Cadw a dod yn ôl nes ymlaen", "Ydych chi’n ymateb fel unigolyn neu ar ran sefydliad?",
                 "Fel unigolyn", "Ar ran sefydliad", "Enw’r sefydliad", "Pa rai o’r rhain sy’n eich disgrifio chi?",
                 "Dewiswch bob un sy’n berthnasol.", "Ble rydych chi’n byw neu’n gweithio?", "Y tu allan i’r ardal",
                 absent=("About you", "Save and continue", "Save and come back later", "As an individual",
                         "Which of these describe you?"))
    # Nothing chosen: the error summary and the messages are Welsh too.
    assert_welsh(client.post(f"/consultations/{slug}/respond/about", data={"submit": "y"}),
                 "Mae problem wedi codi", "Gwall:", "Dewiswch o leiaf un grŵp sy’n eich disgrifio chi",
                 "Dewiswch ble rydych chi’n byw neu’n gweithio",
                 absent=("There is a problem", "Select at least one group", "Select where you live or work"),
                 status=400)
    about = client.post(f"/consultations/{slug}/respond/about", data={
        "respondent_type": "individual", "groups": [str(groups[0])], "locality": str(locality), "submit": "y"})
    assert about.status_code == 302 and about.headers["Location"].endswith("/respond/questions/1")

    assert_welsh(client.get(f"/consultations/{slug}/respond/questions/1"), "Cwestiynau, tudalen 1 o 1",
                 "Cwestiynau cyffredinol", "(dewisol)", "Cadw a pharhau",
                 absent=("General questions", "Save and continue", "(optional)"))
    answered = client.post(f"/consultations/{slug}/respond/questions/1",
                           data={f"q{question}": "Mwy o fysiau, os gwelwch yn dda.", "submit": "y"})
    assert answered.status_code == 302 and answered.headers["Location"].endswith("/respond/consent")

    assert_welsh(client.get(f"/consultations/{slug}/respond/consent"), "Cyhoeddi eich ymateb",
                 "A gawn ni gyhoeddi eich ymateb?", "Cewch, cyhoeddwch fy ymateb heb fy enw",
                 "Na chewch, peidiwch â chyhoeddi fy ymateb", "Eich enw (dewisol)",
                 absent=("Can we publish your response?", "Publishing your response"))
    consent = client.post(f"/consultations/{slug}/respond/consent",
                          data={"consent": "publish_anonymous", "submit": "y"})
    assert consent.status_code == 302 and consent.headers["Location"].endswith("/respond/equality")

    assert_welsh(client.get(f"/consultations/{slug}/respond/equality"), "Cwestiynau cydraddoldeb (dewisol)",
                 "Beth yw eich oed?", "Beth yw eich grŵp ethnig?", "O dan 16", "75 neu hŷn", "Benyw", "Gwryw", "Ie", "Na",
                 "Mae’n well gen i beidio â dweud", "Hepgor y cwestiynau hyn", "Cadw a pharhau",
                 absent=("What is your age?", "Under 16", "Female", "Prefer not to say", "Skip these questions",
                         "Equality questions"))
    # The stored value stays English whatever the language of the label.
    equality = client.post(f"/consultations/{slug}/respond/equality",
                           data={"age_band": "Under 16", "sex": "prefer_not_to_say", "submit": "y"})
    assert equality.status_code == 302 and equality.headers["Location"].endswith("/respond/check")
    from engage.models import EqualityMonitoring

    db.session.rollback()
    record = EqualityMonitoring.query.one()
    assert (record.age_band, record.sex) == ("Under 16", "prefer_not_to_say")

    assert_welsh(client.get(f"/consultations/{slug}/respond/check"), "Gwirio eich atebion cyn anfon eich ymateb",
                 "Newid", "Fel unigolyn", "Cyhoeddi heb fy enw", "Wedi ateb", "Cyflwyno eich ymateb",
                 absent=("Check your answers", "Submit your response", "Change<"))
    submitted = client.post(f"/consultations/{slug}/respond/check", data={"submit": "y"})
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith("/respond/done")
    assert_welsh(client.get(f"/consultations/{slug}/respond/done"), "Ymateb wedi’i gyflwyno", "Eich cyfeirnod",
                 "Beth sy’n digwydd nesaf", absent=("Response submitted", "What happens next"))


def test_error_pages_in_welsh(client):
    _in_welsh(client)
    assert_welsh(client.get("/consultations/no-such-consultation"), "Heb ddod o hyd i’r dudalen",
                 "Mynd i’r hafan", absent=("Page not found", "Go to the home page"), status=404)


def test_switching_back_to_english(client, consultation):
    _in_welsh(client)
    assert "Dechrau nawr" in _text(client.get(f"/consultations/{consultation.slug}/respond"))
    response = client.get(f"/language/en?next=/consultations/{consultation.slug}/respond")
    assert response.status_code == 302
    page = _text(client.get(f"/consultations/{consultation.slug}/respond"))
    assert '<html lang="en"' in page
    assert "Start now" in page and "Respond to the consultation" in page
    assert "1 page of questions about the draft plan" in page
    assert "Dechrau nawr" not in page
    home = _text(client.get("/"))
    assert "Have your say" in home and "Dweud eich dweud" not in home


def test_unknown_language_is_ignored(client):
    client.get("/language/fr?next=/")
    assert '<html lang="en"' in _text(client.get("/"))


# --- The catalogue ---------------------------------------------------------------------

def test_public_messages_are_all_translated():
    catalog = _read_po(PO)
    public = [message for message in catalog if message.id and _is_public(message)]
    assert len(public) > 150
    untranslated = [message.id for message in public
                    if not all(message.string if message.pluralizable else [message.string])]
    assert not untranslated, f"no Welsh for: {untranslated}"
    fuzzy = [message.id for message in public if message.fuzzy]
    assert not fuzzy, f"fuzzy (unchecked) Welsh for: {fuzzy}"
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalog.check()]
    assert not problems, f"placeholders or plural forms do not match: {problems}"


def test_welsh_plural_forms():
    catalog = _read_po(PO)
    assert catalog.num_plurals == 6
    assert catalog.plural_expr.replace(" ", "") == WELSH_PLURAL_EXPR.replace(" ", "")


def test_compiled_catalogue_is_current(compiled_catalogue):
    """The .mo has every public message of the .po, translated (so none is fuzzy)."""
    with open(compiled_catalogue, "rb") as fileobj:
        compiled = read_mo(fileobj)
    translations = {tuple(message.id) if isinstance(message.id, list) else message.id: message.string
                    for message in compiled if message.id}
    missing = [message.id for message in _read_po(PO)
               if message.id and _is_public(message) and not translations.get(message.id)]
    assert not missing, f"not in the compiled catalogue (fuzzy, or the .mo is stale): {missing}"


def test_messages_pot_is_up_to_date(tmp_path):
    """Re-extracting gives the msgids of translations/messages.pot, and the .po has the same ones."""
    fresh = tmp_path / "messages.pot"
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "N_", "-o", str(fresh), "engage", "templates"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    extracted, committed, welsh = _ids(_read_po(fresh)), _ids(_read_po(POT)), _ids(_read_po(PO))
    assert extracted, "nothing extracted: check babel.cfg"
    assert not extracted - committed, f"new strings not in messages.pot ({UPDATE_HINT}): {extracted - committed}"
    assert not committed - extracted, f"messages.pot has strings no longer used ({UPDATE_HINT}): " \
                                      f"{committed - extracted}"
    assert welsh == committed, f"messages.po is out of step with messages.pot ({UPDATE_HINT})"


def test_n_marks_every_equality_option():
    """Equality options are stored in English and shown through _l(option): each must be in the catalogue."""
    from engage.public.forms import PREFER_NOT, EqualityForm

    source = (ROOT / "engage/public/forms.py").read_text(encoding="utf-8")
    marked = set(re.findall(r'N_\("([^"]+)"\)', source))
    ids = _ids(_read_po(PO))
    options = set()
    for name in EqualityForm.FIELDS:
        field = getattr(EqualityForm, name)
        options.update(value for value, _label in field.kwargs["choices"] if value != PREFER_NOT)
    assert options <= marked, f"mark with N_(): {options - marked}"
    assert options <= ids, f"not extracted: {options - ids}"


def test_the_hidden_error_prefix_by_each_field_is_welsh(client):
    """Screen readers hear "Gwall:" before each field's message on Welsh pages."""
    from tests.factories import make_consultation

    consultation = make_consultation(status="open")
    client.get("/language/cy?next=/")
    client.post(f"/consultations/{consultation.slug}/respond")
    page = client.post(f"/consultations/{consultation.slug}/respond/about", data={}).get_data(as_text=True)
    assert '<span class="govuk-visually-hidden">Gwall:</span>' in page
    assert '<span class="govuk-visually-hidden">Error:</span>' not in page


def test_default_groups_and_the_agree_scale_are_shown_in_welsh_and_stored_in_english(client):
    from engage.consultations import services
    from engage.extensions import db
    from engage.models import Answer
    from tests.factories import make_consultation

    consultation = make_consultation(status="open")
    question = services.add_question(consultation, "Do you agree?", kind="agree_scale")
    db.session.commit()
    client.get("/language/cy?next=/")
    client.post(f"/consultations/{consultation.slug}/respond")
    about = client.get(f"/consultations/{consultation.slug}/respond/about").get_data(as_text=True)
    assert "Aelodau o’r cyhoedd" in about and "Members of the public" not in about
    pages = [p for p in range(1, 4)
             if f'name="q{question.id}"' in client.get(f"/consultations/{consultation.slug}/respond/questions/{p}").get_data(as_text=True)]
    page = client.get(f"/consultations/{consultation.slug}/respond/questions/{pages[0]}").get_data(as_text=True)
    assert "Cytuno’n gryf" in page
    client.post(f"/consultations/{consultation.slug}/respond/questions/{pages[0]}", data={f"q{question.id}": "Strongly agree"})
    db.session.rollback()
    assert Answer.query.filter_by(question_id=question.id).one().choices == ["Strongly agree"]
