"""The staff REST API at /api/ (for the district platform and scripts).

Token or session authentication; the same visibility as the portal (Case.objects.visible_to:
another party's case is a 404); actions go through workflow.perform() with the same checks,
its refusals mapped to HTTP statuses. Configuration (categories, parties, areas) is read-only.
"""

from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from cases import keyset, people, workflow
from cases.images import PhotoError, clean_photos
from cases.models import Area, Case, Category, Event, Party, State
from cases.text import clean_text
from cases.workflow import ACTIONS, EVENT_LABELS

# ---------------------------------------------------------------------------- permissions


class IsStaffMember(permissions.BasePermission):
    message = _("Only staff of the street's parties may use this API.")

    def has_permission(self, request, view):
        return people.is_staff_member(request.user)


class CheckedCursor(CursorPagination):
    """A cursor the client made up or altered is a 400 naming the cursor, never a server
    error: the position it holds is checked before it reaches a query."""

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound as error:
            raise ValidationError({"cursor": [self.invalid_cursor_message]}) from error
        position = cursor.position if cursor is not None else None
        if position is not None and not self.readable(position):
            raise ValidationError({"cursor": [self.invalid_cursor_message]})
        return cursor

    def readable(self, position):
        return "\x00" not in position

    def get_page_size(self, request):
        """A page size is one whole number from 1: repeated, a list, an object or anything
        else is a 400 (DRF would quietly fall back to the default). Above the maximum it is
        the maximum."""
        given = request.query_params.getlist(self.page_size_query_param)
        if not given:
            return self.page_size
        try:
            size = int(given[0]) if len(given) == 1 and given[0].isascii() else 0
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {self.page_size_query_param: [_("A page size is one whole number from 1.")]}
            )
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = _(
                    "Results per page, from 1; above %(max)s gives %(max)s."
                ) % {"max": self.max_page_size}
        return parameters


class NewestFirst(CheckedCursor):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def readable(self, position):
        try:
            keyset.moment(position)
        except (ValueError, OverflowError):
            return False
        return True


class ByCode(CheckedCursor):
    ordering = "code"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


# ---------------------------------------------------------------------------- serializers


class CaseSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lead_party = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "number",
            "state",
            "state_label",
            "category",
            "priority",
            "channel",
            "external_id",
            "description",
            "address",
            "lat",
            "lng",
            "area",
            "lead_party",
            "created_at",
            "updated_at",
            "due_at",
            "overdue",
            "external_due",
        ]
        read_only_fields = fields

    def get_overdue(self, case) -> bool:
        return case.is_overdue()


class EventSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    actor_party = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "kind",
            "label",
            "created_at",
            "actor",
            "actor_role",
            "actor_party",
            "cause",
            "from_state",
            "to_state",
            "note",
            "data",
        ]
        read_only_fields = fields

    def get_label(self, event) -> str:
        return str(EVENT_LABELS.get(event.kind, event.kind))


class BlankIsNullURLField(serializers.URLField):
    """A URL, or null when there is none (the model stores "", which is no URI)."""

    def to_representation(self, value):
        return value or None


class BlankIsNullChoiceField(serializers.ChoiceField):
    """One of the choices, or null when none is made yet (the model stores "")."""

    def to_representation(self, value):
        return value or None


class CaseDetailSerializer(CaseSerializer):
    co_parties = serializers.SerializerMethodField()
    media_url = BlankIsNullURLField(read_only=True, allow_null=True)
    satisfaction = BlankIsNullChoiceField(
        choices=Case.Satisfaction.choices, read_only=True, allow_null=True
    )
    events = EventSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "co_parties",
            "answers",
            "media_url",
            "accept_due",
            "contact_due",
            "resolve_due",
            "verify_due",
            "extension_requested_until",
            "dispatched_at",
            "accepted_at",
            "contacted_at",
            "resolved_at",
            "closed_at",
            "rework_count",
            "return_count",
            "reopen_count",
            "satisfaction",
            "allowed_actions",
            "events",
        ]
        read_only_fields = fields

    def get_co_parties(self, case) -> list[str]:
        return [s.party.code for s in case.shares.all() if s.is_active]

    def get_allowed_actions(self, case) -> list[str]:
        return workflow.allowed_actions(case, workflow.Actor.staff(self.context["request"].user))


class CaseFilterSerializer(serializers.Serializer):
    state = serializers.MultipleChoiceField(choices=State.choices, required=False)
    category = serializers.SlugField(required=False, help_text="category code (a main one too)")
    party = serializers.SlugField(required=False, help_text="lead party code")
    area = serializers.SlugField(required=False, help_text="area code, with the areas inside")
    channel = serializers.ChoiceField(choices=Case.Channel.choices, required=False)
    priority = serializers.ChoiceField(choices=Case.Priority.choices, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)
    number = serializers.CharField(required=False, max_length=24)


class PlainTextField(serializers.CharField):
    """Multi-line text without control characters (cases.text)."""

    def to_internal_value(self, data):
        return clean_text(super().to_internal_value(data))


class ActionSerializer(serializers.Serializer):
    """Every input an action may take; which ones an action needs is in docs/workflow.md."""

    note = PlainTextField(required=False, allow_blank=True, max_length=4000)
    reason = PlainTextField(required=False, allow_blank=True, max_length=4000)
    open_shares_reason = PlainTextField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text="resolve: why the case is resolved before every co-party has reported",
    )
    lead_party = serializers.SlugRelatedField(
        slug_field="code", queryset=Party.objects.filter(is_active=True), required=False
    )
    co_parties = serializers.SlugRelatedField(
        slug_field="code", queryset=Party.objects.filter(is_active=True), many=True, required=False
    )
    deadline = serializers.DateTimeField(required=False)
    rating = serializers.ChoiceField(choices=Case.Satisfaction.choices, required=False)
    duplicate_of = serializers.CharField(required=False, max_length=24, help_text="case number")
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True, parent__isnull=False),
        required=False,
        help_text="recategorise: the new sub-category's code",
    )
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=5)


class ProblemSerializer(serializers.Serializer):
    """Every refusal but a list's invalid filters: DRF's own (authentication, permission,
    throttling, not found, a body it cannot parse) carry only `detail`; the workflow's
    refusals add `code` and `field`."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False, help_text="the workflow's refusal code")
    field = serializers.CharField(
        required=False, allow_null=True, help_text="the input the refusal is about"
    )


# A list's invalid filter, cursor or page size: each named argument with its messages,
# e.g. {"cursor": ["Invalid cursor"]}.
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": "Each refused argument with its messages.",
}


class DocumentedErrors(AutoSchema):
    """Adds the refusals every operation can answer, as JSON, where a view does not say
    them itself: 401 (no or a wrong token), 403 (not staff of a party), 404 (an object out
    of scope, for operations on one object), 429 (throttled), and 400 with the refused
    arguments for lists."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {
            "401": _("Not signed in: no token or session, or a wrong token."),
            "403": _("Not staff of any party, or the action is not theirs."),
            "429": _("Too many requests; the Retry-After header says when to try again."),
        }
        if "{" in self.path:
            errors["404"] = _("No such object, or not in the caller's scope.")
        for code, description in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ProblemSerializer, code, direction=direction
                )
            responses[code]["description"] = str(description)
        if self._is_list_view() and "400" not in responses:
            responses["400"] = {
                "description": str(_("A filter, the cursor or the page size is refused.")),
                "content": {"application/json": {"schema": FIELD_ERRORS_SCHEMA}},
            }
        return responses


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "name_en",
            "parent",
            "description",
            "is_active",
            "is_urgent",
            "accept_hours",
            "contact_hours",
            "resolve_hours",
            "verify_hours",
            "evidence_required",
            "questions",
        ]
        read_only_fields = fields


class PartySerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Party
        fields = ["code", "name", "name_en", "kind", "area", "is_active"]
        read_only_fields = fields


class AreaSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Area
        fields = ["code", "name", "name_en", "kind", "parent", "depth", "boundary"]
        read_only_fields = fields


# ---------------------------------------------------------------------------- views

# A refusal of the workflow, as the HTTP status a client acts on.
REFUSALS = {
    workflow.UnknownAction: status.HTTP_404_NOT_FOUND,
    workflow.NotPermitted: status.HTTP_403_FORBIDDEN,
    workflow.NotYourParty: status.HTTP_403_FORBIDDEN,
    workflow.InvalidState: status.HTTP_409_CONFLICT,
    workflow.NotNow: status.HTTP_409_CONFLICT,
    workflow.MissingInput: status.HTTP_400_BAD_REQUEST,
    workflow.InvalidInput: status.HTTP_400_BAD_REQUEST,
}


def problem(code, detail, field=None, http_status=400):
    return Response({"code": code, "detail": str(detail), "field": field}, status=http_status)


@extend_schema(tags=["cases"])
class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Cases the caller may see: every case for street-wide roles, their parties' cases
    for handlers. Newest first, with a cursor to the next page."""

    permission_classes = [permissions.IsAuthenticated, IsStaffMember]
    schema = DocumentedErrors()
    pagination_class = NewestFirst
    lookup_field = "number"
    lookup_value_regex = r"[-\w]+"

    def get_queryset(self):
        cases = Case.objects.visible_to(self.request.user).select_related(
            "category", "lead_party", "area"
        )
        if self.action == "retrieve":
            return cases.prefetch_related("shares__party", "events__actor", "events__actor_party")
        return self._filter(cases)

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def _filter(self, cases):
        if self.action != "list":
            return cases
        given = CaseFilterSerializer(data=self.request.query_params)
        given.is_valid(raise_exception=True)
        f = given.validated_data
        if f.get("state"):
            cases = cases.filter(state__in=f["state"])
        if f.get("category"):
            code = f["category"]
            cases = cases.filter(Q(category__code=code) | Q(category__parent__code=code))
        if f.get("party"):
            cases = cases.filter(lead_party__code=f["party"])
        if f.get("area"):
            cases = cases.filter(area_id__in=_area_and_inside(f["area"]))
        for name in ("channel", "priority", "number"):
            if f.get(name):
                cases = cases.filter(**{name: f[name]})
        if f.get("overdue") is True:
            cases = cases.overdue()
        elif f.get("overdue") is False:
            cases = cases.exclude(due_at__lt=timezone.now())
        if f.get("created_after"):
            cases = cases.filter(created_at__gte=f["created_after"])
        if f.get("created_before"):
            cases = cases.filter(created_at__lt=f["created_before"])
        return cases

    @extend_schema(parameters=[CaseFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={
            "application/json": ActionSerializer,
            "multipart/form-data": ActionSerializer,
        },
        responses={
            200: inline_serializer(
                "ActionDone",
                {
                    "event": EventSerializer(),
                    # null when the action took the case out of the caller's scope
                    "case": CaseDetailSerializer(allow_null=True),
                },
            ),
            400: ProblemSerializer,
            403: ProblemSerializer,
            404: ProblemSerializer,
            409: ProblemSerializer,
            415: ProblemSerializer,
        },
        description="Perform a workflow action (docs/workflow.md) as the signed-in user.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"actions/(?P<action_name>[a-z_]+)",
        url_name="action",
    )
    def perform(self, request, number, action_name):
        case = self.get_object()
        spec = ACTIONS.get(action_name)
        if spec is None:
            return problem("unknown_action", _("Unknown action."), http_status=404)
        given = ActionSerializer(data=request.data)
        if not given.is_valid():
            field, messages = next(iter(given.errors.items()))
            return problem("invalid_input", _flatten(messages), field)
        inputs, refusal = _inputs(spec, given.validated_data, request.user)
        if refusal is not None:
            return refusal
        try:
            event = workflow.perform(
                case, action_name, actor=workflow.Actor.staff(request.user), **inputs
            )
        except workflow.WorkflowError as error:
            return problem(error.code, error, error.field, REFUSALS.get(type(error), 400))
        # A handler who returns a case no longer sees it: the event is the answer then.
        fresh = self.get_queryset().filter(pk=case.pk).first()
        context = self.get_serializer_context()
        return Response(
            {
                "event": EventSerializer(event, context=context).data,
                "case": CaseDetailSerializer(fresh, context=context).data if fresh else None,
            }
        )


def _inputs(spec, data, user):
    """The workflow inputs from the validated request, or a refusal naming the field."""
    allowed = set(spec.needs) | set(spec.accepts)
    inputs = {}
    for name, value in data.items():
        if value in (None, "", []):
            continue
        if name not in allowed:
            return None, problem(
                "invalid_input",
                _("“%(action)s” takes no %(field)s.") % {"action": spec.label, "field": name},
                name,
            )
        inputs[name] = value
    if "duplicate_of" in inputs:
        original = Case.objects.visible_to(user).filter(number=inputs["duplicate_of"]).first()
        if original is None:
            return None, problem("invalid_input", _("No such case."), "duplicate_of")
        inputs["duplicate_of"] = original
    if "photos" in inputs:
        try:
            photos, errors = clean_photos(inputs["photos"])
        except PhotoError as error:
            return None, problem("invalid_input", error.message, "photos")
        if errors:
            return None, problem("invalid_input", next(iter(errors.values())), "photos")
        inputs["photos"] = photos
    return inputs, None


def _flatten(messages):
    while isinstance(messages, list | dict):
        messages = next(iter(messages.values() if isinstance(messages, dict) else messages))
    return str(messages)


def _area_and_inside(code):
    """The ids of the area with this code and of every area inside it: none for a code no
    area has (an empty list, as an unknown category or party gives; a well-formed code is
    valid input)."""
    root = Area.objects.filter(code=code).values_list("id", flat=True).first()
    if root is None:
        return set()
    ids, frontier = {root}, {root}
    while frontier:
        frontier = set(Area.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        ids |= frontier
    return ids


class ConfigViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, IsStaffMember]
    schema = DocumentedErrors()
    pagination_class = ByCode
    lookup_field = "code"
    lookup_value_regex = r"[-\w]+"


@extend_schema(tags=["configuration"])
class CategoryViewSet(ConfigViewSet):
    """Categories with their time limits (hours) and the questions they ask."""

    queryset = Category.objects.select_related("parent")
    serializer_class = CategorySerializer


@extend_schema(tags=["configuration"])
class PartyViewSet(ConfigViewSet):
    """The parties of the joint committee."""

    queryset = Party.objects.select_related("area")
    serializer_class = PartySerializer


@extend_schema(tags=["configuration"])
class AreaViewSet(ConfigViewSet):
    """The area tree, with boundaries as GeoJSON (WGS84, longitude first)."""

    queryset = Area.objects.select_related("parent")
    serializer_class = AreaSerializer


@csrf_exempt  # it changes nothing, whatever the method: a POST's 404 is not a CSRF 403
def not_found(request):
    """Any other address under /api/ answers 404 in JSON, as the API's own 404s do (never
    the site's HTML page): e.g. a case number with a character no number has."""
    return JsonResponse({"detail": str(_("Not found."))}, status=404)
