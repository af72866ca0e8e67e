"""Small, made-up feedback for the analysis tests (no rows from any real data set)."""
import random

THEME_SENTENCES = {
    "transport": [
        "the bus to the day centre only runs twice a week",
        "there is no bus from the village after six",
        "community transport is hard to book",
        "taxi fares to the hospital are too expensive",
        "the buses never connect with appointment times",
        "parking at the health centre is impossible",
        "I have to take two buses to reach the clinic",
        "transport to the day centre was cut last year",
    ],
    "carers": [
        "unpaid carers need more respite breaks",
        "as a carer for my husband I get no support",
        "caring for my mother leaves me exhausted",
        "carers should be asked before the plan changes",
        "young carers are missed at school",
        "respite for carers is the thing that keeps us going",
        "there is no carer assessment in our area",
        "the carers centre has helped me cope",
    ],
    "waiting": [
        "the waiting list for a social worker is months long",
        "I waited weeks for an assessment",
        "waiting times for the memory clinic are too long",
        "referrals take far too long to be seen",
        "we waited over a year for a care package",
        "long waits for occupational therapy",
        "the wait for an appointment is unacceptable",
        "people are waiting in hospital for a care package",
    ],
    "staff": [
        "home care staff are rushed and change every week",
        "recruitment of care workers must improve",
        "the workforce is stretched and morale is low",
        "staff turnover means nobody knows my dad",
        "pay care workers properly so they stay",
        "training for staff on dementia is needed",
        "there are not enough nurses on the ward",
        "carers employed by agencies keep leaving the job",
    ],
}

OFF_TOPIC = "My favourite football team won the league on Saturday afternoon"

CODEBOOK = [
    {
        "id": "transport",
        "name": "Transport",
        "description": "Getting to services by bus, car, taxi or community transport.",
        "keywords": ["bus", "transport", "taxi", "parking", "travel"],
    },
    {
        "id": "carers",
        "name": "Carers",
        "description": "Unpaid carers, respite and support for people who look after family.",
        "keywords": ["carer", "respite", "caring"],
    },
    {
        "id": "waiting",
        "name": "Waiting times",
        "description": "Delays, waiting lists and slow referrals.",
        "keywords": ["waiting list", "wait", "delay", "referral"],
    },
    {
        "id": "staff",
        "name": "Workforce",
        "description": "Recruitment, retention and training of staff.",
        "keywords": ["staff", "recruitment", "training", "workforce"],
    },
]

_OPENERS = ["", "Honestly, ", "In my experience ", "Also ", "I think ", "For us "]
_CLOSERS = ["", ".", " and this must change.", " which worries me.", " - please fix this.", "!"]


def synthetic_dataset(items_per_theme=30, multi_label_items=20, seed=7):
    """(texts, labels): single-theme items with light variation, plus items raising two themes."""
    generator = random.Random(seed)
    texts, labels = [], []
    themes = sorted(THEME_SENTENCES)
    for theme in themes:
        for _ in range(items_per_theme):
            sentence = generator.choice(THEME_SENTENCES[theme])
            texts.append(generator.choice(_OPENERS) + sentence + generator.choice(_CLOSERS))
            labels.append([theme])
    for _ in range(multi_label_items):
        first, second = generator.sample(themes, 2)
        texts.append(
            generator.choice(THEME_SENTENCES[first]) + ", and " + generator.choice(THEME_SENTENCES[second])
        )
        labels.append([first, second])
    order = list(range(len(texts)))
    generator.shuffle(order)
    return [texts[i] for i in order], [labels[i] for i in order]
