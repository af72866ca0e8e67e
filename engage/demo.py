"""A realistic, fictional demonstration consultation with synthetic responses.

Everything here is invented: the partnership, its localities, the people and the
organisations. load_demo adds the rows to the current session and flushes; the
caller commits. The same seed gives the same data (references, answers, groups).
"""
import random
import re
from datetime import date, datetime, time, timedelta

import pyotp

from engage.auth.services import hash_password
from engage.consultations.services import (
    add_plan_version, add_question, change_status, create_consultation,
)
from engage.extensions import db
from engage.models import (
    Answer, Consultation, EngagementEvent, EqualityMonitoring, EventAttendance, FeedbackItem,
    Membership, Response, User, utcnow,
)
from engage.models.consultation import AGREE_SCALE
from engage.models.response import LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT

DEMO_EMAILS = {
    "admin": "admin@demo.engage",
    "officer": "officer@demo.engage",
    "facilitator": "facilitator@demo.engage",
}
DEMO_NAMES = {
    "admin": "Demo Administrator",
    "officer": "Demo Officer",
    "facilitator": "Demo Facilitator",
}

PARTNERSHIP = "Lothian Vale Health and Social Care Partnership"
TITLE = "Draft Strategic Commissioning Plan 2026–2029"
SUMMARY = (
    "Lothian Vale Health and Social Care Partnership is consulting on the second draft of its "
    "strategic commissioning plan for 2026 to 2029. The plan sets out how adult health and social "
    "care services across our six localities will change over the next three years, including "
    "new support for unpaid carers and changes to day services. Tell us what you think before "
    "the consultation closes."
)
CONTACT_EMAIL = "consult@lothianvale.example"
POSTAL_ADDRESS = (
    "Strategic Planning Team\nLothian Vale Health and Social Care Partnership\n"
    "Freepost LOTHIAN VALE CONSULTATION"
)
LOCALITIES = (
    "Eastwick and Linton",
    "Fairside",
    "Haddon and Lammer Hills",
    "Musselford",
    "North Bervie Coast",
    "Seton Gosport",
)

# ---------------------------------------------------------------------------
# The plan: two drafts. The second adds "Carers", drops "Scope of the plan"
# (folded into the introduction), renames "Review arrangements" and rewords
# several paragraphs, so that the version diff shows every kind of change.
# ---------------------------------------------------------------------------

FIRST_DRAFT = """\
## Foreword and vision

This is the first draft of the Lothian Vale strategic commissioning plan for 2026 to 2029. It sets out how the Health and Social Care Partnership will use its budget, its buildings and its staff to support the health and wellbeing of the 107,000 people who live in the Vale.

Our vision is that people in Lothian Vale live longer and healthier lives at home or in a homely setting, with care that is joined up around them.

The next three years will be hard. Demand for care is rising faster than our budget, and we cannot recruit all the care staff we need. This draft is honest about those pressures and about the choices they force on us. We want to hear whether we have made the right choices.

Councillor Ailsa Brodie, Chair, Lothian Vale Integration Joint Board

## Introduction and drivers

Lothian Vale Health and Social Care Partnership brings together the adult social care services of Lothian Vale Council and the community health services of Vale Health Board. Under the Public Bodies (Joint Working) (Scotland) Act 2014, the Integration Joint Board must prepare a strategic commissioning plan and review it at least every three years.

The main drivers for change are:

- more people living into their eighties and nineties, often with several long-term conditions
- a shortage of care at home staff, district nurses and GPs, especially in rural localities
- a budget that is not keeping pace with demand or with inflation
- the nine National Health and Wellbeing Outcomes, against which this plan will be judged

The plan also follows the integration delivery principles: services should respect people's rights and dignity, be planned with the people who use them, prevent problems before they arise and make the best use of the resources we have.

## Scope of the plan

This plan covers all of the adult health and social care services delegated to the Integration Joint Board. These include:

- adult social work and social care, including care at home, care homes and day services
- community nursing, allied health professions and community hospitals
- primary care, including GP practices and community pharmacy
- adult mental health and addiction services
- the budget set aside for unscheduled hospital care

Children's services and criminal justice social work are not delegated in Lothian Vale and are outside the scope of this plan.

## Population needs

Lothian Vale has six localities. The population of each is shown below, with the share of people aged 75 and over.

| Locality | Population | Aged 75 and over |
|---|---|---|
| Eastwick and Linton | 9,800 | 10.2% |
| Fairside | 21,400 | 8.1% |
| Haddon and Lammer Hills | 18,900 | 11.6% |
| Musselford | 23,700 | 9.0% |
| North Bervie Coast | 13,200 | 14.3% |
| Seton Gosport | 20,600 | 8.7% |

The number of people aged 75 and over is expected to grow by almost a third by 2035. More people will live with dementia, frailty and more than one long-term condition.

Health is not shared equally. Men in the most deprived parts of Fairside and Musselford can expect to live nine years fewer than men in the least deprived parts of the Vale.

## What people told us

Before writing this draft we held fourteen engagement sessions across the six localities and received 612 survey responses. The main messages were:

- it is too hard to get through on the phone to book an appointment
- people want the option of seeing someone face to face
- getting to services without a car is difficult, especially in rural areas
- unpaid carers feel exhausted and unsupported
- people are tired of repeating their story to different professionals

We have tried to reflect these messages throughout the plan.

## Commissioning intentions

Over the life of this plan we intend to:

- move from building-based day services towards community-based day opportunities, bringing the Fairside and Musselford day services together in one hub in Musselford
- expand reablement so that more people regain their independence after a stay in hospital
- introduce a digital first front door for adult social care, with online self-assessment
- commission technology-enabled care, such as sensors and video calls, for everyone who could benefit
- redesign care at home around outcomes rather than time-and-task visits
- develop community wellbeing hubs for people with low-level mental health needs

Each intention will have a delivery plan with measurable objectives, an owner and a date.

## Financial framework

The partnership's budget for 2026/27 is £212.4 million. Of this, £96.1 million comes from Lothian Vale Council and £116.3 million from Vale Health Board, including £24.8 million set aside for unscheduled hospital care.

We estimate a funding gap of £9.8 million over the three years of the plan. We will close it by shifting spending towards prevention, by reducing our reliance on agency staff and by reviewing services that do not deliver good outcomes.

## Review arrangements

The Integration Joint Board will receive a progress report on this plan every six months. The plan will be reviewed in full in 2029, or sooner if there is a significant change in national policy or in our budget.

The Strategic Planning Group will be consulted on any significant change to the plan.
"""

SECOND_DRAFT = """\
## Foreword and vision

This is the second draft of the Lothian Vale strategic commissioning plan for 2026 to 2029. It takes account of what the Strategic Planning Group told us about the first draft, and we now want to hear from everyone with an interest in health and social care in the Vale.

Our vision is that everyone in Lothian Vale can live well at home or in their own community for as long as possible, with support that is joined up, fair and shaped by the people who use it.

The next three years will be hard. Demand for care is rising faster than our budget, and we cannot recruit all the care staff we need. This draft is honest about those pressures and about the choices they force on us. We want to hear whether we have made the right choices.

Councillor Ailsa Brodie, Chair, Lothian Vale Integration Joint Board

## Introduction and drivers

Lothian Vale Health and Social Care Partnership brings together the adult social care services of Lothian Vale Council and the community health services of Vale Health Board. Under the Public Bodies (Joint Working) (Scotland) Act 2014, the Integration Joint Board must prepare a strategic commissioning plan and review it at least every three years.

The plan covers every adult health and social care service delegated to the Integration Joint Board, from care at home and community nursing to GP practices, mental health services and the budget set aside for unscheduled hospital care. Children's services and criminal justice social work are not delegated in Lothian Vale.

The main drivers for change are:

- more people living into their eighties and nineties, often with several long-term conditions
- a shortage of care at home staff, district nurses and GPs, especially in rural localities
- the rising cost of living, which is pushing more households into hardship
- a budget that is not keeping pace with demand or with inflation
- the nine National Health and Wellbeing Outcomes, against which this plan will be judged

The plan also follows the integration delivery principles: services should respect people's rights and dignity, be planned with the people who use them, prevent problems before they arise and make the best use of the resources we have.

## Population needs

Lothian Vale has six localities. The table shows the population of each, the share of people aged 75 and over and our estimate of the number of unpaid carers.

| Locality | Population | Aged 75 and over | Unpaid carers (estimate) |
|---|---|---|---|
| Eastwick and Linton | 9,800 | 10.2% | 1,100 |
| Fairside | 21,400 | 8.1% | 2,300 |
| Haddon and Lammer Hills | 18,900 | 11.6% | 2,200 |
| Musselford | 23,700 | 9.0% | 2,600 |
| North Bervie Coast | 13,200 | 14.3% | 1,700 |
| Seton Gosport | 20,600 | 8.7% | 2,100 |

The number of people aged 75 and over is expected to grow by almost a third by 2035. More people will live with dementia, frailty and more than one long-term condition.

Health is not shared equally. Men in the most deprived parts of Fairside and Musselford can expect to live nine years fewer than men in the least deprived parts of the Vale, and people in these areas develop long-term conditions around ten years earlier. Reducing this gap is a priority of the plan.

## What people told us

Before writing the first draft we held fourteen engagement sessions across the six localities and received 612 survey responses. People told us that:

- it is too hard to get through on the phone to book an appointment
- they want to be able to see someone face to face, not only online
- getting to services without a car is difficult, especially in rural areas
- unpaid carers feel exhausted and unsupported
- they are tired of repeating their story to different professionals

The Strategic Planning Group, which includes people who use services, carers, providers and staff, commented on the first draft. Members asked for a section on unpaid carers, warned that "digital first" would exclude many older people, and asked us to explain how people would reach services by public transport. This second draft responds to each of those points.

## Carers

Around 12,000 people in Lothian Vale provide unpaid care to a relative, partner, friend or neighbour. Without them, health and social care services could not cope. Many carers are older or in poor health themselves, and one in five cares for more than 50 hours a week.

We will:

- offer every carer who asks an adult carer support plan within 28 days
- double the number of short breaks, including breaks that can be booked at short notice
- fund the Vale Carers Centre for three years at a time rather than year by year
- identify young carers early through schools and GP practices and make sure they get support
- involve carers in decisions about the person they care for, with that person's agreement

## Commissioning intentions

Over the life of this plan we intend to:

- review day services together with the people who use them and their carers, including a proposal to bring the Fairside and Musselford day services together in one hub in Musselford
- expand reablement so that more people regain their independence after a stay in hospital
- give people a choice of online, telephone and face-to-face contact with adult social care, with no loss of face-to-face services
- commission technology-enabled care, such as sensors and video calls, for people who want it
- redesign care at home around outcomes rather than time-and-task visits, with travel time paid for care staff
- develop community wellbeing hubs for people with low-level mental health needs, starting in Fairside and Seton Gosport
- expand community transport so that people can reach services without a car

Each intention has a delivery plan with measurable objectives, an owner and a date. These are published alongside this draft.

## Financial framework

The partnership's budget for 2026/27 is £212.4 million. Of this, £96.1 million comes from Lothian Vale Council and £116.3 million from Vale Health Board, including £24.8 million set aside for unscheduled hospital care.

We now estimate a funding gap of £11.2 million over the three years of the plan, higher than in the first draft because of pay awards and rising care home fees. We will close it by shifting spending towards prevention, by reducing our reliance on agency staff and by reviewing services that do not deliver good outcomes.

## Monitoring and review

The Integration Joint Board will receive a progress report on this plan every six months, and each report will be published on the partnership's website. We will measure progress against the National Health and Wellbeing Outcomes and against the objectives in each delivery plan.

After this consultation closes we will publish a statement of consultation setting out what people told us and what we changed as a result. The plan will be reviewed in full in 2029, or sooner if there is a significant change in national policy or in our budget.
"""

# ---------------------------------------------------------------------------
# Questions. Section names refer to the second draft.
# ---------------------------------------------------------------------------

HOW_HEARD = (
    "Social media",
    "Local newspaper or radio",
    "Leaflet or poster",
    "GP practice or pharmacy",
    "A carers' or community organisation",
    "Partnership newsletter or email",
    "Word of mouth",
    "Other",
)
PRIORITIES = (
    "Getting an appointment quickly",
    "Support close to home",
    "Help for unpaid carers",
    "Transport to services",
    "Being able to see someone face to face",
    "Support to stay in my own home",
    "Mental health support",
    "Information in accessible formats",
)
QUESTIONS = (
    # key, kind, text, hint, options, required, section heading
    ("vision", "agree_scale",
     "To what extent do you agree with the vision?",
     "The vision is in the foreword: everyone in Lothian Vale can live well at home or in their "
     "own community for as long as possible, with support that is joined up, fair and shaped by "
     "the people who use it.",
     (), True, "Foreword and vision"),
    ("intentions", "free_text",
     "What do you think of our commissioning intentions? Is there anything we have missed?",
     "For example, the changes to day services, care at home, or how you contact adult social care.",
     (), False, "Commissioning intentions"),
    ("carers", "free_text",
     "How could we better support unpaid carers?",
     "Tell us about your own experience if you are a carer, or what you see in your work.",
     (), False, "Carers"),
    ("told_us", "free_text",
     "Does 'What people told us' reflect your experience of services in your area?",
     "Please say which locality you are thinking of, if it matters to your answer.",
     (), False, "What people told us"),
    ("priorities", "multiple_choice",
     "Which of these matter most to you?",
     "Choose up to three.",
     PRIORITIES, False, None),
    ("anything_else", "free_text",
     "Is there anything else you would like to tell us about the draft plan?",
     "Please do not include personal details such as your address or phone number.",
     (), False, None),
    ("how_heard", "single_choice",
     "How did you hear about this consultation?",
     "",
     HOW_HEARD, False, None),
)

# ---------------------------------------------------------------------------
# Who responds
# ---------------------------------------------------------------------------

# Individuals' stakeholder groups, weighted. "Commercial providers of health care"
# is deliberately absent and several others rare, for the representation monitor.
INDIVIDUAL_GROUP_WEIGHTS = {
    "Members of the public": 26,
    "Users of social care": 17,
    "Carers of users of social care": 14,
    "Users of health care": 13,
    "Staff": 10,
    "Carers of users of health care": 5,
    "Health professionals": 4,
    "Social care professionals": 5,
    "Elected members": 0.6,
    "Other": 1.5,
}
# Targets an officer might set for the representation monitor.
GROUP_TARGETS = {
    "Users of health care": 30,
    "Carers of users of health care": 25,
    "Health professionals": 20,
    "Social care professionals": 15,
    "Users of social care": 40,
    "Carers of users of social care": 40,
    "Commercial providers of health care": 3,
    "Commercial providers of social care": 5,
    "Non-commercial providers of social housing": 5,
    "Third sector bodies carrying out activities related to health or social care": 10,
    "Members of the public": 60,
    "Staff": 25,
}
LOCALITY_WEIGHTS = {
    "Musselford": 27,
    "Fairside": 19,
    "Seton Gosport": 15,
    "Haddon and Lammer Hills": 13,
    "North Bervie Coast": 11,
    "Eastwick and Linton": 5,
}
CHANNEL_WEIGHTS = {"online": 80, "paper": 9, "email": 5, "letter": 3, "phone": 2, "easy_read": 1}
CONSENT_WEIGHTS = {"publish_anonymous": 48, "publish_named": 20, "do_not_publish": 32}

THIRD_SECTOR = "Third sector bodies carrying out activities related to health or social care"
ORGANISATIONS = (
    # name, stakeholder groups, locality (None: Vale-wide), contact
    ("Vale Carers Centre", (THIRD_SECTOR, "Non-commercial providers of social care"), "Fairside",
     "Morag Lindsay, Manager"),
    ("Lothian Vale Voluntary Action", (THIRD_SECTOR,), "Musselford", "Priya Shah, Chief Officer"),
    ("Musselford Community Transport", (THIRD_SECTOR,), "Musselford", "Gordon Baird"),
    ("Friends of Fairside Day Centre", ("Community groups",), "Fairside", "Janet Hunter, Secretary"),
    ("North Bervie Coast Community Council", ("Community groups",), "North Bervie Coast",
     "Iain Sinclair, Convener"),
    ("Haddon Hills Home Care Ltd", ("Commercial providers of social care",),
     "Haddon and Lammer Hills", "Deborah Grant, Registered Manager"),
    ("Seton Gosport Tenants' Association", ("Community groups",), "Seton Gosport", "Sandra Reid"),
    ("Vale Independent Advocacy", (THIRD_SECTOR,), None, "Rory Paterson"),
    ("Eastwick and Linton Men's Shed", ("Community groups",), "Eastwick and Linton", "Alan Douglas"),
    ("Vale Housing Co-operative", ("Non-commercial providers of social housing",), "Seton Gosport",
     "Elaine Millar, Housing Services Manager"),
    ("Vale Coast Hospice", ("Non-commercial providers of health care",), "North Bervie Coast",
     "Dr Catriona Ross"),
    ("Fairside Dementia Café", (THIRD_SECTOR,), "Fairside", "Ann Watson"),
    ("Musselford Older People's Forum", ("Community groups",), "Musselford", "Malcolm Henderson"),
    ("Vale Deaf Club", (THIRD_SECTOR,), None, "Heather Kerr"),
    ("Lothian Vale Learning Disability Forum", (THIRD_SECTOR,), None, "Stuart Mitchell"),
    ("Gosport Bay Care Home", ("Commercial providers of social care",), "Seton Gosport",
     "Fiona Campbell, Home Manager"),
    ("Vale Recovery Network", (THIRD_SECTOR,), None, "Callum Fraser"),
    ("Vale Young Carers Project", (THIRD_SECTOR,), None, "Eilidh Scott"),
    ("Linton Village Lunch Club", ("Community groups",), "Eastwick and Linton", "Margaret Young"),
    ("Vale Mental Health Peer Support", (THIRD_SECTOR,), "Fairside", "Joanne Wallace"),
    ("Vale Minority Ethnic Community Network", ("Community groups",), "Musselford", "Yusuf Chaudhry"),
    ("Vale Staff Partnership Forum", ("Staff",), None, "Neil Thomson"),
    ("Lammer Hills Community Trust", ("Community groups",), "Haddon and Lammer Hills",
     "Kirsty MacLeod"),
    ("Vale Food Share", (THIRD_SECTOR,), "Seton Gosport", "Tomasz Kowalski"),
)

FIRST_NAMES = (
    "Agnes", "Alan", "Alison", "Amir", "Ann", "Callum", "Catriona", "Craig", "David", "Deborah",
    "Eilidh", "Elaine", "Fiona", "Gordon", "Graham", "Hamish", "Heather", "Iain", "Isla", "Jamie",
    "Janet", "Joanne", "John", "Karen", "Kirsty", "Lorna", "Malcolm", "Margaret", "Mhairi", "Moira",
    "Morag", "Neil", "Nicola", "Paul", "Priya", "Rory", "Ruth", "Sandra", "Stuart", "Tomasz",
    "Yusuf", "Zofia",
)
SURNAMES = (
    "Anderson", "Baird", "Brown", "Campbell", "Chaudhry", "Douglas", "Duncan", "Fraser", "Gibson",
    "Grant", "Hamilton", "Henderson", "Hunter", "Kaur", "Kerr", "Kowalski", "Lindsay", "MacDonald",
    "MacLeod", "Martin", "Millar", "Mitchell", "Murray", "Paterson", "Reid", "Robertson", "Ross",
    "Scott", "Sinclair", "Stewart", "Thomson", "Wallace", "Watson", "Wilson", "Young",
)

# Human-friendly references: no 0/O or 1/I.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# ---------------------------------------------------------------------------
# What people say: phrase banks by theme, each sentence marked support (s) or
# concern (c). {place} is the respondent's locality (or "my area").
# ---------------------------------------------------------------------------

PHRASES = {
    "access": (
        ("c", "It can take weeks to get a GP appointment in {place} and the plan doesn't really say how that will change."),
        ("c", "Waiting lists for an OT assessment are far too long. My dad waited four months for a grab rail."),
        ("c", "Everything is being centralised in Musselford. If you live out in {place} you feel forgotten about."),
        ("c", "When you phone the duty social work line you are on hold for ages and then get cut off."),
        ("s", "I like the idea of local health and care hubs, as long as one actually opens in {place} and not just the big towns."),
        ("s", "The plan is right to focus on getting people seen sooner instead of waiting until things reach crisis point."),
        ("c", "There is no mention of dentists, which is the service people in {place} struggle most to get."),
    ),
    "online_vs_face": (
        ("c", "Not everyone is online. My mother is 84 and will never use an app, so please keep a phone number that a real person answers."),
        ("c", "'Digital first' sounds like digital only. Face to face appointments must stay for the people who need them."),
        ("s", "I am happy to use video calls for routine reviews, it saves me taking a day off work."),
        ("s", "Good to see the second draft now promises a choice of online, phone or face to face contact."),
        ("c", "Online forms are hard to use with a screen reader and the council website keeps timing out."),
        ("c", "Phone triage does not work for people with hearing loss or people who do not speak much English."),
    ),
    "transport": (
        ("c", "There is one bus an hour from {place} and none after six, so getting to appointments in Musselford is almost impossible without a car."),
        ("c", "Community transport is brilliant but the waiting list is long and the drivers are volunteers who are getting older themselves."),
        ("c", "A taxi to the hospital costs about £30 each way, which a lot of older people simply cannot afford."),
        ("s", "The promise to expand community transport is welcome and long overdue."),
        ("c", "The plan talks about bringing services together in hubs but says very little about how people will get there."),
    ),
    "carers": (
        ("c", "Unpaid carers are holding the whole system together and get very little back. I have not had a proper break in two years."),
        ("c", "Respite is almost impossible to arrange, and when it is offered it is at short notice and miles away."),
        ("s", "I am pleased carers now have their own section. A carer support plan within 28 days would make a real difference."),
        ("c", "Young carers are hardly mentioned. My daughter helps look after her brother and nobody has ever asked how she is coping."),
        ("c", "Professionals need to listen to carers. We know the person best but we are often left out of decisions."),
        ("s", "The Vale Carers Centre is excellent and should have secure funding instead of year to year grants."),
        ("c", "Carer's Allowance is tiny and the cost of heating and extra washing has gone through the roof."),
        ("s", "Short breaks that can be booked at short notice are exactly what carers have been asking for."),
    ),
    "workforce": (
        ("c", "Care at home staff are run off their feet with 15 minute visits and no travel time. No wonder people leave the job."),
        ("c", "You cannot deliver any of this plan without more staff, and the plan does not say where they will come from."),
        ("s", "Paying care staff properly, including travel time, and giving them decent training is the right thing to do."),
        ("c", "My mum has a different carer nearly every day. She never knows who is coming and it upsets her."),
        ("c", "As someone in the community nursing team I can tell you morale is very low and vacancies are not being filled."),
        ("s", "Growing our own workforce through college courses and apprenticeships in the Vale is a sensible idea."),
    ),
    "cost_of_living": (
        ("c", "Charges for care have gone up at the same time as everything else. People are cancelling care they need because they cannot pay."),
        ("c", "The cost of living crisis means many more people will need help and I think the plan underestimates this."),
        ("c", "Some carers are choosing between heating and eating. Benefits advice should be part of every assessment."),
        ("s", "The money advice worker at the health centre helped me claim Attendance Allowance. More of this please."),
    ),
    "info_sharing": (
        ("c", "I have to tell my story again every time I see someone new. Why can't the GP, the hospital and social work see the same record?"),
        ("c", "When my husband came home from hospital nobody told the care at home team and he went two days without a visit."),
        ("s", "Sharing information between health and social care would save everyone time, as long as people are asked first."),
        ("c", "Letters still arrive by post weeks after the appointment they are about."),
    ),
    "early_intervention": (
        ("s", "Prevention has to come first. Falls classes, social groups and exercise sessions save money later on."),
        ("s", "I strongly support moving money into early help rather than waiting for a crisis."),
        ("c", "The plan says prevention is a priority but the money for it is tiny compared with care homes and hospital."),
        ("c", "Lunch clubs and walking groups in {place} have lost their funding, and those are exactly what keep people well."),
    ),
    "inequalities": (
        ("c", "People in the poorer parts of {place} die years earlier than people a few miles away and the plan should say much more about that."),
        ("c", "Gypsy/Traveller families and people who are homeless are not mentioned anywhere in the plan."),
        ("c", "Information has to be available in easy read, BSL and community languages as standard, not just on request."),
        ("s", "I welcome the commitment to look at the equality impact of every major change."),
        ("c", "Disabled people should be involved in designing services, not just consulted at the end."),
    ),
    "communication": (
        ("c", "This document is far too long and full of jargon. Most people will not read it."),
        ("c", "Nobody I know had heard of this consultation until a friend shared it on Facebook."),
        ("s", "Thank you for the drop-in session at the library, it was good to talk to someone in person about the plan."),
        ("c", "Please tell us what you actually change because of this consultation. Last time we heard nothing back."),
        ("c", "What does 'commissioning intentions' even mean? Please use plain English."),
    ),
    "accommodation": (
        ("c", "There is not enough suitable housing for older and disabled people, and adaptations take far too long."),
        ("s", "The extra care housing in Musselford works well and should be built in other localities too."),
        ("c", "People are stuck in hospital because there is nowhere suitable for them to go when they are ready to leave."),
    ),
    "coproduction": (
        ("s", "It is good to see people with lived experience on the Strategic Planning Group."),
        ("c", "Involve people who use services from the start, instead of consulting them on a plan that is already written."),
    ),
    "mental_health": (
        ("c", "Mental health support for young adults is very hard to get. The wait for talking therapies is over a year."),
        ("c", "There is nothing for people in a mental health crisis out of hours except A&E."),
        ("s", "Community wellbeing hubs sound like a good idea for people who need some support but not a psychiatrist."),
    ),
    "social_care": (
        ("c", "Care packages take so long to arrange that older people end up in a care home when they could have stayed at home."),
        ("s", "Reablement after hospital got my father back on his feet. Please keep investing in it."),
        ("c", "Social workers change so often that families cannot build a relationship with anyone."),
    ),
    "day_services": (
        ("c", "Moving the Fairside day service to Musselford would be a disaster for the people who go there."),
        ("c", "Day centres are a lifeline for carers as much as for the people who attend them."),
        ("s", "Community-based day opportunities could work well if people are properly supported to take part."),
    ),
    "resilience": (
        ("c", "Services keep being cut and then restarted as pilots. We need stable services, not short term projects."),
        ("c", "Care homes in the area are closing because they cannot get staff. What is the plan B?"),
    ),
    "finance": (
        ("s", "The financial section is clear about the funding gap. It is refreshing to see honesty about money."),
        ("c", "I do not see how you can promise all of this and save £11 million at the same time."),
    ),
    "general": (
        ("s", "Overall this is a good plan and I support the direction it sets."),
        ("s", "I agree with the vision. It is ambitious but it is the right one."),
        ("c", "Nice words, but I have seen plans like this before and nothing changes on the ground."),
        ("c", "Much of this makes sense but I worry there is not the money or the staff to deliver it."),
        ("s", "The direction of the plan is right and long overdue."),
        ("c", "Plans like this have promised change before without much changing on the ground."),
    ),
}

# Which themes each free-text question tends to draw.
QUESTION_THEMES = {
    "intentions": {
        "access": 3, "online_vs_face": 3, "day_services": 3, "workforce": 3, "early_intervention": 3,
        "accommodation": 2, "mental_health": 2, "social_care": 2, "transport": 2, "finance": 1,
        "resilience": 1, "inequalities": 1,
    },
    "carers": {
        "carers": 10, "cost_of_living": 2, "workforce": 1, "social_care": 1, "info_sharing": 1,
        "communication": 1, "day_services": 1,
    },
    "told_us": {
        "access": 3, "communication": 3, "online_vs_face": 2, "transport": 2, "info_sharing": 2,
        "inequalities": 2, "coproduction": 2, "general": 1,
    },
    "anything_else": {theme: 1 for theme in PHRASES},
}
FREE_TEXT_ANSWER_RATES = {"intentions": 0.6, "carers": 0.42, "told_us": 0.38, "anything_else": 0.5}

OPENERS_BY_GROUP = {
    "Carers of users of social care": (
        "As a carer for my mum, ", "I look after my husband who has dementia. ",
        "Speaking as an unpaid carer, ",
    ),
    "Carers of users of health care": ("I care for my son who has epilepsy. ", "As a carer, "),
    "Staff": ("As a member of staff, ", "I work in care at home. ", "Speaking as a social worker, "),
    "Health professionals": ("As a district nurse, ", "I am a GP in the Vale. "),
    "Social care professionals": ("As a care worker, ", "I manage a small care team. "),
    "Users of social care": ("I get care at home twice a day. ", "I go to the day centre twice a week. "),
    "Users of health care": ("I have COPD and see the practice nurse regularly. ",),
    "Members of the public": ("", "I have lived in {place} all my life. "),
}
ORGANISATION_OPENERS = (
    "{org} welcomes the opportunity to respond to the second draft. ",
    "This response is on behalf of {org}. ",
    "{org} has discussed the draft with our members and volunteers. ",
)
ORGANISATION_CLOSERS = (
    " We would be glad to work with the partnership on this.",
    " Our members would welcome a meeting to discuss these points.",
    "",
)
SHORT_ANSWERS = (
    "No.", "Nothing to add", "agree with most of it", "More staff!!", "Buses.", "Its fine",
    "Too long to read properly", "carers need a break", "Not sure", "n/a", "Yes mostly",
    "listen to people for once", "Keep the day centre open", "Good plan", "GP appointments",
)
PERSONAL_DETAIL_SENTENCES = (
    "If you want to talk about this my number is 07700 900{n3}.",
    "You can email me at {email} if you need more detail.",
    "I live at {postcode} and the nearest bus stop is over a mile away.",
    "My mobile is 07700900{n3}, please call after 6pm.",
    "Please contact me on {email} or 0131 496 0{n3}.",
    "Feel free to get in touch, jo.bloggs@example.com, I am happy to help.",
)
POSTCODES = ("EH21 7AB", "EH32 9QX", "EH41 3PL", "EH39 4HN", "EH42 1TB", "EH33 2LE")

CAMPAIGN_TEXT = (
    "I am writing to ask the partnership to keep the Fairside day centre open. The day centre is a "
    "lifeline for older people and adults with learning disabilities in Fairside, and for the carers "
    "who get a few hours' break while their loved ones attend. Moving the service to Musselford "
    "would mean long journeys on unreliable buses for people who are frail. Please save the Fairside "
    "day centre."
)
CAMPAIGN_VARIATIONS = (
    ("I am writing", "I'm writing"),
    ("a lifeline", "a life line"),
    ("long journeys", "long and tiring journeys"),
    ("Please save", "PLEASE save"),
    ("who are frail", "who are frail or unwell"),
    (" in Fairside,", " in Fairside and the surrounding villages,"),
)
CAMPAIGN_EXTRAS = (
    " My mother has gone there for six years.",
    " Thank you.",
    " Fairside deserves better.",
    " My brother goes three days a week and it is the highlight of his week.",
)

EQUALITY_VALUES = {
    "age_band": (("Under 16", 1), ("16-24", 4), ("25-34", 9), ("35-44", 13), ("45-54", 17),
                 ("55-64", 21), ("65-74", 18), ("75 and over", 12), ("Prefer not to say", 5)),
    "sex": (("Female", 60), ("Male", 35), ("Prefer not to say", 5)),
    "gender_reassignment": (("No", 93), ("Yes", 1), ("Prefer not to say", 6)),
    "sexual_orientation": (("Heterosexual or straight", 84), ("Gay or lesbian", 3), ("Bisexual", 2),
                           ("Other", 1), ("Prefer not to say", 10)),
    "disability": (("No", 62), ("Yes", 30), ("Prefer not to say", 8)),
    "ethnicity": (("White Scottish", 74), ("White Other British", 12), ("White Polish", 3),
                  ("White Other", 3), ("Asian, Asian Scottish or Asian British", 2),
                  ("African, Scottish African or British African", 1),
                  ("Mixed or multiple ethnic groups", 1), ("Gypsy/Traveller", 0.5),
                  ("Other ethnic group", 0.5), ("Prefer not to say", 3)),
    "religion": (("None", 48), ("Church of Scotland", 24), ("Roman Catholic", 11),
                 ("Other Christian", 6), ("Muslim", 2), ("Hindu", 0.5), ("Buddhist", 0.5),
                 ("Sikh", 0.5), ("Jewish", 0.5), ("Other", 1), ("Prefer not to say", 6)),
    "marriage_civil_partnership": (("Married or in a civil partnership", 52),
                                   ("Not married or in a civil partnership", 42),
                                   ("Prefer not to say", 6)),
    "pregnancy_maternity": (("No", 94), ("Yes", 1), ("Prefer not to say", 5)),
    "unpaid_carer": (("No", 66), ("Yes", 28), ("Prefer not to say", 6)),
}

# ---------------------------------------------------------------------------
# Engagement events: (days from today, start, end, kind, title, venue, locality,
# facilitator names, formats, attendance by group, notes, hard-to-reach notes,
# points made as (speaks_for, section heading or None, text)).
# ---------------------------------------------------------------------------

EVENTS = (
    {
        "days": -10, "start": time(13, 30), "end": time(16, 0), "kind": "workshop",
        "title": "Musselford community workshop on the second draft",
        "venue": "Musselford Town Hall, 12 Harbour Road, Musselford",
        "locality": "Musselford",
        "facilitator_names": "Demo Facilitator; Priya Shah (Lothian Vale Voluntary Action)",
        "formats": ["bsl", "hearing_loop", "large_print"],
        "attendance": {"Members of the public": 14, "Users of social care": 6,
                       "Carers of users of social care": 4, "Staff": 3, "Community groups": 2,
                       "Elected members": 1},
        "notes": "Four tables, each with a facilitator and a note-taker. Points were read back to "
                 "the room at the end and typed up the following day.",
        "hard_to_reach_notes": "A BSL interpreter was booked after a request from the Vale Deaf "
                               "Club; three Deaf people attended.",
        "points": (
            (8, "Commissioning intentions", "Strong opposition at every table to merging the "
             "Fairside and Musselford day services. People said the journey would be too long "
             "for frail attendees."),
            (6, "Commissioning intentions", "Welcome for paying care staff for their travel time; "
             "several people said it would help keep carers in the job."),
            (12, None, "Getting a GP appointment was the issue raised most often. People described "
             "phoning at 8am and being told to try again tomorrow."),
            (5, "What people told us", "The list of what people told us was felt to be accurate, "
             "but people asked what had actually changed since the last plan."),
            (4, None, "Buses between Musselford and the rural villages were described as "
             "unreliable, especially in the evening."),
            (3, "Carers", "Carers at one table said short breaks were promised in the last plan too "
             "and never appeared."),
            (7, "Foreword and vision", "General support for the vision, but people said it needs "
             "to be backed by money and staff."),
            (2, None, "Two people said the online questionnaire was hard to complete on a phone."),
            (1, None, "A Deaf participant said the BSL interpreter made a real difference and asked "
             "for interpretation at every event."),
        ),
    },
    {
        "days": -5, "start": time(10, 0), "end": time(12, 0), "kind": "focus_group",
        "title": "Unpaid carers' focus group",
        "venue": "Vale Carers Centre, 3 Market Wynd, Fairside",
        "locality": "Fairside",
        "facilitator_names": "Demo Facilitator; Morag Lindsay (Vale Carers Centre)",
        "formats": ["easy_read", "bsl"],
        "attendance": {"Carers of users of social care": 9, "Carers of users of health care": 3,
                       THIRD_SECTOR: 1},
        "notes": "Replacement care was arranged so that carers could attend. Easy-read summaries "
                 "of the Carers section were handed out beforehand.",
        "hard_to_reach_notes": "Two young carers attended with a support worker from the Vale "
                               "Young Carers Project.",
        "points": (
            (9, "Carers", "Every carer in the room said they had not been offered a carer support "
             "plan, or had waited months for one."),
            (6, "Carers", "Short breaks at short notice are what carers need most; planned respite "
             "is booked up months ahead."),
            (4, None, "Carers described being left out of hospital discharge decisions and finding "
             "out about changes to care packages by letter."),
            (10, "Carers", "Strong welcome for funding the Vale Carers Centre for three years at a "
             "time."),
            (3, None, "The young carers said their teachers did not know they were carers; they "
             "want a named person at school."),
            (5, "Financial framework", "Worry that the savings target will fall on carers, who "
             "will be expected to fill the gaps."),
            (2, None, "Two carers said they had cut back on heating even though the person they "
             "care for feels the cold."),
            (7, "Commissioning intentions", "Concern that technology-enabled care will be used to "
             "replace visits rather than add to them."),
        ),
    },
    {
        "days": 7, "start": time(18, 30), "end": time(20, 30), "kind": "public_meeting",
        "title": "Public meeting: North Bervie Coast",
        "venue": "Bervie Coast Community Centre, Links Road, North Bervie",
        "locality": "North Bervie Coast",
        "facilitator_names": "Demo Facilitator; Demo Officer",
        "formats": ["bsl", "hearing_loop"],
        "attendance": {},
        "notes": "No booking needed. Tea and coffee from 6pm. Community transport can be booked "
                 "through Musselford Community Transport.",
        "hard_to_reach_notes": "",
        "points": (),
    },
)


def database_is_empty() -> bool:
    """True when no consultation exists yet (so the demo can be offered)."""
    return db.session.query(Consultation.id).first() is None


def load_demo(password: str, seed: int = 2026, responses: int = 300) -> dict:
    """Add the demonstration consultation, users, responses and events (flushes, never commits)."""
    rng = random.Random(seed)
    today = date.today()
    now = utcnow()

    users = _demo_users(password)
    officer, facilitator = users["officer"], users["facilitator"]

    consultation = create_consultation(
        officer, TITLE, summary=SUMMARY, organisation=PARTNERSHIP,
        plan_type="Strategic commissioning plan",
        opens_on=today - timedelta(days=20), closes_on=today + timedelta(days=40),
        localities=LOCALITIES, stakeholder_groups=None, contact_email=CONTACT_EMAIL, is_demo=True,
    )
    consultation.postal_address = POSTAL_ADDRESS
    groups = {group.name: group for group in consultation.stakeholder_groups}
    for name, target in GROUP_TARGETS.items():
        if name in groups:
            groups[name].target = target
    localities = {locality.name: locality for locality in consultation.localities}
    db.session.add(Membership(user=facilitator, consultation=consultation, role="facilitator"))

    add_plan_version(
        consultation, "First draft", FIRST_DRAFT, user=officer, dated=today - timedelta(days=60),
        notes="Shared with the Strategic Planning Group for comment.",
        source_filename="lothian-vale-scp-first-draft.md",
    )
    second = add_plan_version(
        consultation, "Second draft", SECOND_DRAFT, user=officer, dated=today - timedelta(days=21),
        notes="Revised after the Strategic Planning Group's comments; the draft the public "
              "consultation is on.",
        source_filename="lothian-vale-scp-second-draft.md",
    )
    sections = {section.heading.lower(): section for section in second.sections}
    questions = {}
    for key, kind, text, hint, options, required, heading in QUESTIONS:
        questions[key] = add_question(
            consultation, text, kind=kind, hint=hint, options=options, required=required,
            section=sections.get(heading.lower()) if heading else None, user=officer,
        )
    change_status(consultation, "open", user=officer)
    consultation.status_changed_at = datetime.combine(consultation.opens_on, time(9, 0))

    builder = _ResponseBuilder(rng, consultation, groups, localities, questions, officer, now)
    builder.build(responses)

    events, event_items = _add_events(rng, consultation, groups, localities, sections,
                                      facilitator, today)
    db.session.flush()
    return {
        "consultation": consultation.slug,
        "consultation_id": consultation.id,
        "versions": len(consultation.versions),
        "sections": sum(len(version.sections) for version in consultation.versions),
        "questions": len(questions),
        "responses": len(builder.responses),
        "answers": builder.answer_count,
        "feedback_items": len(builder.feedback_items) + len(event_items),
        "campaign_responses": builder.campaign_count,
        "equality_monitoring": builder.equality_count,
        "events": len(events),
        "users": [user.email for user in users.values()],
    }


def _demo_users(password):
    """The three demo accounts, reusing any that already exist."""
    password_hash = None
    users = {}
    for role, email in DEMO_EMAILS.items():
        user = User.query.filter_by(email=email).first()
        if user is None:
            if password_hash is None:
                password_hash = hash_password(password)
            user = User(email=email, name=DEMO_NAMES[role], password_hash=password_hash,
                        role=role, is_demo=True)
            if role in ("admin", "officer"):
                # Demo staff who need a second factor have one already: `flask --app engage
                # demo-code` prints their current code (demo accounts only).
                user.totp_secret = pyotp.random_base32()
                user.mfa_enabled_at = utcnow()
            db.session.add(user)
        users[role] = user
    db.session.flush()
    return users


def _weighted(rng, weights):
    """One key of a {value: weight} mapping (or a sequence of (value, weight) pairs)."""
    items = list(weights.items()) if isinstance(weights, dict) else list(weights)
    values = [value for value, _ in items]
    return rng.choices(values, weights=[weight for _, weight in items])[0]


class _ResponseBuilder:
    """Synthetic responses, answers, feedback items and equality rows, added in bulk."""

    def __init__(self, rng, consultation, groups, localities, questions, officer, now):
        self.rng = rng
        self.consultation = consultation
        self.groups = groups
        self.localities = localities
        self.questions = questions
        self.officer = officer
        self.now = now
        self.opened = datetime.combine(consultation.opens_on, time(9, 0))
        self.responses = []
        self.feedback_items = []
        self.equality_rows = []
        self.answer_count = 0
        self.campaign_count = 0
        self.equality_count = 0
        existing = db.session.query(Response.reference).filter(Response.reference.like("ENG-%"))
        self.references = {reference for (reference,) in existing}

    def build(self, total):
        """Add total responses: organisations, a campaign and individuals, in time order."""
        rng = self.rng
        organisations = round(total * 0.08)
        campaign = min(round(total * 25 / 300), total - organisations)
        kinds = (["organisation"] * organisations + ["campaign"] * campaign
                 + ["individual"] * (total - organisations - campaign))
        rng.shuffle(kinds)
        org_order = list(ORGANISATIONS)
        rng.shuffle(org_order)
        org_count = 0
        for kind in kinds:
            if kind == "organisation":
                self._organisation(org_order[org_count % len(org_order)])
                org_count += 1
            elif kind == "campaign":
                self._campaign()
            else:
                self._individual()
        db.session.add_all(self.responses)
        db.session.add_all(self.feedback_items)
        # Equality rows are linked by id only (kept apart from the response), so they need
        # the responses' ids: one flush for the whole batch.
        db.session.flush()
        db.session.add_all(
            EqualityMonitoring(
                consultation_id=self.consultation.id, response_id=response.id, **values,
                created_at=response.submitted_at, updated_at=response.submitted_at,
            )
            for response, values in self.equality_rows
        )

    # -- respondents ------------------------------------------------------

    def _individual(self):
        rng = self.rng
        group_names = self._individual_groups()
        locality_name, locality_other = self._locality()
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        consent = _weighted(rng, CONSENT_WEIGHTS)
        name = self._person_name() if consent == "publish_named" or rng.random() < 0.3 else ""
        response = self._response(
            channel=channel, respondent_type="individual", respondent_name=name,
            contact_email=self._email_for(name) if name and rng.random() < 0.6 else "",
            locality_name=locality_name, locality_other=locality_other, consent=consent,
            group_names=group_names, submitted_at=self._submitted_at(),
        )
        context = {"place": locality_name or "my area", "groups": group_names}
        stance = _weighted(rng, {"support": 32, "concern": 45, "mixed": 23})
        if channel in ("email", "letter"):
            # Letters and emails rarely follow the questionnaire: one long free-text answer.
            if rng.random() < 0.3:
                self._choice_answers(response, stance, group_names, only_vision=True)
            self._text_answer(response, "anything_else",
                              self._compose("anything_else", context, stance, longer=True))
        else:
            self._choice_answers(response, stance, group_names)
            for key, rate in FREE_TEXT_ANSWER_RATES.items():
                if key == "carers" and any(name.startswith("Carers") for name in group_names):
                    rate = 0.85
                if rng.random() < rate:
                    self._text_answer(response, key, self._compose(key, context, stance))
        if rng.random() < 0.66:
            self._equality(response, group_names)

    def _organisation(self, organisation):
        rng = self.rng
        org_name, group_names, locality_name, contact = organisation
        response = self._response(
            channel=_weighted(rng, {"online": 6, "email": 3, "letter": 1}),
            respondent_type="organisation", respondent_name=contact, organisation_name=org_name,
            contact_email=self._email_for(contact.split(",")[0].replace("Dr ", "")),
            locality_name=locality_name, locality_other="",
            consent=_weighted(rng, {"publish_named": 8, "publish_anonymous": 1, "do_not_publish": 1}),
            group_names=list(group_names), submitted_at=self._submitted_at(late=True),
        )
        context = {"place": locality_name or "the Vale", "groups": list(group_names), "org": org_name}
        stance = _weighted(rng, {"support": 20, "concern": 35, "mixed": 45})
        self._choice_answers(response, stance, list(group_names))
        keys = ["intentions", "anything_else"] + (["carers"] if rng.random() < 0.6 else [])
        if rng.random() < 0.4:
            keys.append("told_us")
        for position, key in enumerate(keys):
            context["first"] = position == 0
            self._text_answer(response, key, self._compose(key, context, stance, longer=True))

    def _campaign(self):
        rng = self.rng
        self.campaign_count += 1
        locality_name = "Fairside" if rng.random() < 0.85 else "Musselford"
        group_names = [_weighted(rng, {"Members of the public": 5, "Carers of users of social care": 3,
                                       "Users of social care": 2})]
        consent = _weighted(rng, {"publish_named": 4, "publish_anonymous": 5, "do_not_publish": 1})
        name = self._person_name()
        day = rng.randint(6, 9)
        submitted_at = self.now - timedelta(days=day, hours=rng.randint(0, 20), minutes=rng.randint(0, 59))
        response = self._response(
            channel=_weighted(rng, {"online": 8, "email": 2}), respondent_type="individual",
            respondent_name=name, contact_email=self._email_for(name) if rng.random() < 0.5 else "",
            locality_name=locality_name, locality_other="", consent=consent,
            group_names=group_names, submitted_at=max(submitted_at, self.opened),
        )
        text = CAMPAIGN_TEXT
        for old, new in rng.sample(CAMPAIGN_VARIATIONS, rng.randint(0, 2)):
            text = text.replace(old, new)
        if rng.random() < 0.4:
            text += rng.choice(CAMPAIGN_EXTRAS)
        if response.channel == "online" or rng.random() < 0.3:
            self._answer(response, "vision",
                         [_weighted(rng, {AGREE_SCALE[3]: 5, AGREE_SCALE[4]: 4, AGREE_SCALE[2]: 1})])
        self._text_answer(response, "anything_else", text)
        if rng.random() < 0.5:
            self._equality(response, group_names)
        if rng.random() < 0.5:
            self._answer(response, "how_heard",
                         [_weighted(rng, {"Social media": 6, "Word of mouth": 3,
                                          "A carers' or community organisation": 2})])

    # -- rows -------------------------------------------------------------

    def _response(self, channel, respondent_type, respondent_name, contact_email, locality_name,
                  locality_other, consent, group_names, submitted_at, organisation_name=""):
        rng = self.rng
        received_on = None
        entered_by = None
        checked = False
        if channel != "online":
            # Keyed in by an officer a day or two after it arrived.
            received_on = submitted_at.date()
            keyed_in = submitted_at + timedelta(days=rng.randint(0, 2), hours=rng.randint(1, 6))
            submitted_at = max(min(keyed_in, self.now - timedelta(minutes=rng.randint(5, 90))),
                               submitted_at)
            entered_by = self.officer
            checked = rng.random() < 0.5
        response = Response(
            consultation_id=self.consultation.id, reference=self._reference(), status="submitted",
            channel=channel, respondent_type=respondent_type, respondent_name=respondent_name,
            organisation_name=organisation_name, contact_email=contact_email,
            locality=self.localities.get(locality_name) if locality_name else None,
            locality_other=locality_other, consent=consent, submitted_at=submitted_at,
            received_on=received_on, entered_by=entered_by, checked_by_second_person=checked,
            is_demo=True,
            created_at=submitted_at - timedelta(minutes=rng.randint(3, 40)), updated_at=submitted_at,
        )
        response.groups = [self.groups[name] for name in group_names if name in self.groups]
        self.responses.append(response)
        return response

    def _answer(self, response, key, choices=(), text=""):
        self.answer_count += 1
        answer = Answer(response=response, question_id=self.questions[key].id, text=text,
                        choices=list(choices), created_at=response.submitted_at,
                        updated_at=response.submitted_at)
        return answer

    def _text_answer(self, response, key, text):
        text = text.strip()
        if not text:
            return
        question = self.questions[key]
        answer = self._answer(response, key, text=text)
        self.feedback_items.append(FeedbackItem(
            consultation_id=self.consultation.id, text=text, source="answer", response=response,
            answer=answer, question=question, section=question.section, position=question.position,
            is_demo=True, created_at=response.submitted_at, updated_at=response.submitted_at,
        ))

    def _choice_answers(self, response, stance, group_names, only_vision=False):
        rng = self.rng
        scale = {
            "support": {AGREE_SCALE[0]: 30, AGREE_SCALE[1]: 55, AGREE_SCALE[2]: 12, AGREE_SCALE[3]: 3},
            "concern": {AGREE_SCALE[0]: 4, AGREE_SCALE[1]: 22, AGREE_SCALE[2]: 30, AGREE_SCALE[3]: 30,
                        AGREE_SCALE[4]: 14},
            "mixed": {AGREE_SCALE[0]: 6, AGREE_SCALE[1]: 44, AGREE_SCALE[2]: 35, AGREE_SCALE[3]: 13,
                      AGREE_SCALE[4]: 2},
        }[stance]
        self._answer(response, "vision", [_weighted(rng, scale)])
        if only_vision:
            return
        if rng.random() < 0.78:
            weights = {option: 3 for option in PRIORITIES}
            weights["Getting an appointment quickly"] = 7
            weights["Support to stay in my own home"] = 6
            if any(name.startswith("Carers") for name in group_names):
                weights["Help for unpaid carers"] = 12
            picked = []
            for _ in range(rng.choice((1, 2, 3, 3))):
                option = _weighted(rng, {k: v for k, v in weights.items() if k not in picked})
                picked.append(option)
            self._answer(response, "priorities", [o for o in PRIORITIES if o in picked])
        if rng.random() < 0.85:
            self._answer(response, "how_heard", [_weighted(rng, {
                "Social media": 30, "Local newspaper or radio": 8, "Leaflet or poster": 9,
                "GP practice or pharmacy": 12, "A carers' or community organisation": 14,
                "Partnership newsletter or email": 15, "Word of mouth": 10, "Other": 2,
            })])

    def _equality(self, response, group_names):
        rng = self.rng
        values = {field: _weighted(rng, options) for field, options in EQUALITY_VALUES.items()}
        if any(name.startswith("Carers") for name in group_names) and rng.random() < 0.9:
            values["unpaid_carer"] = "Yes"
        self.equality_count += 1
        self.equality_rows.append((response, values))

    # -- values -----------------------------------------------------------

    def _reference(self):
        while True:
            reference = "ENG-" + "".join(self.rng.choice(REFERENCE_ALPHABET) for _ in range(6))
            if reference not in self.references:
                self.references.add(reference)
                return reference

    def _individual_groups(self):
        rng = self.rng
        first = _weighted(rng, INDIVIDUAL_GROUP_WEIGHTS)
        chosen = [first]
        if rng.random() < 0.25:
            chosen.append(_weighted(rng, {k: v for k, v in INDIVIDUAL_GROUP_WEIGHTS.items()
                                          if k != first}))
        return chosen

    def _locality(self):
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            return None, LOCALITY_OUTSIDE
        if roll < 0.05:
            return None, LOCALITY_PREFER_NOT
        return _weighted(rng, LOCALITY_WEIGHTS), ""

    def _submitted_at(self, late=False):
        """A time since the consultation opened: busy at launch, steady, busier lately."""
        rng = self.rng
        span_days = (self.now - self.opened).total_seconds() / 86400
        if late:  # organisations tend to reply after their committees meet
            fraction = rng.betavariate(3, 1.5)
        elif rng.random() < 0.25:
            fraction = rng.uniform(0, 0.15)
        else:
            fraction = rng.random()
        moment = self.opened + timedelta(days=span_days * fraction)
        # People respond in the waking day.
        moment = moment.replace(hour=rng.choice((7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                                                 20, 20, 21, 21, 22)),
                                minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0)
        # Drawn every time, so that the time of day the demo is loaded never shifts the sequence.
        fallback = self.now - timedelta(minutes=rng.randint(5, 240))
        if moment > self.now:
            moment = fallback
        return max(moment, self.opened)

    def _person_name(self):
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}"

    def _email_for(self, name):
        domain = self.rng.choice(("example.com", "example.org", "example.net"))
        return f"{name.strip().lower().replace(' ', '.')}@{domain}" if name else ""

    # -- free text ----------------------------------------------------------

    def _compose(self, key, context, stance, longer=False):
        """A plausible answer to one free-text question, from the phrase banks."""
        rng = self.rng
        is_org = "org" in context
        if not longer and rng.random() < 0.12:
            return rng.choice(SHORT_ANSWERS)
        theme_count = _weighted(rng, {1: 55, 2: 33, 3: 12}) + (1 if longer else 0)
        weights = dict(QUESTION_THEMES[key])
        themes = []
        for _ in range(min(theme_count, len(weights))):
            theme = _weighted(rng, {k: v for k, v in weights.items() if k not in themes})
            themes.append(theme)
        sentences, marks = [], []
        for position, theme in enumerate(themes):
            wanted = {"support": "s", "concern": "c"}.get(stance)
            if stance == "mixed":
                wanted = "s" if position % 2 == 0 else "c"
            bank = PHRASES[theme]
            if is_org:  # organisations do not speak about "my dad"
                bank = [(mark, text) for mark, text in bank if not _FIRST_PERSON.search(text)] or bank
            matching = [text for mark, text in bank if mark == wanted] or [text for _, text in bank]
            sentence = rng.choice(matching)
            sentences.append(sentence)
            marks.append(next(mark for mark, text in bank if text == sentence))
        if stance == "mixed" and len(sentences) == 1:
            sentences.append(rng.choice([t for m, t in PHRASES["general"] if m == "c"]))
        text = " ".join(sentences)
        if is_org:
            # The formal introduction once per response, then straight to the point.
            opener = rng.choice(ORGANISATION_OPENERS) if context.get("first") else ""
            if marks[0] == "c" and not _NOT_A_CLAUSE.match(text):
                opener += rng.choice(("Our members tell us that ", "In our experience, ", ""))
            if opener.endswith("that ") or opener.endswith(", "):
                text = _decapitalise(text)
            closer = rng.choice(ORGANISATION_CLOSERS) if context.get("first") else ""
            text = opener + text + closer
        else:
            if rng.random() < 0.35:
                options = [opener for name in context["groups"]
                           for opener in OPENERS_BY_GROUP.get(name, ())]
                if options:
                    opener = rng.choice(options)
                    if opener.endswith(", "):
                        text = _decapitalise(text)
                    text = opener + text
            if rng.random() < 0.07:
                text += " " + self._personal_detail()
            if rng.random() < 0.1:
                text = _roughen(text, rng)
        return text.format(place=context["place"], org=context.get("org", ""))

    def _personal_detail(self):
        rng = self.rng
        sentence = rng.choice(PERSONAL_DETAIL_SENTENCES)
        return (sentence.replace("{n3}", f"{rng.randint(0, 999):03d}")
                .replace("{email}", self._email_for(self._person_name()))
                .replace("{postcode}", rng.choice(POSTCODES)))


_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|my|My|me|mum|dad)\b")
_NOT_A_CLAUSE = re.compile(r"^(Involve|Please|What|Thank|Good|It is good|Nice words|'|Plans like)")
_KEEP_CAPITAL = re.compile(r"^(I\b|I'|GP|OT|Gypsy|Carer's|Vale|Musselford|Fairside|Community wellbeing|\{)")


def _decapitalise(text):
    """Lower-case the first letter, unless the first word is a name or "I"."""
    if not text or _KEEP_CAPITAL.match(text):
        return text
    return text[0].lower() + text[1:]


def _roughen(text, rng):
    """Make an answer look typed in a hurry: no capitals or apostrophes, a slip or two."""
    if rng.random() < 0.5:
        text = text.lower()
    text = text.replace("'", "") if rng.random() < 0.7 else text
    words = text.split(" ")
    for _ in range(rng.randint(1, 2)):
        index = rng.randrange(len(words))
        word = words[index]
        if len(word) > 4 and word.isalpha():
            cut = rng.randrange(1, len(word) - 2)
            words[index] = word[:cut] + word[cut + 1] + word[cut] + word[cut + 2:]
    text = " ".join(words).replace("a lot", "alot").replace("to be honest", "tbh")
    return text.rstrip(".") if rng.random() < 0.5 else text


def _add_events(rng, consultation, groups, localities, sections, facilitator, today):
    """Two events that have happened (with notes) and one still to come."""
    events, items = [], []
    for spec in EVENTS:
        day = today + timedelta(days=spec["days"])
        starts_at = datetime.combine(day, spec["start"])
        event = EngagementEvent(
            consultation_id=consultation.id, kind=spec["kind"], title=spec["title"],
            starts_at=starts_at, ends_at=datetime.combine(day, spec["end"]), venue=spec["venue"],
            locality=localities[spec["locality"]], facilitator_names=spec["facilitator_names"],
            formats=list(spec["formats"]), notes=spec["notes"],
            hard_to_reach_notes=spec["hard_to_reach_notes"], is_public=True,
            created_by_id=consultation.created_by_id, is_demo=True,
        )
        event.facilitators = [facilitator]
        event.attendance = [EventAttendance(group=groups[name], count=count)
                            for name, count in spec["attendance"].items() if name in groups]
        typed_up = datetime.combine(day + timedelta(days=1), time(rng.randint(9, 16), rng.randint(0, 59)))
        for position, (speaks_for, heading, text) in enumerate(spec["points"]):
            items.append(FeedbackItem(
                consultation_id=consultation.id, text=text, source="event_note", event=event,
                section=sections.get(heading.lower()) if heading else None, speaks_for=speaks_for,
                position=position, entered_by=facilitator, is_demo=True,
                created_at=typed_up, updated_at=typed_up,
            ))
        events.append(event)
    db.session.add_all(events)
    db.session.add_all(items)
    return events, items
