"""People pages. Thin: parse the request, ask access/selectors/services, render, audit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from groundswell.accounts import access
from groundswell.audit.services import record
from groundswell.geography.models import Ward
from groundswell.geography.selectors import constituency_by_code

from . import import_uploads
from .dedupe import MERGE_FIELDS, MergeError, find_duplicate_candidates, merge_people
from .exporting import export_people_csv
from .forms import PersonForm
from .importing import import_people_csv
from .models import Consent, Membership, Person, Tag
from .normalise import InvalidValue
from .search import PeopleFilter, search_people
from .selectors import current_consents
from .services import save_person, set_consent, update_person

PAGE_SIZE = 50


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Perm.VIEW_PEOPLE)
    flt = PeopleFilter.from_params(request.GET)
    page = Paginator(search_people(request.user, flt), PAGE_SIZE).get_page(request.GET.get("page"))
    record(
        "searched",
        request=request,
        object_type="people.person",
        query=flt.as_query() or "(all)",
        detail={"page": page.number, "shown": len(page.object_list), "total": page.paginator.count},
    )
    context = {
        "page": page,
        "filter": flt,
        "query": flt.as_query(),
        "tags": Tag.objects.all(),
        "statuses": Membership.Status.choices,
        "channels": Consent.Channel.choices,
        "units": access.units_for(request.user, access.Perm.VIEW_PEOPLE),
        "can_export": access.has_perm(request.user, access.Perm.EXPORT_PEOPLE),
        "can_add": access.has_perm(request.user, access.Perm.EDIT_PEOPLE),
    }
    template = "people/_results.html" if request.htmx else "people/list.html"
    return render(request, template, context)


def _person_context(person: Person) -> dict:
    return {
        "person": person,
        # A person's code is stored without its set: read in the current set first (constituency_by_code).
        "constituency": constituency_by_code(person.constituency_code) if person.constituency_code else None,
        "ward": Ward.objects.filter(code=person.ward_code).only("name").first() if person.ward_code else None,
        "emails": person.email_addresses.all(),
        "phones": person.phone_numbers.all(),
        "memberships": person.memberships.select_related("branch", "constituency_party"),
        "consents": current_consents(person),
        "tags": person.tags.all(),
        "timeline": person.timeline.select_related("actor")[:200],
        "suppressions": person.suppressions.all(),
    }


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("unit"), pk=pk)
    access.require(request.user, access.Perm.VIEW_PEOPLE, person)
    if person.merged_into_id:
        messages.info(request, "This record was merged; showing the record it was merged into.")
        return redirect("people:detail", pk=person.merged_into_id)
    record("viewed", request=request, obj=person)
    context = _person_context(person)
    context.update(
        {
            "can_subject_access": access.has_perm(request.user, access.Perm.SUBJECT_ACCESS, person.unit),
            "can_erase": access.has_perm(request.user, access.Perm.ERASE_PEOPLE, person.unit),
            "can_edit": access.has_perm(request.user, access.Perm.EDIT_PEOPLE, person.unit),
        }
    )
    return render(request, "people/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_new(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Perm.EDIT_PEOPLE)
    return _person_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("unit"), pk=pk)
    # The person, not only the page: an organiser edits only people in the units they cover.
    access.require(request.user, access.Perm.EDIT_PEOPLE, person)
    if person.merged_into_id or person.erased_at:
        messages.info(request, "This record was merged or erased and cannot be edited.")
        return redirect("people:detail", pk=person.merged_into_id or person.pk)
    return _person_form(request, person)


def _person_form(request: HttpRequest, person: Person | None) -> HttpResponse:
    form = PersonForm(request.POST or None, user=request.user, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = person.unit if person else data["unit"]
        try:
            # A chosen unit is one the form offers (the user's own); check the actor holds it all the same.
            access.require(request.user, access.Perm.EDIT_PEOPLE, unit)
            saved = save_person(
                person,
                unit=unit,
                fields=form.person_fields(),
                email=data["email"],
                phone=data["phone"],
                tags=data["tags"],
                consents=form.consents(),
                consent_source=data["consent_source"],
                actor=request.user,
            )
        except InvalidValue as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc))
        else:
            messages.success(request, f"{saved.display_name} {'updated' if person else 'added'}.")
            return redirect("people:detail", pk=saved.pk)
    context = {"form": form, "person": person, "consents": current_consents(person) if person else {}}
    return render(request, "people/person_form.html", context)


CONSENT_WORDING = {
    "email": "I'm happy to receive campaign emails.",
    "sms": "I'm happy to receive campaign text messages.",
    "phone": "I'm happy to be phoned about the campaign.",
    "post": "I'm happy to receive campaign post.",
}
SELF_SERVICE_FIELDS = ["given_name", "family_name", "address_line1", "address_line2", "locality", "postcode"]


@login_required
@require_http_methods(["GET", "POST"])
def my_record(request: HttpRequest) -> HttpResponse:
    """A member's own record: see it, correct it, manage their consents."""
    person = request.user.person
    if person is None:
        messages.info(request, "Your login is not linked to a person record yet.")
        return redirect("core:dashboard")
    access.require(request.user, access.Perm.VIEW_OWN_RECORD, person)
    errors: dict[str, str] = {}
    if request.method == "POST":
        fields = {name: request.POST.get(name, "").strip() for name in SELF_SERVICE_FIELDS}
        phone = request.POST.get("phone", "").strip()
        email = request.POST.get("email", "").strip()
        try:
            update_person(
                person,
                emails=[email] if email and email != person.primary_email else None,
                phones=[phone] if phone and phone != person.primary_phone else None,
                actor=request.user,
                **fields,
            )
        except InvalidValue as exc:
            errors[getattr(exc, "field", "") or "form"] = str(exc)
        if not errors:
            current = current_consents_status(person)
            for channel in Consent.Channel.values:
                wanted = request.POST.get(f"consent_{channel}")
                if wanted in (Consent.Status.GRANTED, Consent.Status.WITHDRAWN) and wanted != current.get(channel):
                    set_consent(
                        person,
                        channel,
                        wanted,
                        "self-service: my record page",
                        CONSENT_WORDING[channel],
                        by=request.user,
                    )
            messages.success(request, "Your record has been updated.")
            return redirect("people:me")
    record("viewed", request=request, obj=person, detail={"self_service": True})
    context = _person_context(person)
    context.update({"errors": errors, "wording": CONSENT_WORDING, "current": current_consents_status(person)})
    return render(request, "people/me.html", context)


def current_consents_status(person: Person) -> dict[str, str]:
    return {channel: (c.status if c else "") for channel, c in current_consents(person).items()}


@login_required
@require_http_methods(["GET", "POST"])
def export_people(request: HttpRequest) -> HttpResponse:
    """Export the current search as CSV. Asks for a reason, which goes in the audit log."""
    access.require(request.user, access.Perm.EXPORT_PEOPLE)
    flt = PeopleFilter.from_params(request.GET if request.method == "GET" else request.POST)
    people = search_people(request.user, flt, perm=access.Perm.EXPORT_PEOPLE)
    reason = request.POST.get("reason", "").strip()
    if request.method == "POST" and len(reason) >= 5:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="people-export.csv"'
        export_people_csv(people, response, actor=request.user, reason=reason, query=flt.as_query() or "(all)")
        return response
    error = "Say why you need this export (at least a few words)." if request.method == "POST" else ""
    return render(
        request,
        "people/export.html",
        {
            "filter_items": [(k, v) for k, v in vars(flt).items() if v],
            "count": people.count(),
            "error": error,
            "query": flt.as_query(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_people(request: HttpRequest) -> HttpResponse:
    """Upload → preview (a dry run listing every problem) → confirm. Nothing is written before confirming."""
    access.require(request.user, access.Perm.IMPORT_PEOPLE)
    units = access.units_for(request.user, access.Perm.IMPORT_PEOPLE)
    context: dict = {"units": units}
    if request.method == "POST":
        unit = units.filter(code=request.POST.get("unit", "")).first()
        if unit is None:
            context["error"] = "Choose a unit you organise to import into."
            return render(request, "people/import.html", context)
        token = request.POST.get("token", "")
        if "file" in request.FILES:
            try:
                token = import_uploads.save(request.FILES["file"], request.user)
            except ValueError as exc:  # too large
                context["error"] = str(exc)
                return render(request, "people/import.html", context)
        path = import_uploads.path_for(token, request.user)
        if path is None:
            context["error"] = "Choose a CSV file to upload (the previous upload has expired)."
            return render(request, "people/import.html", context)
        confirm = request.POST.get("confirm") == "yes"
        skip_invalid = request.POST.get("skip_invalid") == "yes"
        report = import_people_csv(
            path,
            unit=unit,
            dry_run=not confirm,
            skip_invalid=skip_invalid,
            actor=request.user,
            source_name=import_uploads.original_name(token, request.user),
            allowed_units=units,
        )
        if confirm and (report.ok or skip_invalid):
            import_uploads.discard(token, request.user)
            messages.success(
                request,
                f"Imported: {report.created} new, {report.updated} updated"
                + (f", {report.skipped} rows skipped" if report.skipped else "")
                + ".",
            )
            return redirect(f"{request.build_absolute_uri('/people/')}?unit={unit.code}")
        context.update({"report": report, "token": token, "unit": unit, "skip_invalid": skip_invalid})
    return render(request, "people/import.html", context)


@login_required
def duplicates(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Perm.MERGE_PEOPLE)
    pairs = find_duplicate_candidates(access.people_for(request.user, access.Perm.MERGE_PEOPLE))[:200]
    people = Person.objects.in_bulk({pk for c in pairs for pk in (c.person_a_id, c.person_b_id)})
    rows = [
        {"first": people[c.person_a_id], "second": people[c.person_b_id], "reasons": c.reasons}
        for c in pairs
        if c.person_a_id in people and c.person_b_id in people
    ]
    record(
        "searched",
        request=request,
        object_type="people.person",
        query="duplicate candidates",
        detail={"pairs": len(rows)},
    )
    return render(request, "people/duplicates.html", {"candidates": rows})


@login_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, keep: int, other: int) -> HttpResponse:
    allowed = access.people_for(request.user, access.Perm.MERGE_PEOPLE)
    keep_person = get_object_or_404(allowed, pk=keep)
    other_person = get_object_or_404(allowed, pk=other)
    if keep_person.pk == other_person.pk:
        messages.error(request, "A record cannot be merged with itself.")
        return redirect("people:duplicates")
    if request.method == "POST":
        choices = {name: "other" for name in MERGE_FIELDS if request.POST.get(name) == "other"}
        try:
            merge_people(keep_person, other_person, actor=request.user, field_choices=choices)
        except MergeError as exc:
            messages.error(request, str(exc))
            return redirect("people:duplicates")
        messages.success(request, "Records merged; every timeline entry was kept.")
        return redirect("people:detail", pk=keep_person.pk)
    record("viewed", request=request, obj=keep_person, detail={"merge_with": other_person.pk})
    record("viewed", request=request, obj=other_person, detail={"merge_with": keep_person.pk})
    rows = [
        (name, Person._meta.get_field(name).verbose_name, getattr(keep_person, name), getattr(other_person, name))
        for name in MERGE_FIELDS
    ]
    context = {
        "keep": keep_person,
        "other": other_person,
        "rows": rows,
        "keep_ctx": _person_context(keep_person),
        "other_ctx": _person_context(other_person),
    }
    return render(request, "people/merge.html", context)
