"""The demo street's joint meetings (called by demo.street.seed): one meeting held ten days
ago whose minutes are approved, with decisions on escalated cases and on topics, and one
planned for next week, whose agenda already carries the follow-up of those decisions.

Everything goes through the meeting functions and the case workflow, backdated: cases are
escalated, decided, and then worked on by the parties the meeting named. Idempotent: once a
meeting exists, nothing is added.
"""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from cases import routing, workflow
from cases.inputs import unreported_shares
from cases.models import Case, Membership, Party, Role, State
from cases.workflow import Actor
from demo.street import evidence_photo
from meetings import agenda, decisions, invitations, minutes
from meetings.forms import COMMITTEE_KINDS
from meetings.models import Meeting

PLACE = "虹梅街道办事处三楼会议室"
ATTENDANCE = (
    "街道办事处分管领导（主持）、网格化管理中心，航天新苑、永兆、钦北居委会，"
    "虹梅物业服务公司，虹梅路商户自治联盟，虹梅城管执法中队，虹梅市场监管所。"
)
CASE_MEASURES = [
    "牵头单位约谈责任方，限期整改；协办单位按分工配合现场处置，并将结果报牵头单位。",
    "牵头单位组织现场会勘，制定整改方案；协办单位提供资料并参与联合检查。",
]
CASE_MINUTES = "与会各方听取情况介绍后认为，该问题涉及多个责任主体，需联合处置。"


def _at(day, hour=14, minute=0):
    """`day` at a time of day in Shanghai, moved to the Monday after a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _title(at, suffix):
    local = timezone.localtime(at)
    return f"{local.year}年{local.month}月街区治理联席会议{suffix}"


def _handler(party):
    membership = (
        Membership.objects.filter(party=party, role=Role.HANDLER, is_active=True)
        .select_related("user")
        .first()
    )
    return Actor.staff(membership.user)


def _cases_for(held_at):
    """Up to three cases awaiting the meeting before it was held: those escalated already,
    else cases in progress that their lead party escalates the day before."""
    before = held_at - timedelta(days=1)
    cases = list(
        Case.objects.filter(state=State.AWAITING_MEETING, updated_at__lt=before).order_by(
            "updated_at", "id"
        )[:3]
    )
    more = Case.objects.filter(
        state=State.IN_PROGRESS, updated_at__lt=before - timedelta(hours=2)
    ).order_by("updated_at", "id")
    for case in more[: 3 - len(cases)]:
        event = workflow.perform(
            case,
            "escalate",
            actor=_handler(case.lead_party),
            at=before,
            reason="涉及多个责任主体，本单位无法单独解决，申请提交街区治理联席会议协调。",
        )
        cases.append(event.case)
    return cases


def _work_on(case, decided_at, rng, finish):
    """The parties named by the decision work on the case: the lead accepts, co-parties
    report their shares; with `finish`, the lead resolves and an inspector verifies."""

    case = workflow.perform(
        case, "accept", actor=_handler(case.lead_party), at=decided_at + timedelta(hours=2)
    ).case
    for n, share in enumerate(unreported_shares(case), start=1):
        workflow.perform(
            case,
            "report_share",
            actor=_handler(share.party),
            at=decided_at + timedelta(days=1, hours=n),
            note="已按联席会议分工完成协办事项。",
        )
    if not finish:
        return case
    photos = [evidence_photo(rng)] if case.category.evidence_required else []
    case = workflow.perform(
        case,
        "resolve",
        actor=_handler(case.lead_party),
        at=decided_at + timedelta(days=2),
        note="已按联席会议决定整改到位，现场已拍照留存。",
        photos=photos,
    ).case
    return workflow.perform(
        case,
        "verify",
        actor=Actor.staff(_inspector()),
        at=decided_at + timedelta(days=3),
        note="现场核查已整改。",
    ).case


def _parties_for(case, p):
    """The lead the routing rules suggest (else the party that had the case), and two
    co-parties of the joint committee."""
    suggestion = routing.suggest(case)
    lead = suggestion.lead_party if suggestion else (case.lead_party or p["cityops"])
    co = [party for party in (p["cityops"], p["property-hongmei"], p["market"]) if party != lead]
    return lead, co[:2]


def _inspector():
    return (
        Membership.objects.filter(role=Role.INSPECTOR, is_active=True)
        .select_related("user")
        .first()
        .user
    )


def seed_meetings(street, now=None, rng_seed=2026):
    """Create the demo meetings unless a meeting exists. Returns the meetings created."""
    if Meeting.objects.exists():
        return []
    rng = random.Random(rng_seed)
    now = now or timezone.now()
    p, secretary = street.parties, street.users["secretary"]
    members = list(Party.objects.filter(kind__in=COMMITTEE_KINDS, is_active=True, is_demo=False))
    members += [p["property-hongmei"], p["oc-hangtian"]]
    held_at = _at(timezone.localdate(now) - timedelta(days=10))
    with transaction.atomic():
        cases = _cases_for(held_at)
        past = agenda.create_meeting(
            user=secretary,
            title=_title(held_at, ""),
            starts_at=held_at,
            place=PLACE,
            convener=p["street-office"],
            members=members,
            at=held_at - timedelta(days=5),
        )
        case_items = [
            agenda.add_case(past, case, user=secretary, at=held_at - timedelta(days=4))
            for case in cases
        ]
        signboards = agenda.add_topic(
            past,
            user=secretary,
            title="虹梅路店招店牌集中整治行动",
            description="虹梅路沿线80余家商铺店招破损、样式杂乱，拟开展为期一个月的集中整治。",
            presenter=p["cityops"],
            at=held_at - timedelta(days=3),
        )
        bikes = agenda.add_topic(
            past,
            user=secretary,
            title="地铁站口共享单车停放秩序",
            description="早晚高峰园区通勤人员集中，地铁站口单车堆积，需明确停放区域和清运责任。",
            presenter=p["park"],
            at=held_at - timedelta(days=3),
        )
        minutes.hold(past, user=secretary, at=held_at + timedelta(hours=2))
        minutes.write_attendance(past, user=secretary, text=ATTENDANCE)
        decided_at = held_at + timedelta(hours=2, minutes=10)
        for n, item in enumerate(case_items):
            minutes.write_minutes(item, user=secretary, text=CASE_MINUTES)
            if n == 2:
                decisions.defer(
                    item,
                    user=secretary,
                    reason="需进一步核实产权归属，下次会议再议。",
                    at=decided_at,
                )
                continue
            lead, co = _parties_for(item.case, p)
            decisions.record_decision(
                item,
                user=secretary,
                lead_party=lead,
                co_parties=co,
                deadline=held_at + timedelta(days=14 if n == 0 else 7),
                measures=CASE_MEASURES[n],
                at=decided_at,
            )
        minutes.write_minutes(
            signboards,
            user=secretary,
            text="会议同意开展集中整治，由城管执法中队牵头，商户自治联盟负责动员商户自查自改。",
        )
        decisions.record_decision(
            signboards,
            user=secretary,
            lead_party=p["cityops"],
            co_parties=[p["merchants"], p["rc-yongzhao"]],
            deadline=held_at + timedelta(days=7),
            measures="制定店招店牌设置导则，逐店排查登记，破损店招限期更换。",
            at=decided_at,
        )
        minutes.write_minutes(
            bikes, user=secretary, text="会议明确由园区管理牵头，施划停放区域，企业每日两次清运。"
        )
        task = decisions.record_decision(
            bikes,
            user=secretary,
            lead_party=p["park"],
            co_parties=[p["cityops"]],
            deadline=held_at + timedelta(days=10),
            measures="在地铁站口施划非机动车停放区，督促共享单车企业早晚高峰调度清运。",
            at=decided_at,
        )
        minutes.approve(past, user=secretary, at=held_at + timedelta(hours=4))
        for n, decision in enumerate(past.decisions.filter(case__isnull=False).order_by("id")):
            _work_on(decision.case, decided_at, rng, finish=n == 1)
        decisions.mark_done(
            task,
            user=secretary,
            note="停放区已施划完成，单车企业已落实高峰时段调度。",
            at=held_at + timedelta(days=5),
        )
        planned = agenda.create_meeting(
            user=secretary,
            title=_title(now + timedelta(days=7), "（第二次）"),
            starts_at=_at(timezone.localdate(now) + timedelta(days=7)),
            place=PLACE,
            convener=p["street-office"],
            members=members,
            at=now - timedelta(days=1),
        )
        offered = agenda.offered_cases(planned, limit=1)
        for case in offered:
            agenda.add_case(planned, case, user=secretary, at=now - timedelta(hours=20))
        agenda.add_topic(
            planned,
            user=secretary,
            title="垃圾分类宣传周活动安排",
            description="各居委会在小区内开展垃圾分类宣传，物业配合做好箱房管理。",
            presenter=p["rc-yongzhao"],
            at=now - timedelta(hours=20),
        )
        invitations.invite(planned, user=secretary, at=now - timedelta(hours=19))
    return [past, planned]
