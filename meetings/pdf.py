"""The agenda and the minutes as A4 PDF files, in Chinese (docs/meetings.md, Printing).

Drawn with ReportLab in pure Python: the text is set in Adobe's STSong-Light, a CID font
every PDF reader knows, so nothing is embedded and no system library or font file is
needed. The printed HTML sheets (print stylesheet) say the same; this is their download.
"""

import io
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cases import people

FONT = "STSong-Light"
LANGUAGE = "zh-hans"
INK = colors.HexColor("#1d2330")
MUTED = colors.HexColor("#5d6675")
BRAND = colors.HexColor("#b3261e")
LINE = colors.HexColor("#d9dee6")
WIDTH = A4[0] - 32 * mm


def _font():
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _style(name, size, leading=None, color=INK, **kwargs):
    return ParagraphStyle(
        name, fontName=FONT, fontSize=size, leading=leading or size * 1.6, textColor=color, **kwargs
    )


STYLES = {
    "org": _style("org", 11, color=BRAND, alignment=TA_CENTER),
    "title": _style("title", 18, leading=26, alignment=TA_CENTER, spaceBefore=4),
    "kind": _style("kind", 13, alignment=TA_CENTER, spaceAfter=8),
    "h2": _style("h2", 13, color=BRAND, spaceBefore=12, spaceAfter=4),
    "body": _style("body", 10.5),
    "item": _style("item", 11.5, spaceBefore=6),
    "meta": _style("meta", 9, color=MUTED),
    "cell": _style("cell", 9.5, leading=14),
    "foot": _style("foot", 9, color=MUTED, alignment=TA_RIGHT, spaceBefore=16),
}


def _p(text, style="body"):
    """A paragraph of plain text: escaped, line breaks kept."""
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), STYLES[style])


def _when(moment, fmt="%Y-%m-%d %H:%M"):
    return timezone.localtime(moment).strftime(fmt)


def _parties(parties):
    return "、".join(p.label for p in parties) or "—"


def _head(meeting, members, kind, attendance=False):
    local = timezone.localtime(meeting.starts_at)
    rows = [
        (_("Date and time"), f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"),
        (pgettext("meeting", "Place"), meeting.place),
        (_("Convener"), meeting.convener.label),
        (_("Member parties"), _parties(members)),
    ]
    if attendance:
        rows.append((_("Present"), meeting.attendance or "—"))
    facts = Table(
        [[_p(label, "cell"), _p(value, "cell")] for label, value in rows],
        colWidths=[28 * mm, WIDTH - 28 * mm],
    )
    facts.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [
        _p(meeting.convener.label, "org"),
        _p(meeting.title, "title"),
        _p(kind, "kind"),
        facts,
    ]


def _item_meta(item, with_state):
    if item.is_follow_up:
        text = _("Follow-up of an earlier decision")
        if with_state:
            done = pgettext("decision", "Done") if item.follow_up_done else _("Not done yet")
            text = f"{text}：{done}"
    elif item.case_id:
        text = f"{_('Escalated case')} {item.case.number}"
    else:
        text = _("Topic")
    if item.presenter_id:
        text += f" · {_('Presented by')} {item.presenter.label}"
    return text


def _decision_table(decisions):
    header = [
        _("No."),
        _("Item"),
        _("Lead party"),
        _("Co-parties"),
        pgettext("decision", "Deadline"),
    ]
    rows = [[_p(h, "cell") for h in header]]
    for n, decision in enumerate(decisions, start=1):
        item = [_p(decision.item.title, "cell")]
        if decision.measures:
            item.append(_p(decision.measures, "meta"))
        rows.append(
            [
                _p(n, "cell"),
                item,
                _p(decision.lead_party.label, "cell"),
                _p(_parties(decision.co_parties.all()), "cell"),
                _p(_when(decision.deadline), "cell"),
            ]
        )
    widths = [12 * mm, WIDTH - 12 * mm - 34 * mm - 40 * mm - 30 * mm, 34 * mm, 40 * mm, 30 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, INK),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f4f6f9")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _page_number(canvas, doc):
    canvas.saveState()
    canvas.setFont(FONT, 9)
    canvas.setFillColor(MUTED)
    canvas.drawCentredString(A4[0] / 2, 10 * mm, f"— {doc.page} —")
    canvas.restoreState()


def _build(title, story):
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=title,
        author="",
        creator="Hongmei case tracker",
    )
    document.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()


def agenda(meeting, members, items):
    """The agenda as PDF bytes."""
    _font()
    with translation.override(LANGUAGE):
        story = _head(meeting, members, _("Agenda"))
        story.append(_p(_("Agenda"), "h2"))
        for number, item in enumerate(items, start=1):
            story.append(_p(f"{number}. {item.title}", "item"))
            story.append(_p(_item_meta(item, with_state=False), "meta"))
            if item.is_follow_up:
                decision = item.follows
                done = pgettext("decision", "Done") if item.follow_up_done else _("Not done yet")
                deadline = _when(decision.deadline, "%Y-%m-%d")
                story.append(
                    _p(
                        f"{_('Lead party')}：{decision.lead_party.label}；"
                        f"{pgettext('decision', 'Deadline')}：{deadline}；{done}"
                    )
                )
            elif item.description:
                story.append(_p(item.description[:300]))
        if not items:
            story.append(_p(_("The agenda is empty.")))
        story.append(_p(_("Printed %(at)s") % {"at": _when(timezone.now())}, "foot"))
        return _build(f"{meeting.title} {_('Agenda')}", story)


def minutes(meeting, members, items, decisions, corrections):
    """The minutes, with the decisions as a table, as PDF bytes."""
    _font()
    with translation.override(LANGUAGE):
        story = _head(meeting, members, _("Minutes"), attendance=True)
        if meeting.state != meeting.State.APPROVED:
            story += [Spacer(1, 4), _p(_("Draft: these minutes are not approved yet."), "h2")]
        story.append(_p(_("Items"), "h2"))
        for number, item in enumerate(items, start=1):
            story.append(_p(f"{number}. {item.title}", "item"))
            story.append(_p(_item_meta(item, with_state=True), "meta"))
            if item.minutes:
                story.append(_p(item.minutes))
            if item.outcome == item.Outcome.DEFERRED:
                story.append(_p(f"{_('Deferred to the next meeting')}：{item.outcome_note}"))
        story.append(_p(_("Decisions"), "h2"))
        story.append(_decision_table(decisions) if decisions else _p(_("No decisions.")))
        if corrections:
            story.append(_p(_("Corrections"), "h2"))
            for n, event in enumerate(corrections, start=1):
                about = f"（{event.data['title']}）" if event.data.get("title") else ""
                story.append(_p(f"{n}. {_when(event.created_at, '%Y-%m-%d')}{about}：{event.note}"))
        foot = _("Printed %(at)s") % {"at": _when(timezone.now())}
        if meeting.approved_at:
            approved = _("Minutes approved on %(at)s by %(who)s.") % {
                "at": _when(meeting.approved_at, "%Y-%m-%d"),
                "who": people.display_name(meeting.approved_by),
            }
            foot = f"{approved} {foot}"
        story.append(_p(foot, "foot"))
        return _build(f"{meeting.title} {_('Minutes')}", story)
