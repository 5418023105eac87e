"""The printable verifiable history of a case (staff and reporter alike): the rows of an
exported history (cases.ledger.history) in words, the day's root and its QR code. The
page shows exactly what the downloaded file holds."""

from dataclasses import dataclass
from datetime import datetime

import segno
from django.http import JsonResponse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from cases.workflow import ACTOR_ROLE_LABELS, EVENT_LABELS

HIDDEN = _("Internal step: only its hashes are shown")


@dataclass
class Row:
    seq: int
    at: datetime | None
    what: str
    who: str
    note: str
    hash: str
    redacted: bool


def _moment(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def rows(history):
    parties = history["parties"]
    out = []
    for event in history["events"]:
        if event.get("redacted"):
            out.append(Row(event["seq"], None, str(HIDDEN), "", "", event["hash"], True))
            continue
        who = str(ACTOR_ROLE_LABELS.get(event["actor_role"], event["actor_role"]))
        party = parties.get(str(event["actor_party"])) if event["actor_party"] else None
        note = event.get("note", {}).get("value", "") if isinstance(event.get("note"), dict) else ""
        out.append(
            Row(
                seq=event["seq"],
                at=_moment(event["at"]),
                what=str(EVENT_LABELS.get(event["kind"], event["kind"])),
                who=f"{who} · {party}" if party else who,
                note=note,
                hash=event["hash"],
                redacted=False,
            )
        )
    return out


def latest_anchor(history):
    """The last day's digest the case is sealed in, or None while none is."""
    return history["anchors"][-1] if history["anchors"] else None


def qr_svg(text):
    """An inline SVG QR code of `text` (no style attributes: the CSP forbids them)."""
    return mark_safe(segno.make(text, error="m").svg_inline(scale=3, dark="#000"))  # noqa: S308


def context(history):
    """What the printable page shows of an exported history."""
    anchor = latest_anchor(history)
    sealed = anchor["root"] if anchor else history["head"]
    return {
        "history": history,
        "rows": rows(history),
        "anchor": anchor,
        "qr": qr_svg(sealed) if sealed else "",
    }


def download(history):
    """The history as a JSON file to save (UTF-8, Chinese as itself)."""
    response = JsonResponse(history, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="{history["case"]}-history.json"'
    response["Cache-Control"] = "no-store"
    return response
