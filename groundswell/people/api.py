"""REST API for people, tags, taggings, memberships and organisation units (OSDI resource names).

Access follows accounts/access.py exactly as the pages do:

* reading needs VIEW_PEOPLE and only ever sees people in units the caller covers (access.people_for);
  a record outside that scope is a 404, so the API never confirms that someone exists elsewhere;
* writing needs EDIT_PEOPLE at the person's unit (403 when the caller can see but not edit), and
  creating a person in a unit the caller does not cover is a 403;
* roles without VIEW_PEOPLE anywhere (volunteers, callers, members) get 403 from every endpoint;
* privileged users must have TOTP set up, whether they come with a token or a session.

Lists write a "searched" audit entry with the query string; detail views write "viewed". Writes go
through groundswell.people.services, which audits them.

Unknown fields in a request body are rejected with 400 naming them (a typo must not be silently
dropped); read-only fields (identifiers, dates, location) are accepted and ignored so a client can send
back what it received. Erased people are left out: nothing about them is left to serve.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from groundswell.accounts import access
from groundswell.accounts.access import Perm
from groundswell.accounts.middleware import user_has_totp
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record

from . import services
from .models import Membership, OrganisationUnit, Person, PhoneNumber, Tag, Tagging
from .normalise import InvalidValue, normalise_email, normalise_phone, normalise_postcode

MAX_CUSTOM_FIELDS_BYTES = 10_000
MAX_ADDRESSES = 10


# --- permissions ---------------------------------------------------------------------------------------


class CanUsePeopleApi(permissions.BasePermission):
    """Signed in, holds VIEW_PEOPLE somewhere, and (if privileged) has two-factor authentication set up."""

    message = "You do not have access to people data."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if access.is_privileged(user) and not user_has_totp(user):
            self.message = "Set up two-factor authentication first."
            return False
        return access.has_perm(user, Perm.VIEW_PEOPLE)


def _unit_for_audit(user: Any, perm: Perm = Perm.VIEW_PEOPLE) -> OrganisationUnit | None:
    """The unit to file a bulk-view entry under, so that unit's audit viewers see it (None if several)."""
    paths = access.unit_paths_with(user, perm)
    return OrganisationUnit.objects.filter(path=paths[0]).first() if len(paths) == 1 else None


def _invalid(exc: InvalidValue, field: str) -> serializers.ValidationError:
    return serializers.ValidationError(str(exc), code=exc.field or field)


# --- serializers -----------------------------------------------------------------------------------------


class StrictFieldsMixin:
    """Reject keys the serializer does not know, naming them; read-only keys are accepted and ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))  # type: ignore[attr-defined]
            if unknown:
                raise ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class EmailAddressSerializer(StrictFieldsMixin, serializers.Serializer):
    address = serializers.CharField(max_length=254)
    primary = serializers.BooleanField(default=False)

    def validate_address(self, value: str) -> str:
        try:
            return normalise_email(value)
        except InvalidValue as exc:
            raise _invalid(exc, "address") from exc


class PhoneNumberSerializer(StrictFieldsMixin, serializers.Serializer):
    number = serializers.CharField(max_length=40)
    primary = serializers.BooleanField(default=False)
    number_type = serializers.ChoiceField(choices=PhoneNumber.Kind.choices, source="kind", required=False)

    def validate_number(self, value: str) -> str:
        try:
            return normalise_phone(value)
        except InvalidValue as exc:
            raise _invalid(exc, "number") from exc


class LocationSerializer(serializers.Serializer):
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)


class PostalAddressSerializer(StrictFieldsMixin, serializers.Serializer):
    address_lines = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True), max_length=2, required=False
    )
    locality = serializers.CharField(max_length=100, allow_blank=True, required=False)
    postal_code = serializers.CharField(max_length=12, allow_blank=True, required=False)
    location = LocationSerializer(read_only=True)

    def validate_postal_code(self, value: str) -> str:
        if not value.strip():
            return ""
        try:
            return normalise_postcode(value)
        except InvalidValue as exc:
            raise _invalid(exc, "postal_code") from exc


class PersonSerializer(StrictFieldsMixin, serializers.Serializer):
    identifiers = serializers.SerializerMethodField()
    given_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    family_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    additional_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    email_addresses = EmailAddressSerializer(many=True, required=False, max_length=MAX_ADDRESSES)
    phone_numbers = PhoneNumberSerializer(many=True, required=False, max_length=MAX_ADDRESSES)
    postal_addresses = PostalAddressSerializer(many=True, required=False, max_length=1)
    custom_fields = serializers.DictField(required=False)
    unit = serializers.SlugRelatedField(slug_field="code", queryset=OrganisationUnit.objects.all(), required=False)
    created_date = serializers.DateTimeField(source="created_at", read_only=True)
    modified_date = serializers.DateTimeField(source="updated_at", read_only=True)

    def get_identifiers(self, person: Person) -> list[str]:
        return [f"groundswell:{person.pk}"]

    def to_representation(self, person: Person) -> dict:
        return {
            "identifiers": self.get_identifiers(person),
            "given_name": person.given_name,
            "family_name": person.family_name,
            "additional_name": person.additional_name,
            "email_addresses": [{"address": e.address, "primary": e.primary} for e in person.email_addresses.all()],
            "phone_numbers": [
                {"number": p.number, "primary": p.primary, "number_type": p.kind} for p in person.phone_numbers.all()
            ],
            "postal_addresses": [
                {
                    "address_lines": [line for line in (person.address_line1, person.address_line2) if line],
                    "locality": person.locality,
                    "postal_code": person.postcode,
                    "location": {"latitude": person.latitude, "longitude": person.longitude},
                }
            ]
            if (person.address_line1 or person.postcode or person.locality)
            else [],
            "custom_fields": person.custom_fields,
            "unit": person.unit.code,
            "created_date": serializers.DateTimeField().to_representation(person.created_at),
            "modified_date": serializers.DateTimeField().to_representation(person.updated_at),
        }

    def validate_custom_fields(self, value: dict) -> dict:
        # Free-form, so bounded: a client must not be able to stuff megabytes into every record.
        if len(json.dumps(value, default=str)) > MAX_CUSTOM_FIELDS_BYTES:
            raise serializers.ValidationError(f"custom_fields is larger than {MAX_CUSTOM_FIELDS_BYTES} bytes.")
        if any(len(key) > 100 for key in value):
            raise serializers.ValidationError("custom_fields keys must be at most 100 characters.")
        return value

    def validate(self, attrs: dict) -> dict:
        if self.instance is None and "unit" not in attrs:
            raise serializers.ValidationError({"unit": ["This field is required."]})
        if self.instance is not None and "unit" in attrs and attrs["unit"] != self.instance.unit:
            raise serializers.ValidationError({"unit": ["Moving a person between units is not done through the API."]})
        return attrs

    @staticmethod
    def person_fields(attrs: dict) -> dict[str, Any]:
        """The validated body as keyword arguments of people.services.create_person/update_person."""
        fields = {name: attrs[name] for name in ("given_name", "family_name", "additional_name") if name in attrs}
        if "postal_addresses" in attrs:
            address = attrs["postal_addresses"][0] if attrs["postal_addresses"] else {}
            lines = list(address.get("address_lines", [])) + ["", ""]
            fields.update(
                address_line1=lines[0],
                address_line2=lines[1],
                locality=address.get("locality", ""),
                postcode=address.get("postal_code", ""),
            )
        return fields


class TagSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "description"]


class TaggingSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.none())
    tag = serializers.SlugRelatedField(slug_field="name", queryset=Tag.objects.all())

    class Meta:
        model = Tagging
        fields = ["id", "person", "tag", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators: list = []  # uniqueness is handled by the view (adding an existing tag is a no-op)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only people the caller can see may be named; anyone else is "does not exist".
            self.fields["person"].queryset = access.people_for(request.user).filter(erased_at__isnull=True)


class NestedTaggingSerializer(StrictFieldsMixin, serializers.Serializer):
    tag = serializers.CharField(max_length=100)


class MembershipSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(read_only=True)
    branch = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    constituency_party = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "person", "number", "status", "joined_on", "lapsed_on", "branch", "constituency_party"]
        read_only_fields = fields


class OrganisationUnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = OrganisationUnit
        fields = ["id", "code", "name", "kind", "parent"]
        read_only_fields = fields


# --- filters ---------------------------------------------------------------------------------------------


def _normalised(normalise: Any, value: str, param: str) -> str:
    try:
        return normalise(value)
    except InvalidValue as exc:
        raise ValidationError({param: [str(exc)]}) from exc


class PersonFilter(filters.FilterSet):
    email = filters.CharFilter(method="filter_email", label="Email address (exact, any case)")
    phone = filters.CharFilter(method="filter_phone", label="Phone number (any UK format)")
    postcode = filters.CharFilter(method="filter_postcode", label="Postcode (any spacing/case)")
    tag = filters.CharFilter(field_name="taggings__tag__name", label="Tag name")
    unit = filters.CharFilter(method="filter_unit", label="Unit code (includes units below it)")
    membership_status = filters.ChoiceFilter(
        field_name="memberships__status", choices=Membership.Status.choices, label="Membership status"
    )
    modified_since = filters.IsoDateTimeFilter(method="filter_modified_since", label="Changed at or after (ISO 8601)")

    class Meta:
        model = Person
        fields: list[str] = []

    def filter_email(self, qs: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return qs.filter(email_addresses__address=_normalised(normalise_email, value, "email"))

    def filter_phone(self, qs: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return qs.filter(phone_numbers__number=_normalised(normalise_phone, value, "phone"))

    def filter_postcode(self, qs: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return qs.filter(postcode=_normalised(normalise_postcode, value, "postcode"))

    def filter_modified_since(self, qs: QuerySet[Person], name: str, value: datetime.datetime) -> QuerySet[Person]:
        # In UTC before it reaches the database: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows.
        try:
            since = value.astimezone(datetime.UTC) if value.tzinfo else value
        except OverflowError:
            raise ValidationError({"modified_since": ["That date and time is out of range."]}) from None
        return qs.filter(updated_at__gte=since)

    def filter_unit(self, qs: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        unit = OrganisationUnit.objects.filter(code=value).first()
        if unit is None:
            raise ValidationError({"unit": [f"No unit with code {value!r}."]})
        return qs.filter(access.within_units([unit]))

    def filter_queryset(self, queryset: QuerySet[Person]) -> QuerySet[Person]:
        # Joins through emails/tags/memberships can repeat a person.
        return super().filter_queryset(queryset).distinct()


# --- viewsets --------------------------------------------------------------------------------------------


class AuditedReadMixin:
    """Audit list views as "searched" (with the query string) and detail views as "viewed"."""

    audit_object_type = ""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)  # type: ignore[misc]
        count = response.data.get("count") if isinstance(response.data, dict) else len(response.data)
        record(
            AuditEntry.Action.SEARCHED,
            request=request,
            actor=request.user,
            object_type=self.audit_object_type,
            query=request.GET.urlencode(),
            detail={"results": count, "via": "api"},
            unit=_unit_for_audit(request.user),
        )
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()  # type: ignore[attr-defined]
        person = instance if isinstance(instance, Person) else getattr(instance, "person", None)
        record(
            AuditEntry.Action.VIEWED,
            request=request,
            actor=request.user,
            obj=instance,
            detail={"via": "api"},
            unit=getattr(person, "unit", None),
        )
        return Response(self.get_serializer(instance).data)  # type: ignore[attr-defined]


THROTTLES = [AnonRateThrottle, UserRateThrottle]


class PersonViewSet(
    AuditedReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """OSDI `people`. No DELETE: removing someone is an erasure, done by a data-protection officer."""

    serializer_class = PersonSerializer
    permission_classes = [CanUsePeopleApi]
    throttle_classes = THROTTLES
    filterset_class = PersonFilter
    audit_object_type = "people.person"

    def get_queryset(self) -> QuerySet[Person]:
        return (
            access.people_for(self.request.user, Perm.VIEW_PEOPLE)
            .filter(erased_at__isnull=True)
            .select_related("unit")
            .prefetch_related("email_addresses", "phone_numbers")
            .order_by("id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attrs = serializer.validated_data
        unit = attrs["unit"]
        if not access.has_perm(request.user, Perm.EDIT_PEOPLE, unit):
            raise PermissionDenied("You cannot add people to that unit.")
        emails = sorted(attrs.get("email_addresses", []), key=lambda e: not e.get("primary", False))
        phones = sorted(attrs.get("phone_numbers", []), key=lambda p: not p.get("primary", False))
        try:
            with transaction.atomic():
                person = services.create_person(
                    unit,
                    emails=[e["address"] for e in emails],
                    custom_fields=attrs.get("custom_fields"),
                    actor=request.user,
                    **PersonSerializer.person_fields(attrs),
                )
                for phone in phones:
                    services.add_phone(
                        person,
                        phone["number"],
                        kind=phone.get("kind"),
                        primary=phone.get("primary", False),
                        actor=request.user,
                    )
        except InvalidValue as exc:
            raise ValidationError({exc.field or "non_field_errors": [str(exc)]}) from exc
        person = self.get_queryset().get(pk=person.pk)
        return Response(self.get_serializer(person).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()  # 404 outside the caller's units
        if not access.can_access_person(request.user, Perm.EDIT_PEOPLE, person):
            raise PermissionDenied("You cannot change this person.")
        serializer = self.get_serializer(person, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        attrs = serializer.validated_data
        try:
            with transaction.atomic():
                # Addresses and numbers are added (primary first), never removed, matching the services.
                emails = sorted(attrs.get("email_addresses", []), key=lambda e: not e.get("primary", False))
                services.update_person(
                    person,
                    custom_fields=attrs.get("custom_fields"),
                    actor=request.user,
                    **PersonSerializer.person_fields(attrs),
                )
                for email in emails:
                    services.add_email(
                        person, email["address"], primary=email.get("primary", False), actor=request.user
                    )
                for phone in sorted(attrs.get("phone_numbers", []), key=lambda p: not p.get("primary", False)):
                    services.add_phone(
                        person,
                        phone["number"],
                        kind=phone.get("kind"),
                        primary=phone.get("primary", False),
                        actor=request.user,
                    )
        except InvalidValue as exc:
            raise ValidationError({exc.field or "non_field_errors": [str(exc)]}) from exc
        return Response(self.get_serializer(self.get_queryset().get(pk=person.pk)).data)

    @extend_schema(methods=["GET"], responses=TaggingSerializer(many=True))
    @extend_schema(methods=["POST"], request=NestedTaggingSerializer, responses={201: TaggingSerializer(many=True)})
    @action(detail=True, methods=["get", "post"], url_path="taggings", pagination_class=None, filter_backends=[])
    def taggings(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        """GET: this person's taggings. POST {"tag": name}: tag them (the tag is created if new)."""
        person = self.get_object()
        if request.method == "POST":
            body = NestedTaggingSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            _add_tag(request, person, body.validated_data["tag"])
        rows = person.taggings.select_related("tag").order_by("tag__name")
        data = TaggingSerializer(rows, many=True, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK)


def _add_tag(request: Request, person: Person, name: str) -> Tagging:
    if not access.can_access_person(request.user, Perm.EDIT_PEOPLE, person):
        raise PermissionDenied("You cannot change this person.")
    try:
        with transaction.atomic():
            tag = services.add_tags(person, [name], actor=request.user)
            if not tag:
                raise ValidationError({"tag": ["A tag name is required."]})
            record(
                AuditEntry.Action.CHANGED,
                request=request,
                actor=request.user,
                obj=person,
                detail={"fields": ["tags"], "added": tag[0].pk, "via": "api"},
            )
    except InvalidValue as exc:
        raise ValidationError({"tag": [str(exc)]}) from exc
    return Tagging.objects.get(person=person, tag=tag[0])


class TaggingViewSet(
    AuditedReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """OSDI `taggings`: which tag is on which person. Filter with ?person=ID or ?tag=NAME."""

    serializer_class = TaggingSerializer
    permission_classes = [CanUsePeopleApi]
    throttle_classes = THROTTLES
    filterset_fields = {"person": ["exact"], "tag__name": ["exact"]}
    audit_object_type = "people.tagging"

    def get_queryset(self) -> QuerySet[Tagging]:
        people = access.people_for(self.request.user).filter(erased_at__isnull=True)
        return Tagging.objects.filter(person__in=people).select_related("tag", "person__unit").order_by("id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tagging = _add_tag(request, serializer.validated_data["person"], serializer.validated_data["tag"].name)
        return Response(self.get_serializer(tagging).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Tagging) -> None:
        if not access.can_access_person(self.request.user, Perm.EDIT_PEOPLE, instance.person):
            raise PermissionDenied("You cannot change this person.")
        with transaction.atomic():
            record(
                AuditEntry.Action.CHANGED,
                request=self.request,
                actor=self.request.user,
                obj=instance.person,
                detail={"fields": ["tags"], "removed": instance.tag_id, "via": "api"},
            )
            instance.delete()


class TagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """OSDI `tags`. Tag names are not personal data; creating one needs EDIT_PEOPLE somewhere."""

    serializer_class = TagSerializer
    permission_classes = [CanUsePeopleApi]
    throttle_classes = THROTTLES
    queryset = Tag.objects.order_by("name")
    filterset_fields = {"name": ["exact"]}

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        if not access.has_perm(self.request.user, Perm.EDIT_PEOPLE):
            raise PermissionDenied("You cannot create tags.")
        serializer.save()


class MembershipViewSet(AuditedReadMixin, viewsets.ReadOnlyModelViewSet):
    """Memberships of the people the caller can see. Read-only: membership changes come from imports."""

    serializer_class = MembershipSerializer
    permission_classes = [CanUsePeopleApi]
    throttle_classes = THROTTLES
    filterset_fields = {"status": ["exact"], "person": ["exact"]}
    audit_object_type = "people.membership"

    def get_queryset(self) -> QuerySet[Membership]:
        people = access.people_for(self.request.user).filter(erased_at__isnull=True)
        return (
            Membership.objects.filter(person__in=people)
            .select_related("person__unit", "branch", "constituency_party")
            .order_by("id")
        )


class OrganisationUnitViewSet(viewsets.ReadOnlyModelViewSet):
    """The units the caller covers (where they hold VIEW_PEOPLE, and everything below)."""

    serializer_class = OrganisationUnitSerializer
    permission_classes = [CanUsePeopleApi]
    throttle_classes = THROTTLES
    filterset_fields = {"kind": ["exact"], "code": ["exact"]}

    def get_queryset(self) -> QuerySet[OrganisationUnit]:
        return access.units_for(self.request.user, Perm.VIEW_PEOPLE).select_related("parent").order_by("path")


def register(router: Any) -> None:
    """Called by groundswell/core/api_urls.py."""
    router.register("people", PersonViewSet, basename="person")
    router.register("tags", TagViewSet, basename="tag")
    router.register("taggings", TaggingViewSet, basename="tagging")
    router.register("memberships", MembershipViewSet, basename="membership")
    router.register("organisation_units", OrganisationUnitViewSet, basename="organisation-unit")
