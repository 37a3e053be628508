"""What a subject access export includes from complaints, and what it withholds.

UK GDPR Art. 15 gives the person their own data; the Data Protection Act 2018 Sch. 2 para. 16 lets us withhold
information that identifies someone else (ICO guidance: "Right of access", third-party data) and paras. 2 and 19
cover crime and legal privilege. So:
- as complainant: the complaint as they made it, its stage, dates, outcome and the notices sent to them;
- as respondent: that a complaint was made about them, its category, stage, dates, outcome, any sanction and
  interim suspension, and the notices sent to them, but never the complainant's identity, the complaint's words
  or the evidence (third parties' data);
- a case with a recorded exemption (`Case.sar_exemption`) is listed with the exemption instead of its material.
"""

from __future__ import annotations

from typing import Any

from groundswell.audit.dataprotection import register_section

from .models import Case


def _common(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "category": case.get_category_display(),
        "stage": case.get_stage_display(),
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "outcome": case.get_outcome_display() if case.outcome else "",
    }


def _notices(case: Case, recipient: str) -> list[dict[str, Any]]:
    return [
        {"sent_at": n.sent_at, "subject": n.subject, "body": n.body}
        for n in case.notices.filter(recipient=recipient).order_by("sent_at", "id")
    ]


def complaints_section(person: Any) -> dict[str, list[dict[str, Any]]]:
    made, about = [], []
    for case in Case.objects.filter(complainant=person, anonymised_at__isnull=True).order_by("opened_at"):
        row = _common(case)
        if case.sar_exemption:
            row["withheld"] = case.get_sar_exemption_display()
        else:
            row |= {"summary": case.summary, "notices": _notices(case, "complainant")}
        made.append(row)
    for case in Case.objects.filter(respondent=person, anonymised_at__isnull=True).order_by("opened_at"):
        row = _common(case)
        if case.sar_exemption:
            row["withheld"] = case.get_sar_exemption_display()
        else:
            row |= {
                "sanction": case.get_sanction_display() if case.sanction else "",
                "decision_reason": case.decision_reason,
                "interim_suspensions": [
                    {"imposed_at": s.imposed_at, "review_on": s.review_on, "lifted_at": s.lifted_at, "reason": s.reason}
                    for s in case.suspensions.order_by("imposed_at")
                ],
                "notices": _notices(case, "respondent"),
                "withheld": "The complainant's identity, the complaint's words and the evidence (third parties' data, "
                "DPA 2018 Sch. 2 para. 16)",
            }
        about.append(row)
    return {"complaints_made": made, "complaints_about_them": about}


def register_subject_access_section() -> None:
    register_section("complaints", complaints_section)
