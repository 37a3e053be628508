"""The demo's messaging: two segments, an email template and one finished send with plausible statistics."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.test.utils import override_settings

from groundswell.accounts.models import User
from groundswell.geography.models import Postcode
from groundswell.people.models import OrganisationUnit

from . import segments, sending, services
from .models import EmailRecipient, EmailSend, SendStatus

DEMO_SUBJECT = "Saturday action day: will you join us, {{ given_name }}?"
DEMO_BODY = (
    "Hi {{ given_name }},\n\n"
    "We're out on the doorstep this Saturday from 10am, meeting at the Abbey Ward committee room. "
    "No experience needed: we'll pair you with someone who has done it before.\n\n"
    "Reply to this email to say you're coming.\n\n"
    "Thanks,\nThe Reading East team\n\n"
    "You're getting this because you asked for campaign emails. Unsubscribe: {{ unsubscribe_url }}\n"
)


def build_messaging_demo(say: Callable[[str], None] = lambda m: None) -> None:
    clp = OrganisationUnit.objects.filter(code__startswith="CLP-", kind="constituency").order_by("id").first()
    if clp is None or EmailSend.objects.filter(unit=clp, source="demo").exists():
        return
    say("Building the messaging demo…")
    organiser = User.objects.filter(email="organiser@example.org").first()
    volunteers = services.save_segment(
        unit=clp, name="Volunteers", filters=[{"key": "tag", "value": ["volunteer", "canvasser"]}], actor=organiser
    )
    centre = Postcode.objects.filter(postcode__startswith="RG1 ", latitude__isnull=False).order_by("postcode").first()
    near = [{"key": "membership_status", "value": ["active"]}]
    if centre is not None:
        near.append(
            {
                "key": "distance",
                "value": {"postcode": centre.postcode, "lat": centre.latitude, "lon": centre.longitude, "km": 3},
            }
        )
    services.save_segment(unit=clp, name="Active members near the town centre", filters=near, actor=organiser)
    template = services.save_template(
        unit=clp, name="Action day invitation", subject=DEMO_SUBJECT, body_text=DEMO_BODY, actor=organiser
    )
    send = services.create_email_send(
        unit=clp,
        subject=template.subject,
        body_text=template.body_text,
        people=segments.people_matching(clp, volunteers.filters),
        actor=organiser,
        source="demo",
        segment=volunteers,
        template=template,
    )
    EmailSend.objects.filter(pk=send.pk).update(status=SendStatus.QUEUED)
    # The demo's people are made up: send through the dummy backend rather than printing hundreds of emails.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        sending.run_send("email", send.pk)
    _plausible_tracking(send)


def _plausible_tracking(send: EmailSend) -> None:
    """Provider events as a real send might get back: most delivered, some opened and clicked, a bounce."""
    rng = random.Random(7)
    rows = list(EmailRecipient.objects.filter(send=send).values_list("id", "address", "message_id"))
    for i, (rid, address, message_id) in enumerate(rows):
        meta = {"gs_recipient": str(rid)}
        if i == 0:
            services.record_email_event("bounced", recipient=address, message_id=message_id, metadata=meta)
            continue
        services.record_email_event("delivered", recipient=address, message_id=message_id, metadata=meta)
        roll = rng.random()
        if roll < 0.1:
            services.record_email_event("clicked", recipient=address, message_id=message_id, metadata=meta)
        elif roll < 0.42:
            services.record_email_event("opened", recipient=address, message_id=message_id, metadata=meta)
