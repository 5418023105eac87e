"""The public pages (docs/public.md): the report form at /, its confirmation, and the
private tracking page at /t/<token>/. No account: a link's token is the key."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cases import (
    intake,
    ledger,
    ledger_page,
    media,
    questions,
    ratelimit,
    routing,
    suggest,
    workflow,
)
from cases.images import MAX_PHOTOS
from cases.models import Category
from public import tracking
from public.forms import EXPIRED, REPORTER_ACTION_FORMS, ReportForm, WhereForm

HOUR = 3600
SUGGESTIONS = 3  # categories offered while a resident types
SUGGEST_FLOOR = 0.05  # below this confidence a guess is noise, not a suggestion
TOO_MANY_FROM_HERE = _(
    "Many reports have been sent from your network in the last hour. Thank you for your "
    "patience: please try again a little later."
)
TOO_MANY_FOR_CONTACT = _(
    "You have already sent several reports today with this contact. Thank you! Please "
    "follow them with their links; you can send more tomorrow."
)
DONE = {
    "verify": _("Thank you: you confirmed the fix, and the case is closed."),
    "dispute": _("Thank you: an inspector will check the result again."),
    "rate": _("Thank you for rating the result."),
    "reopen": _("The case is reopened: the operations centre will take it up again."),
}


def _categories():
    return list(Category.objects.filter(is_active=True, parent__isnull=False))


def _form_page(request, form, categories, *, status=200, nearby_prompt=False):
    chosen = form["category"].value() if form.is_bound else None
    focus = form.focus_first_error()
    return render(
        request,
        "public/report.html",
        {
            "form": form,
            "common": [c for c in categories if c.is_common],
            "others": [c for c in categories if not c.is_common],
            "other_chosen": any(c.code == chosen and not c.is_common for c in categories),
            "photos_lost": bool(request.FILES.getlist("photos")),
            "nearby_prompt": nearby_prompt,
            "focus": focus,
            "max_photos": MAX_PHOTOS,
            "tile_url": settings.HONGMEI_TILE_URL,
            "bounds": routing.street_bounds(),
        },
        status=status,
    )


# Never cached: each showing carries its own idempotency key, and a key shown to two people
# would let the second see the first one's confirmation.
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report(request):
    categories = _categories()
    if request.method == "POST":
        return _send(request, categories)
    form = ReportForm(initial={"key": intake.new_key()}, categories=categories)
    return _form_page(request, form, categories)


def _send(request, categories):
    done = intake.submission_for(request.POST.get("key"))
    if done is not None:  # sent before: a double tap, a refresh, the back button
        return redirect("track_sent", done.token)
    data = request.POST.copy()
    expired = not intake.is_key(data.get("key"))
    if expired:
        data["key"] = intake.new_key()
    ip = ratelimit.client_ip(request)
    if not ratelimit.hit("send-ip", ip, limit=settings.HONGMEI_SENDS_PER_IP_HOUR, period=HOUR):
        form = ReportForm(data, categories=categories)  # the photos are not even read
        form.add_error(None, TOO_MANY_FROM_HERE)
        return _form_page(request, form, categories, status=429)
    form = ReportForm(data, request.FILES, categories=categories)
    if expired:
        form.add_error(None, EXPIRED)
    if not form.is_valid():
        return _form_page(request, form, categories)
    reporter = form.reporter()
    if intake.contact_over_limit(reporter):
        form.add_error("phone" if reporter.phone else "email", TOO_MANY_FOR_CONTACT)
        return _form_page(request, form, categories, status=429)
    if not form.following and form.unseen_nearby:
        return _form_page(request, form, categories, nearby_prompt=True)
    try:
        submission = _file_or_follow(form, data["key"], reporter)
    except workflow.WorkflowError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return _form_page(request, form, categories)
    return redirect("track_sent", submission.token)


def _file_or_follow(form, key, reporter):
    if form.following:
        return intake.follow_case(key=key, reporter=reporter, case=form.followed)
    return intake.file_report(key=key, reporter=reporter, **form.report())


@require_GET
def where(request):
    """The place and the open cases nearby, for the form's live check (an HTML fragment)."""
    form = WhereForm(request.GET)
    form.is_valid()
    return render(request, "public/_where.html", {"form": form})


@require_GET
@cache_control(public=True, max_age=300)
def suggest_category(request):
    """The likeliest categories for a description as it is typed (static/js/suggest.js):
    {"suggestions": [{"code", "label", "confidence"}]}, empty without a trained model."""
    text = request.GET.get("text", "")
    if len(text) > suggest.MAX_TEXT:
        text = text[: suggest.MAX_TEXT]
    guesses = suggest.with_categories(suggest.predict(text, k=SUGGESTIONS))
    return JsonResponse(
        {
            "suggestions": [
                {"code": c.code, "label": str(c.label), "confidence": round(p, 3)}
                for c, p in guesses
                if p >= SUGGEST_FLOOR
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@cache_control(public=True, max_age=600)
def area_outlines(request):
    return JsonResponse(
        intake.area_outlines(),
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@cache_control(public=True, max_age=60)
def questions_css(request):
    """Shows each category's own questions when it is chosen, without JavaScript: one rule
    per category, served as a style sheet because the pages allow no inline style."""
    codes = [c.code for c in _categories() if questions.ordered(c)]
    return render(request, "public/questions.css", {"codes": codes}, content_type="text/css")


def _not_found(request):
    """The same plain page for a malformed token and an unknown one."""
    return render(request, "public/not_found.html", status=404)


@never_cache
@require_GET
def sent(request, token):
    tracked = tracking.find(token)
    if tracked is None:
        return _not_found(request)
    url = request.build_absolute_uri(reverse("track", args=[token]))
    reporter = tracked.follower.reporter if tracked.follower else tracked.case.reporter
    return render(
        request,
        "public/sent.html",
        {"tracked": tracked, "case": tracked.case, "url": url, "reporter": reporter},
    )


@never_cache
@require_GET
def track(request, token):
    tracked = tracking.find(token)
    if tracked is None:
        return _not_found(request)
    return _track_page(request, tracked)


@require_GET
def track_photo(request, token, pk):
    """A photo the tracking page shows, to whoever holds the page's link; a 404 alike for
    an unknown token and for a photo that is not the page's (an internal one)."""
    tracked = tracking.find(token)
    shown = tracking.photo(tracked, pk) if tracked is not None else None
    if shown is None:
        raise Http404
    return media.serve(shown.file, content_type=shown.content_type)


def _public_history(tracked):
    return ledger.history(
        tracked.case,
        public_events=workflow.PUBLIC_EVENTS,
        public_notes=workflow.PUBLIC_NOTE_EVENTS,
    )


@require_GET
@never_cache
def track_history_json(request, token):
    """The verifiable history of the case, as the tracking page shows it (docs/ledger.md)."""
    tracked = tracking.find(token)
    if tracked is None:
        return _not_found(request)
    return ledger_page.download(_public_history(tracked))


@require_GET
@never_cache
def track_history(request, token):
    tracked = tracking.find(token)
    if tracked is None:
        return _not_found(request)
    context = ledger_page.context(_public_history(tracked)) | {
        "back": reverse("track", args=[token]),
        "download": reverse("track_history_json", args=[token]),
    }
    return render(request, "public/history.html", context)


def _track_page(request, tracked, bound=None):
    case = tracked.case
    forms = {
        name: bound if bound is not None and bound.action == name else REPORTER_ACTION_FORMS[name]()
        for name in tracked.allowed_actions()
    }
    before, after = tracking.photos(case)
    return render(
        request,
        "public/track.html",
        {
            "tracked": tracked,
            "case": case,
            "state_words": tracking.state_words(case),
            "deadline": tracking.deadline(case),
            "timeline": tracking.timeline(case),
            "answers": questions.answers_shown(case) if tracked.is_reporter else [],
            "original": tracking.original_followed(tracked),
            "before": before,
            "after": after,
            "forms": forms,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def track_action(request, token, action):
    # Status codes of 400 and up are logged with the path; a valid token must not be, so a
    # refused action answers 200, and a stray GET (back, refresh) goes to the page.
    if request.method == "GET":
        return redirect("track", token)
    tracked = tracking.find(token)
    if tracked is None or action not in REPORTER_ACTION_FORMS:
        return _not_found(request)
    form = REPORTER_ACTION_FORMS[action](request.POST)
    form.action = action
    if form.is_valid():
        try:
            workflow.perform(tracked.case, action, actor=tracked.actor(), **form.inputs())
        except workflow.WorkflowError as error:
            if action not in tracked.allowed_actions():
                messages.error(request, str(error))
                return redirect("track", token)
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, DONE[action])
            return redirect("track", token)
    return _track_page(request, tracked, bound=form)
