"""Starter codebooks an officer can add in one step: the plan's own sections, the national
outcomes, and themes common to health and social care consultations.

Plain data and pure functions (no database): the service turns a starter into themes.
Every starter theme has keywords, so the cold-start codebook matcher can suggest it
before any officer has coded anything.
"""
import html
import re
from dataclasses import dataclass

MAX_NAME = 200
MAX_DESCRIPTION = 1000


@dataclass(frozen=True)
class StarterTheme:
    """One theme a starter codebook adds: its name, description and keywords."""

    name: str
    description: str
    keywords: tuple[str, ...]


# The nine National Health and Wellbeing Outcomes (Scotland), with the short names the
# core suite of integration indicators uses and the outcomes' own wording.
NATIONAL_OUTCOMES = (
    StarterTheme(
        "Outcome 1: Healthier living",
        "People are able to look after and improve their own health and wellbeing and live in good health "
        "for longer.",
        ("healthy lifestyle", "look after my health", "wellbeing", "exercise", "healthy eating", "self-management",
         "self care", "stay healthy", "physical activity", "smoking", "weight"),
    ),
    StarterTheme(
        "Outcome 2: Independent living",
        "People, including those with disabilities or long term conditions, or who are frail, are able to live, "
        "as far as reasonably practicable, independently and at home or in a homely setting in their community.",
        ("independent", "independence", "live at home", "stay at home", "care at home", "homely setting",
         "long term condition", "disability", "frail", "adaptations", "telecare", "care home"),
    ),
    StarterTheme(
        "Outcome 3: Positive experiences and outcomes",
        "People who use health and social care services have positive experiences of those services, and have "
        "their dignity respected.",
        ("dignity", "respect", "experience", "listened to", "treated with", "compassion", "kindness",
         "complaint", "person-centred", "choice and control"),
    ),
    StarterTheme(
        "Outcome 4: Quality of life",
        "Health and social care services are centred on helping to maintain or improve the quality of life of "
        "people who use those services.",
        ("quality of life", "what matters to me", "loneliness", "isolation", "social activities",
         "day services", "meaningful", "outcomes for people"),
    ),
    StarterTheme(
        "Outcome 5: Reduce health inequalities",
        "Health and social care services contribute to reducing health inequalities.",
        ("inequalities", "inequality", "deprivation", "deprived", "poverty", "fair", "unfair",
         "postcode lottery", "disadvantaged", "protected characteristics", "equality"),
    ),
    StarterTheme(
        "Outcome 6: Carers are supported",
        "People who provide unpaid care are supported to look after their own health and wellbeing, including to "
        "reduce any negative impact of their caring role on their own health and well-being.",
        ("unpaid carer", "carers", "carer", "caring role", "respite", "short break", "young carers",
         "carer support", "burnout", "family carer"),
    ),
    StarterTheme(
        "Outcome 7: People are safe",
        "People who use health and social care services are safe from harm.",
        ("safe", "safety", "harm", "abuse", "neglect", "adult protection", "safeguarding", "falls", "risk",
         "vulnerable"),
    ),
    StarterTheme(
        "Outcome 8: Engaged workforce",
        "People who work in health and social care services feel engaged with the work they do and are supported "
        "to continuously improve the information, support, care and treatment they provide.",
        ("staff", "workforce", "training", "morale", "recruitment", "retention", "staff shortages",
         "supported staff", "workload", "care workers"),
    ),
    StarterTheme(
        "Outcome 9: Resources are used effectively",
        "Resources are used effectively and efficiently in the provision of health and social care services.",
        ("resources", "budget", "funding", "cost", "value for money", "efficient", "efficiency", "waste",
         "spending", "savings", "money"),
    ),
)

# Themes seen again and again in consultations on health and social care plans.
COMMON_THEMES = (
    StarterTheme(
        "Access to services",
        "Getting to see someone or get a service: waiting times, opening hours, eligibility and how easy "
        "services are to reach.",
        ("access", "waiting list", "waiting times", "appointment", "get an appointment", "opening hours",
         "eligibility", "hard to get", "GP"),
    ),
    StarterTheme(
        "Online or telephone versus face to face",
        "How services are offered: online, by phone or video, or in person, and who is left out by each.",
        ("face to face", "in person", "online", "telephone", "phone", "video call", "digital",
         "internet", "digital exclusion", "computer"),
    ),
    StarterTheme(
        "Accommodation",
        "Housing and places to live: suitable and adapted homes, supported accommodation, care homes and "
        "homelessness.",
        ("housing", "accommodation", "home", "supported accommodation", "care home", "homeless",
         "homelessness", "adapted housing", "tenancy"),
    ),
    StarterTheme(
        "Carers",
        "Unpaid carers: recognition, support, short breaks and the impact of caring on their own lives.",
        ("carer", "carers", "unpaid carer", "caring", "respite", "short break", "young carer",
         "carer support"),
    ),
    StarterTheme(
        "Communities",
        "Local communities and community groups: what they offer, local assets and support close to home.",
        ("community", "communities", "local groups", "community groups", "volunteers", "neighbours",
         "village", "local", "community centre"),
    ),
    StarterTheme(
        "Co-production and collaborative working",
        "Designing and delivering services with the people who use them, and partners working together.",
        ("co-production", "coproduction", "collaboration", "collaborative", "working together",
         "partnership working", "involve", "lived experience", "third sector"),
    ),
    StarterTheme(
        "Information sharing, reporting and recording",
        "Sharing information between services, records and reporting, and not having to tell your story "
        "again.",
        ("information sharing", "share information", "records", "recording", "reporting", "data",
         "tell my story", "repeat", "systems"),
    ),
    StarterTheme(
        "Early intervention and prevention",
        "Acting early to prevent problems getting worse: prevention, early help and avoiding crisis.",
        ("prevention", "preventative", "early intervention", "early help", "crisis", "before it gets worse",
         "avoid admission", "prevent"),
    ),
    StarterTheme(
        "Addressing inequalities and protected characteristics",
        "Fair treatment and access for everyone, including people with protected characteristics and "
        "groups that are seldom heard.",
        ("inequalities", "equality", "protected characteristics", "discrimination", "disability",
         "ethnic minority", "LGBT", "gypsy traveller", "seldom heard", "hard to reach", "language"),
    ),
    StarterTheme(
        "Money, poverty and cost of living",
        "Money worries, poverty, charges for care and the cost of living.",
        ("money", "poverty", "cost of living", "afford", "charges", "benefits", "fuel poverty", "income",
         "cost", "free"),
    ),
    StarterTheme(
        "COVID and the National Care Service",
        "The effects of the COVID-19 pandemic and the proposed National Care Service.",
        ("COVID", "pandemic", "lockdown", "coronavirus", "National Care Service", "recovery"),
    ),
    StarterTheme(
        "Older people, outcomes and joined-up working",
        "Services for older people, the outcomes they want, and services working together around them.",
        ("older people", "elderly", "dementia", "joined-up", "joined up", "integration", "integrated",
         "hospital discharge", "delayed discharge"),
    ),
    StarterTheme(
        "Referrals",
        "How people are referred between services, delays in referrals and being passed around.",
        ("referral", "referrals", "referred", "signposting", "passed around", "assessment", "waiting for"),
    ),
    StarterTheme(
        "Social work and social care",
        "Social work and social care services: assessments, care packages and care at home.",
        ("social work", "social worker", "social care", "care package", "care at home", "home care",
         "assessment", "self-directed support"),
    ),
    StarterTheme(
        "Transparency and communication",
        "Being open and clear with people: information about services, decisions and plans, and plain "
        "language.",
        ("communication", "transparency", "transparent", "information", "kept informed", "jargon",
         "plain English", "consultation", "listen", "decisions"),
    ),
    StarterTheme(
        "Transport",
        "Getting to services and activities: public transport, community transport, parking and travel costs.",
        ("transport", "bus", "buses", "travel", "parking", "community transport", "taxi", "car", "rural",
         "lift"),
    ),
    StarterTheme(
        "Workforce retention, recruitment and training",
        "Recruiting, keeping and training staff, pay and conditions, and staff wellbeing.",
        ("staff", "workforce", "recruitment", "retention", "training", "staff shortages", "pay", "agency staff",
         "turnover", "care workers"),
    ),
    StarterTheme(
        "Service resilience and stability",
        "Whether services can be relied on: closures, cuts, gaps in provision and sustainability.",
        ("resilience", "stability", "closure", "closing", "cuts", "sustainable", "sustainability", "gaps",
         "reliable", "continuity"),
    ),
)

STARTERS = {
    "sections": "The sections of the draft plan",
    "outcomes": "The nine National Health and Wellbeing Outcomes",
    "common": "Themes common to health and social care consultations",
}

_TAG = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"'(])")
_SPACE = re.compile(r"\s+")


def plain_text(section_html):
    """The words of a section's (sanitised) HTML, without markup."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", section_html or ""))).strip()


def first_sentence(text, limit=MAX_DESCRIPTION):
    """The first sentence of a text, cut to `limit` characters."""
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0] if text.strip() else ""
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def section_themes(sections, keywords_per_section=6):
    """One starter theme per section of the draft: its title, first sentence and key phrases."""
    from engage.analysis import text as textlib  # NLTK: loaded when first needed, not at start-up

    bodies = [plain_text(section.body_html) for section in sections]
    themes = []
    for index, (section, body) in enumerate(zip(sections, bodies)):
        sentences = [sentence for sentence in _SENTENCE_END.split(body) if sentence.strip()]
        others = bodies[:index] + bodies[index + 1:]
        phrases = (textlib.keyphrases(sentences, top_n=keywords_per_section, background=others or None)
                   if sentences else [])
        heading = section.heading.strip().lower()
        keywords = [heading] if heading else []
        keywords += [phrase for phrase in phrases if phrase.lower() not in keywords]
        themes.append(StarterTheme(section.title[:MAX_NAME].strip(), first_sentence(body), tuple(keywords)))
    return themes
