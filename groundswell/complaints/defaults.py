"""The default stage targets, retention rules and notice wording (seeded by migration 0002; `services.seed_defaults`
restores any missing row). Plain data, so the migration can read it too."""

SOURCE = (
    "Groundswell default, after the Forde report (2022) and the EHRC's 2020 action plan: a published timescale for "
    "every stage; edit for your rulebook"
)
TARGETS = {"intake": 2, "triage": 5, "investigation": 30, "hearing": 20, "decision": 5, "appeal": 20}
RETENTION_SOURCE = "Groundswell default retention schedule (UK GDPR Art. 5(1)(e) storage limitation); edit for yours"
RETENTION = [
    ("no_case", 1, "anonymise"),
    ("informal", 2, "anonymise"),
    ("not_upheld", 3, "anonymise"),
    ("upheld", 6, "anonymise"),
    ("", 6, "anonymise"),
]
NOTICES = {
    "acknowledgement": (
        "Your complaint {{ reference }} has been received",
        "Dear {{ given_name }},\n\nThank you: we have received your complaint. Its reference is {{ reference }}; "
        "please quote it whenever you contact us.\n\nAn independent, trained case handler will look at it. "
        "Our published timescales, in working days, are: {{ timescales }}.\n\nYou can follow its progress on your "
        "page (My complaints) if you are a member. If you are not, we will write to you at each stage.\n",
    ),
    "respondent_rights": (
        "A complaint about you: {{ reference }}",
        "Dear {{ given_name }},\n\nA complaint has been made about you (reference {{ reference }}) and will be "
        "investigated by an independent, trained case handler. You will be told what is alleged and have the "
        "chance to respond in writing before any decision; you may be accompanied at any hearing; any decision "
        "will give its reasons and you may appeal it.\n\nOur timescales, in working days: {{ timescales }}.\n",
    ),
    "stage": (
        "Complaint {{ reference }}: now at {{ stage }}",
        "Dear {{ given_name }},\n\nComplaint {{ reference }} has moved to: {{ stage }}."
        "{% if due_on %} We aim to complete this stage by {{ due_on }}.{% endif %}"
        "{% if outcome %} Outcome: {{ outcome }}.{% endif %}\n",
    ),
    "outcome": (
        "Complaint {{ reference }}: the decision",
        "Dear {{ given_name }},\n\nA decision has been made on complaint {{ reference }}: {{ outcome }}."
        "{% if sanction %} Sanction: {{ sanction }}.{% endif %}\n\nReasons: {{ reason }}\n\n"
        "Either party may appeal within 15 working days.\n",
    ),
    "suspension": (
        "Complaint {{ reference }}: interim suspension",
        "Dear {{ given_name }},\n\nWhile complaint {{ reference }} is dealt with, your membership rights are "
        "suspended. This is not a finding against you. The suspension will be reviewed; you will be told the "
        "outcome of each review.\n",
    ),
    "selection_flag": (
        "{{ selection }}: a participant is suspended",
        "Dear {{ given_name }},\n\nA participant in {{ selection }} (as {{ selection_role }}) is under an interim "
        "suspension from the party's complaints process (case {{ reference }}). Please take advice on how this "
        "affects the selection. The complaint's content is confidential and will not be shared with you.\n",
    ),
}
