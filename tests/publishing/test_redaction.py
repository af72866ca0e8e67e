"""Redaction suggestions: personal details found in what people said, and hidden before publication."""
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engage.publishing.redaction import (
    KINDS,
    Span,
    apply_redactions,
    find_personal_details,
    valid_chi_number,
    valid_nhs_number,
)


def check_digit(nine_digits):
    """The modulus 11 check digit, written out independently of the code under test (None: no valid number)."""
    total = sum(int(digit) * (10 - position) for position, digit in enumerate(nine_digits))
    check = (11 - total % 11) % 11
    return None if check == 10 else check


def with_check_digit(nine_digits):
    """Nine digits completed into a number that passes the modulus 11 check."""
    check = check_digit(nine_digits)
    assert check is not None, nine_digits
    return nine_digits + str(check)


def wrong_check_digit(nine_digits):
    """Nine digits completed with a check digit that fails."""
    check = check_digit(nine_digits)
    return nine_digits + str(((check or 0) + 1) % 10)


def found(text):
    """(kind, text) of each suggestion, in text order."""
    return [(span.kind, span.text) for span in find_personal_details(text)]


# A CHI number for someone born 1 January 1980, and an England NHS number.
CHI = with_check_digit("010180123")
NHS = with_check_digit("943476591")


def test_worked_examples_of_the_check_digit():
    assert NHS == "9434765919"  # the NHS Data Dictionary's example
    assert valid_nhs_number("943 476 5919") and valid_nhs_number("943-476-5919")
    assert valid_nhs_number("4010232137")
    assert not valid_nhs_number("9434765910")
    # 1234567890: the check digit would have to be 10, so no number starting 123456789 is valid.
    assert check_digit("123456789") is None
    assert not valid_nhs_number("1234567890")
    assert not valid_nhs_number("943476591")  # nine digits
    assert not valid_nhs_number("94347659199")  # eleven
    assert not valid_nhs_number("943 476 591x")


def test_chi_numbers_need_a_real_date_and_the_check_digit():
    assert valid_chi_number(CHI)
    assert not valid_chi_number(wrong_check_digit("010180123"))
    # Right check digit, impossible dates.
    for impossible in ("310280123", "320180123", "001280123", "011380123", "010080123"):
        assert check_digit(impossible) is not None
        assert not valid_chi_number(with_check_digit(impossible))
    # 29 February only in leap years; 00 counts (2000 was one).
    leap = next(f"290200{n:03d}" for n in range(1000) if check_digit(f"290200{n:03d}") is not None)
    not_leap = next(f"290201{n:03d}" for n in range(1000) if check_digit(f"290201{n:03d}") is not None)
    assert valid_chi_number(with_check_digit(leap))
    assert not valid_chi_number(with_check_digit(not_leap))


# ---------------------------------------------------------------------------
# Each kind in the kind of sentence people write


@pytest.mark.parametrize(
    ("sentence", "kind", "detail"),
    [
        ("You can email me at jane.smith@example.org if you want to hear more.", "email", "jane.smith@example.org"),
        ("Contact: o'neill+consult@nhs.scot (weekdays)", "email", "o'neill+consult@nhs.scot"),
        ("Ring me on 0131 536 1000 any morning.", "phone", "0131 536 1000"),
        ("My mobile is 07700 900123, evenings are best.", "phone", "07700 900123"),
        ("Our office: +44 (0)20 7946 0018.", "phone", "+44 (0)20 7946 0018"),
        ("Call (0131) 536 1000 for the day centre", "phone", "(0131) 536 1000"),
        ("The number (0131 536 1000) never gets answered", "phone", "0131 536 1000"),
        ("Text 07700-900-123 after six", "phone", "07700-900-123"),
        ("Or +447700900123", "phone", "+447700900123"),
        ("The freephone 0800 123 4567 was engaged", "phone", "0800 123 4567"),
        ("I live at EH1 3EG, near the station.", "postcode", "EH1 3EG"),
        ("postcode g12 8qq", "postcode", "g12 8qq"),
        ("Send it to SW1A 1AA please", "postcode", "SW1A 1AA"),
        ("We are at eh13eg now", "postcode", "eh13eg"),
        ("My NHS number is 943 476 5919 if that helps.", "nhs_number", "943 476 5919"),
        ("NHS no. 943-476-5919.", "nhs_number", "943-476-5919"),
        (f"My CHI is {CHI} and the GP has it.", "chi_number", CHI),
        (f"CHI {CHI[:6]} {CHI[6:]}", "chi_number", f"{CHI[:6]} {CHI[6:]}"),
        ("My NI number is AB 12 34 56 C, I was told to include it.", "ni_number", "AB 12 34 56 C"),
        ("ni: ab123456d", "ni_number", "ab123456d"),
        ("Details at https://example.org/our-plan?page=2.", "url", "https://example.org/our-plan?page=2"),
        ("See www.nhslothian.scot, it has more.", "url", "www.nhslothian.scot"),
        ("(see http://example.org/a_(b))", "url", "http://example.org/a_(b)"),
    ],
)
def test_each_kind_is_found_with_its_exact_text(sentence, kind, detail):
    assert found(sentence) == [(kind, detail)]
    span = find_personal_details(sentence)[0]
    assert sentence[span.start : span.end] == detail
    assert span.reason.startswith("Looks like")


def test_reasons_are_plain_english():
    reasons = {span.kind: span.reason for span in find_personal_details(
        f"NHS 943 476 5919, CHI {CHI}, mobile 07700 900123, landline 0131 536 1000")}
    assert reasons["nhs_number"] == "Looks like an NHS number (checksum valid)"
    assert "CHI number" in reasons["chi_number"] and "checksum valid" in reasons["chi_number"]
    spans = find_personal_details("mobile 07700 900123, landline 0131 536 1000")
    assert [span.reason for span in spans] == ["Looks like a UK mobile phone number", "Looks like a UK phone number"]


def test_several_details_in_one_response_come_back_in_text_order():
    text = ("Dr Patel said to ring 0131 536 1000 or email clinic@example.org; "
            "I live at EH1 3EG and my NHS number is 943 476 5919.")
    assert found(text) == [
        ("name", "Patel"),
        ("phone", "0131 536 1000"),
        ("email", "clinic@example.org"),
        ("postcode", "EH1 3EG"),
        ("nhs_number", "943 476 5919"),
    ]


# ---------------------------------------------------------------------------
# Numbers that are not personal details


@pytest.mark.parametrize("nine", ["943476591", "401023213", "612345678", "734567891", "450557710"])
def test_numbers_failing_the_nhs_check_are_not_suggested(nine):
    valid = with_check_digit(nine)
    invalid = wrong_check_digit(nine)
    assert found(f"Ref {valid[:3]} {valid[3:6]} {valid[6:]} today")[0][0] == "nhs_number"
    assert found(f"Ref {invalid[:3]} {invalid[3:6]} {invalid[6:]} today") == []
    assert found(f"Ref {invalid} today") == []


def test_a_chi_number_with_a_wrong_check_digit_or_date_is_not_a_chi_number():
    bad_check = wrong_check_digit("311299123")
    assert found(f"CHI {bad_check}") == []
    # A real check digit but no 31st of February: still a valid NHS-style number.
    not_a_date = with_check_digit("310280123")
    assert found(f"number {not_a_date}") == [("nhs_number", not_a_date)]


def test_a_number_that_is_both_a_chi_and_an_nhs_number_is_called_a_chi_number():
    assert valid_nhs_number(CHI) and valid_chi_number(CHI)
    assert found(f"my number {CHI}") == [("chi_number", CHI)]


def test_a_chi_number_that_also_looks_like_a_phone_number_is_one_chi_suggestion():
    # CHI numbers for the first nine days of a month start with 0, like landlines.
    assert CHI.startswith("01")
    assert found(f"call {CHI} tomorrow") == [("chi_number", CHI)]


@pytest.mark.parametrize(
    "text",
    [
        "In 2019 and 2020 we waited too long.",
        "It cost £1,500,000 and then £2,000,000 more.",
        "The budget is 10 000 000 over 5 years.",
        "Appointments on 01/02/2023, 12.03.2024 and 2023-01-02.",
        "Dates like 01 02 2023 and 05 06 2023 10 30 are not phone numbers.",
        "Open 0900-1700, or 09:30 to 17:30.",
        "About 1000 people, 0.5% of them over 85.",
        "Room 0131 is on the first floor.",
        "Sort code 04-00-04 is the bank's.",
        "Order reference 012345678901234 was lost.",
        "£07700900123 is a strange amount.",
        "A score of 0.07700900123 is tiny.",
        "Population 5,436,600 in 2022/23.",
        "The 1st, 2nd and 3rd meetings were at 10am, 2pm and 7pm.",
        "The A1 road, B12 vitamins and COVID-19.",
        "Nearly 1234567890 reasons.",
    ],
)
def test_years_money_dates_and_counts_are_not_suggested(text):
    assert find_personal_details(text) == []


def test_a_phone_number_is_not_swallowed_by_the_numbers_around_it():
    assert found("Call 0131 536 1000 2 times") == [("phone", "0131 536 1000")]
    assert found("0131 536 1000 0131 536 1001") == [("phone", "0131 536 1000"), ("phone", "0131 536 1001")]
    assert found("Try 01 0131 536 1000") == [("phone", "0131 536 1000")]
    assert found("Try 01315361000abc") == []


@pytest.mark.parametrize("number", ["0131 536 1000", "07700 900123", "020 7946 0018", "0044 131 536 1000"])
def test_phone_numbers_glued_to_words_or_amounts_are_not_suggested(number):
    # (Only the phone reading is refused: "131 536 1000" inside the last one happens
    # to pass the NHS check, and a separate ten-digit group is still suggested.)
    assert "phone" not in [kind for kind, _ in found(f"ref{number}")]
    assert "phone" not in [kind for kind, _ in found(f"£{number}")]
    assert found("ref0131 536 1000") == []


# ---------------------------------------------------------------------------
# National Insurance numbers


@pytest.mark.parametrize(
    "number",
    [
        "AB 12 34 56 C", "AB123456C", "ab 123456 d", "JG 10 37 59 A", "ZY 99 99 99 B", "CE123456A",
    ],
)
def test_national_insurance_numbers_are_found(number):
    assert found(f"NI number {number} thanks") == [("ni_number", number)]


@pytest.mark.parametrize(
    "number",
    [
        # First letter never D, F, I, Q, U or V.
        "DA123456A", "FA123456A", "IA123456A", "QA123456A", "UA123456A", "VA123456A",
        # Second letter never D, F, I, O, Q, U or V.
        "AD123456A", "AF123456A", "AI123456A", "AO123456A", "AQ123456A", "AU123456A", "AV123456A",
        # Prefixes never issued.
        "BG123456A", "GB123456A", "KN123456A", "NK123456A", "NT123456A", "TN123456A", "ZZ123456A",
        "gb 12 34 56 a",
        # The suffix is A to D; there are six digits.
        "AB123456E", "AB12345C", "AB1234567C",
        # HMRC's own example, deliberately invalid.
        "QQ 12 34 56 C",
    ],
)
def test_national_insurance_exclusions_are_not_suggested(number):
    assert [kind for kind, _ in found(f"NI number {number} thanks")] == []


# ---------------------------------------------------------------------------
# Postcodes


@pytest.mark.parametrize(
    "postcode",
    ["EH1 3EG", "eh1 3eg", "EH13EG", "G12 8QQ", "g128qq", "SW1A 1AA", "sw1a1aa", "W1A 0AX", "M1 1AE",
     "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "KW1 4YT", "GIR 0AA"],
)
def test_postcode_variants_are_found(postcode):
    assert found(f"I live at {postcode}, by the shops.") == [("postcode", postcode)]


@pytest.mark.parametrize(
    "text",
    [
        "Everyone in EH1 knows the problem.",  # an area, not an address
        "We met in G12 last week.",
        "The M1 3PM meeting",  # M is never in the inward code
        "Code AB12CD34 is a reference",
        "QA1 1AA is not a postcode area",
    ],
)
def test_things_that_are_not_full_postcodes_are_not_suggested(text):
    assert found(text) == []


# ---------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Dr Patel at the surgery was very helpful.", ["Patel"]),
        ("Thanks to Nurse Brown and Sister O'Neill on ward 7.", ["Brown", "O'Neill"]),
        ("Councillor Jane McDonald promised a new bus.", ["Jane McDonald"]),
        ("I wrote to Mr. J. Smith and Mrs Smith-Jones.", ["J. Smith", "Smith-Jones"]),
        ("Prof Siân Evans spoke first", ["Siân Evans"]),
        ("Nurse Practitioner Jones saw me in the end", ["Jones"]),
        ("Mr Smith's wife is my carer", ["Smith"]),
        ("My name is Jane Smith and I care for my dad.", ["Jane Smith"]),
        ("I'm called Bob, I use the day centre", ["Bob"]),
        ("This is Mary from the carers centre.", ["Mary"]),
        ("Name: Jane Smith\nAddress: 1 High Street", ["Jane Smith"]),
        ("my husband John has dementia and the respite stopped.", ["John"]),
        ("Our late father, Tom Reid, waited a year.", ["Tom Reid"]),
        ("Great plan, more buses please.\n\nKind regards,\nJane Smith", ["Jane Smith"]),
        ("Great plan. Thanks, John", ["John"]),
        ("Yours sincerely\n\nDr A Patel\nGP partner", ["A Patel"]),
        ("Many thanks!\r\nRob Brown\r\n", ["Rob Brown"]),
        ("Keep the library open.\n— J. Smith", ["J. Smith"]),
    ],
)
def test_names_are_found_next_to_a_cue(text, names):
    assert found(text) == [("name", name) for name in names]


def test_a_title_stays_in_the_text_and_only_the_name_is_removed():
    text = "Dr Patel and Nurse Brown were brilliant."
    assert apply_redactions(text, find_personal_details(text)) == (
        "Dr [name removed] and Nurse [name removed] were brilliant.")


def test_a_signature_reason_names_the_closing():
    (span,) = find_personal_details("Good plan.\nKind regards,\nJane Smith")
    assert span.reason == "Looks like a name signing off the message (after “Kind regards”)"
    (span,) = find_personal_details("Dr Patel was kind")
    assert span.reason == "Looks like a name after the title “Dr”"


@pytest.mark.parametrize(
    "text",
    [
        "My Dr appointment was cancelled twice.",
        "The Dr Appointment system is hopeless.",
        "The Nurse Practitioner service is good.",
        "Dear Sir or Madam, I object.",
        "Kind regards,\nThe Carers Centre",
        "Kind regards,\nCarers Forum Team",
        "Thanks to everyone involved.",
        "Many thanks for the plan, it is good.",
        "Thank you\nI think it is a good plan",
        "my son has autism and my mum is 90",
        "My name is not important.",
        "This is Mary's idea, from what I can see",
        "Transport in Edinburgh and Glasgow is poor.",  # no cue: places are left alone
        "- Transport\n- Carers",  # a list, not a signature
        "Dr J was late",  # a lone initial
    ],
)
def test_capitalised_words_that_are_not_names_are_not_suggested(text):
    assert found(text) == []


def test_a_name_stops_at_the_first_word_that_is_not_a_name():
    assert found("My name is Jane and I live alone") == [("name", "Jane")]
    assert found("Dr Patel The surgery is great") == [("name", "Patel")]


# ---------------------------------------------------------------------------
# Overlapping candidates


def test_overlapping_candidates_keep_the_longer_one():
    # The postcode-looking and phone-looking parts of these are inside a longer detail.
    assert found("See https://example.org/eh13eg/07700900123 now") == [
        ("url", "https://example.org/eh13eg/07700900123")]
    assert found("write to 07700900123@example.org") == [("email", "07700900123@example.org")]
    assert found("write to eh13eg@example.org") == [("email", "eh13eg@example.org")]
    assert found("mail jane@www.example.org") == [("email", "jane@www.example.org")]


def test_overlapping_candidates_of_equal_length_keep_the_more_specific_kind():
    # Same characters, two readings: the checksum-validated one wins.
    assert found(f"{CHI}") == [("chi_number", CHI)]
    # The same name found by two cues is suggested once.
    assert found("Thanks for listening.\nKind Regards\nDr Jane Smith") == [("name", "Jane Smith")]


def test_spans_are_sorted_and_never_overlap():
    text = f"Dr Patel, {CHI}, jane@example.org, https://x.org/jane@example.org EH1 3EG 0131 536 1000"
    spans = find_personal_details(text)
    assert spans == sorted(spans)
    for before, after in zip(spans, spans[1:]):
        assert before.end <= after.start


# ---------------------------------------------------------------------------
# Applying redactions


def test_apply_redactions_to_a_response_with_many_kinds_of_detail():
    text = (
        "My name is Jane Smith (NHS 943 476 5919, NI AB 12 34 56 C). Call 07700 900123 or "
        f"jane@example.org, or visit www.example.org. I live at EH1 3EG. Mum's CHI is {CHI}."
    )
    assert apply_redactions(text, find_personal_details(text)) == (
        "My name is [name removed] (NHS [NHS number removed], NI [National Insurance number removed]). "
        "Call [phone number removed] or [email removed], or visit [link removed]. "
        "I live at [postcode removed]. Mum's CHI is [CHI number removed]."
    )


def test_replacements_can_be_overridden_per_kind():
    text = "Dr Patel: 0131 536 1000"
    assert apply_redactions(text, find_personal_details(text), replacement_for={"name": "[staff member]"}) == (
        "Dr [staff member]: [phone number removed]")


def test_spans_in_any_order_and_overlapping_spans_are_merged():
    text = "call 0131 536 1000 now"
    spans = [
        Span(10, 18, "phone", "536 1000", ""),
        Span(5, 13, "phone", "0131 536", ""),
    ]
    assert apply_redactions(text, spans) == "call [phone number removed] now"
    # A merged region takes the notice of its longest part.
    mixed = [Span(0, 4, "name", "call", ""), Span(2, 18, "phone", "ll 0131 536 1000", "")]
    assert apply_redactions(text, mixed) == "[phone number removed] now"


def test_apply_redactions_accepts_stored_redactions_and_unknown_kinds():
    text = "Tell Jane at the Tuesday group"
    stored = [SimpleNamespace(start=5, end=9, kind="name"), SimpleNamespace(start=17, end=24, kind="other")]
    assert apply_redactions(text, stored) == "Tell [name removed] at the [details removed] group"
    assert apply_redactions(text, [SimpleNamespace(start=0, end=4, kind="mystery")]) == (
        "[details removed] Jane at the Tuesday group")


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (3, 3), (5, 2), (0, 99)])
def test_a_span_outside_the_text_is_refused(start, end):
    with pytest.raises(ValueError):
        apply_redactions("short text", [Span(start, end, "name", "", "")])


def test_nothing_to_remove_returns_the_text_unchanged():
    assert apply_redactions("nothing here", []) == "nothing here"
    assert find_personal_details("") == []


# ---------------------------------------------------------------------------
# Properties

# Filler words cannot form a detail on their own: no digits, capitals, "@" or ".".
filler = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,!?\n", max_size=60)
digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def _number(length):
    return st.text(alphabet="0123456789", min_size=length, max_size=length)


nhs_numbers = (
    _number(9)
    .filter(lambda nine: check_digit(nine) is not None)
    .map(with_check_digit)
    .flatmap(lambda number: st.sampled_from([
        number,
        f"{number[:3]} {number[3:6]} {number[6:]}",
        f"{number[:3]}-{number[3:6]}-{number[6:]}",
        f"{number[:6]} {number[6:]}",
    ]))
)

emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,8})?", fullmatch=True),
    st.from_regex(r"[a-z0-9]{1,12}(\.[a-z0-9]{1,8})?", fullmatch=True),
    st.sampled_from(["org", "com", "scot", "uk", "net", "gov.uk"]),
)

phones = st.one_of(
    st.builds(lambda n: f"07{n[:3]} {n[3:]}", _number(9)),
    st.builds(lambda n: f"07{n}", _number(9)),
    st.builds(lambda n: f"07{n[:3]}-{n[3:6]}-{n[6:]}", _number(9)),
    st.builds(lambda n: f"+44 7{n[:3]} {n[3:]}", _number(9)),
    st.builds(lambda n: f"+447{n}", _number(9)),
    st.builds(lambda n: f"020 {n[:4]} {n[4:]}", _number(8)),
    st.builds(lambda n: f"+44 (0)20 {n[:4]} {n[4:]}", _number(8)),
    st.builds(lambda n: f"(020) {n[:4]} {n[4:]}", _number(8)),
    st.builds(lambda n: f"01{n[:2]} {n[2:5]} {n[5:]}", _number(9)),
    st.builds(lambda n: f"01{n[:2]}-{n[2:5]}-{n[5:]}", _number(9)),
)

_AREA = "ABCDEFGHIJKLMNOPRSTUWYZ"  # first letter: never Q, V or X
_DISTRICT = "ABCDEFGHKLMNOPQRSTUVWXY"  # second letter: never I, J or Z
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"  # never C, I, K, M, O or V
postcodes = st.builds(
    lambda outward, number, inward, space, lower: (f"{outward}{space}{number}{inward}".lower() if lower
                                                   else f"{outward}{space}{number}{inward}"),
    st.one_of(
        st.builds("{}{}".format, st.sampled_from(_AREA), digits),
        st.builds("{}{}{}".format, st.sampled_from(_AREA), digits, digits),
        st.builds("{}{}{}".format, st.sampled_from(_AREA), st.sampled_from(_DISTRICT), digits),
        st.builds("{}{}{}{}".format, st.sampled_from(_AREA), st.sampled_from(_DISTRICT), digits, digits),
        st.builds("{}{}{}".format, st.sampled_from(_AREA), digits, st.sampled_from("ABCDEFGHJKPSTUW")),
        st.builds("{}{}{}{}".format, st.sampled_from(_AREA), st.sampled_from(_DISTRICT), digits,
                  st.sampled_from("ABEHMNPRVWXY")),
    ),
    digits,
    st.text(alphabet=_INWARD, min_size=2, max_size=2),
    st.sampled_from(["", " "]),
    st.booleans(),
)

details = st.one_of(
    nhs_numbers.map(lambda number: ("nhs_or_chi", number)),
    emails.map(lambda address: ("email", address)),
    phones.map(lambda number: ("phone", number)),
    postcodes.map(lambda postcode: ("postcode", postcode)),
)


@settings(max_examples=300, deadline=None)
@given(before=filler, detail=details, after=filler)
def test_an_inserted_detail_is_found_and_removed(before, detail, after):
    kind, value = detail
    text = f"{before} {value} {after}"
    start = len(before) + 1
    spans = find_personal_details(text)
    if kind == "nhs_or_chi":
        kind = "chi_number" if valid_chi_number(value) else "nhs_number"
    assert [(span.start, span.end, span.kind) for span in spans] == [(start, start + len(value), kind)]
    redacted = apply_redactions(text, spans)
    assert value not in redacted
    assert redacted == f"{before} {apply_redactions(value, [Span(0, len(value), kind, value, '')])} {after}"


fragments = st.sampled_from([
    "Dr Patel", "Kind regards,\n", "Jane Smith", "0131 536 1000", "07700 900123", "+44 (0)20 7946 0018",
    "EH1 3EG", "eh13eg", "943 476 5919", CHI, "AB 12 34 56 C", "jane@example.org", "www.example.org",
    "https://example.org/a(b)", "my name is ", "my husband ", "— ", "(", ")", "@", ".", " ", "\n", "£", "+44",
])
messy_text = st.lists(st.one_of(fragments, st.text(max_size=12)), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=messy_text)
def test_spans_lie_within_the_text_never_overlap_and_can_always_be_applied(text):
    spans = find_personal_details(text)
    assert spans == sorted(spans)
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.text == text[span.start : span.end]
        assert span.kind in KINDS
        assert span.reason
    for before, after in zip(spans, spans[1:]):
        assert before.end <= after.start
    apply_redactions(text, spans)


@settings(max_examples=200, deadline=None)
@given(text=filler)
def test_text_without_details_comes_back_unchanged(text):
    assert find_personal_details(text) == []
    assert apply_redactions(text, find_personal_details(text)) == text


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_no_spans_means_no_change_for_any_text(text):
    assert apply_redactions(text, []) == text
