"""The demo street: parties, areas, categories, routing rules and accounts of Hongmei
Street, and a few hundred cases whose histories are made by the workflow itself.

Outlines are approximate (drawn as a grid around 31.17°N, 121.40°E) and every invented
name is marked is_demo. Only this module creates the demo accounts.
"""

import io
import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from cases import routing, sla, workflow
from cases.images import Photo
from cases.inputs import unreported_shares
from cases.models import (
    ApiKey,
    Area,
    Case,
    Category,
    Membership,
    Notification,
    Party,
    Reporter,
    Role,
    RoutingRule,
    StandardReply,
    State,
)
from cases.workflow import Actor
from demo import texts
from demo.texts import SHOPS
from integrations import keys

DEMO_PASSWORD = "hongmei-demo"  # noqa: S105 - the published demo password, seed only
DEMO_API_KEY = "hongmei-demo-key"  # the published demo API key; only its hash is stored
K = Party.Kind

# code, name, English name, kind, invented for the demo
PARTIES = [
    ("street-office", "虹梅街道办事处", "Hongmei Street Office", K.STREET_OFFICE, False),
    ("ops-centre", "虹梅街道网格化管理中心", "Hongmei Grid Management Centre",
     K.OPERATIONS_CENTRE, False),
    ("rc-hangtian", "航天新苑居委会", "Hangtian Xinyuan Residents' Committee",
     K.RESIDENTS_COMMITTEE, False),
    ("rc-yongzhao", "永兆居委会", "Yongzhao Residents' Committee", K.RESIDENTS_COMMITTEE, False),
    ("rc-qinbei", "钦北居委会", "Qinbei Residents' Committee", K.RESIDENTS_COMMITTEE, False),
    ("oc-hangtian", "航天新苑业委会", "Hangtian Xinyuan Owners' Committee",
     K.OWNERS_COMMITTEE, True),
    ("oc-yongzhao", "永兆小区业委会", "Yongzhao Owners' Committee", K.OWNERS_COMMITTEE, True),
    ("property-hongmei", "虹梅物业服务公司", "Hongmei Property Services", K.PROPERTY_COMPANY, True),
    ("property-park", "漕河泾园区物业", "Caohejing Park Property", K.PROPERTY_COMPANY, True),
    ("merchants", "虹梅路商户自治联盟", "Hongmei Road Merchant Association",
     K.MERCHANT_ASSOCIATION, False),
    ("cityops", "虹梅城管执法中队", "Hongmei City-Management Enforcement Squad",
     K.ENFORCEMENT, False),
    ("market", "虹梅市场监管所", "Hongmei Market Supervision Office", K.MARKET_SUPERVISION, False),
    ("greening", "虹梅绿化市容所", "Hongmei Greening and City Appearance Office", K.GREENING,
     False),
    ("police", "虹梅派出所", "Hongmei Police Station", K.POLICE, False),
    ("park", "漕河泾开发区管理/楼宇联合会", "Caohejing Park Management and Building Association",
     K.PARK_MANAGEMENT, False),
]  # fmt: skip

# The ten residents' committees beyond the three the design names are invented.
OTHER_COMMITTEES = [
    ("hongxin", "虹馨"), ("meiyuan", "梅苑"), ("caoyuan", "漕园"), ("guijing", "桂景"),
    ("jinxiu", "锦绣"), ("kangle", "康乐"), ("huating", "华庭"), ("jinqiao", "金桥"),
    ("cuihu", "翠湖"), ("heping", "和平"),
]  # fmt: skip

# username, party code, role
ACCOUNTS = [
    ("dispatcher", "ops-centre", Role.DISPATCHER),
    ("inspector", "ops-centre", Role.INSPECTOR),
    ("supervisor", "street-office", Role.SUPERVISOR),
    ("secretary", "street-office", Role.SECRETARY),
    ("hangtian", "rc-hangtian", Role.HANDLER),
    ("yongzhao", "rc-yongzhao", Role.HANDLER),
    ("qinbei", "rc-qinbei", Role.HANDLER),
    ("property", "property-hongmei", Role.HANDLER),
    ("cityops", "cityops", Role.HANDLER),
    ("market", "market", Role.HANDLER),
]
# The people behind the demo accounts (invented names): pages show a person's name, never
# their login. Stored whole in first_name, so get_full_name() reads 陈晓燕, not 晓燕 陈.
FULL_NAMES = {
    "admin": "系统管理员",
    "dispatcher": "陈晓燕",
    "inspector": "周建国",
    "supervisor": "王海涛",
    "secretary": "李文静",
    "hangtian": "张丽华",
    "yongzhao": "刘志强",
    "qinbei": "赵敏",
    "property": "孙伟",
    "cityops": "黄俊",
    "market": "吴静",
}

# Street outline and the grid it is cut into (approximate, for the demo).
WEST, EAST, SOUTH, NORTH = 121.385, 121.410, 31.157, 31.182
PARK_WEST, PARK_NORTH = 121.398, 31.175
ROAD_WEST = 121.3965  # 虹梅路 runs north-south along the park's western edge

# (code, name, English name, kind, parent code, questions...) of the categories.
TOP_CATEGORIES = [
    ("city-appearance", "市容环境", "City appearance and environment"),
    ("advertising", "宣传广告", "Advertising and signs"),
    ("street-order", "街面秩序", "Street order"),
    ("construction", "施工管理", "Construction"),
    ("emergency", "突发事件", "Emergencies"),
    ("compound", "小区治理", "Compound governance"),
    ("misc", "其他事项", "Other matters"),
]

SHOP_NAME = {
    "code": "shop_name",
    "label": "店铺名称",
    "label_en": "Shop name",
    "datatype": "string",
    "required": False,
    "third_party": True,
    "order": 1,
}
TIME_OF_DAY = {
    "code": "time_of_day", "label": "通常发生时段", "label_en": "When it usually happens",
    "datatype": "singlevaluelist", "required": False, "order": 2,
    "values": [
        {"key": "morning", "name": "早上", "name_en": "Morning"},
        {"key": "noon", "name": "中午", "name_en": "Noon"},
        {"key": "evening", "name": "傍晚", "name_en": "Evening"},
        {"key": "night", "name": "夜间", "name_en": "Night"},
    ],
}  # fmt: skip
BUILDING = {
    "code": "building",
    "label": "楼号/单元",
    "label_en": "Building / entrance",
    "datatype": "string",
    "required": False,
    "order": 1,
}
BIKES = {
    "code": "bike_kind", "label": "车辆类型", "label_en": "Kind of bikes",
    "datatype": "multivaluelist", "required": False, "order": 1,
    "values": [
        {"key": "shared", "name": "共享单车", "name_en": "Shared bikes"},
        {"key": "ebike", "name": "电动自行车", "name_en": "E-bikes"},
        {"key": "private", "name": "私人自行车", "name_en": "Private bikes"},
    ],
}  # fmt: skip

# code, parent, name, English name, icon, common, urgent,
# (accept, contact, resolve, verify hours), evidence required, questions
CATEGORIES = [
    ("signboard", "advertising", "店招店牌", "Shop signboard", "🪧", True, False,
     (2, 8, 40, 8), True, [SHOP_NAME]),
    ("cooking-fumes", "city-appearance", "油烟扰民", "Cooking fumes", "🍳", True, False,
     (2, 8, 80, 8), True, [SHOP_NAME, TIME_OF_DAY]),
    ("bike-parking", "street-order", "非机动车停放", "Bike and e-bike parking", "🚲", True,
     False, (1, 4, 8, 8), False, [BIKES]),
    ("litter", "city-appearance", "暴露垃圾/道路不洁", "Litter and dirty street", "🗑️", True,
     False, (1, 4, 4, 8), False, []),
    ("garbage-sorting", "city-appearance", "垃圾分类", "Garbage sorting", "♻️", True, False,
     (2, 8, 24, 8), False, []),
    ("corridor-clutter", "compound", "楼道堆物", "Corridor clutter", "📦", True, False,
     (2, 8, 24, 8), False, [BUILDING]),
    ("street-vending", "street-order", "占道经营", "Street vending", "🛒", True, False,
     (1, 4, 8, 8), False, []),
    ("noise", "street-order", "噪声扰民", "Noise", "🔊", True, False,
     (1, 4, 16, 8), False, [TIME_OF_DAY]),
    ("illegal-structure", "construction", "违法搭建", "Illegal structure", "🏗️", False, False,
     (2, 8, 160, 16), True, [BUILDING]),
    ("group-renting", "compound", "群租", "Group renting", "🏠", False, False,
     (2, 8, 80, 16), False, [BUILDING]),
    ("broken-facility", "city-appearance", "设施损坏", "Broken facility", "🔧", False, False,
     (2, 8, 40, 8), False, []),
    ("fire-escape", "emergency", "消防通道堵塞", "Blocked fire escape", "🚒", False, True,
     (1, 2, 8, 24), True, []),
    ("other", "misc", "其他", "Other", "💬", False, False, (2, 8, 40, 8), False, []),
]  # fmt: skip

# What residents call each problem: matched by the 12345 import, and a first lesson for
# the category suggestion (cases/suggest.py) before the street has history.
KEYWORDS = {
    "signboard": "店招,招牌,门头,广告牌,灯箱,店牌",
    "cooking-fumes": "油烟,排烟,餐饮,饭店,烧烤,油烟机,净化器",
    "bike-parking": "共享单车,电动车,电瓶车,自行车,乱停,停放",
    "litter": "垃圾,暴露垃圾,脏,清扫,保洁,渣土,油污",
    "garbage-sorting": "垃圾分类,干垃圾,湿垃圾,可回收物,有害垃圾,垃圾箱房,投放",
    "corridor-clutter": "楼道,堆物,楼梯间,走廊,杂物,充电",
    "street-vending": "摆摊,摊贩,占道,小贩,出摊,叫卖",
    "noise": "噪声,噪音,吵,施工,音响,扰民",
    "illegal-structure": "违法搭建,违建,搭建,加盖,阳光房,彩钢板",
    "group-renting": "群租,隔间,出租,二房东,床位,隔断",
    "broken-facility": "损坏,路灯,井盖,地砖,护栏,坏了",
    "fire-escape": "消防通道,消防车道,安全出口,疏散,堵塞",
    "other": "其他,咨询,建议",
}

# Reports that point at a household: kept out of public lists (Open311, reports nearby).
PRIVATE_CATEGORIES = {"group-renting"}

STANDARD_REPLIES = {
    None: ["已联系报告人，正在安排现场处置。", "已到现场核实，情况属实，正在处置。"],
    "signboard": ["已督促商户整改店招，拆除破损部分。"],
    "cooking-fumes": ["已要求餐饮店清洗油烟净化设施并提供检测报告。"],
    "bike-parking": ["已通知共享单车企业清运调度，现场已恢复整齐。"],
    "litter": ["保洁人员已到场清理完毕。"],
}


def rect(west, south, east, north):
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _upsert(model, code, **fields):
    obj, _ = model.objects.update_or_create(code=code, defaults=fields)
    return obj


def seed_parties():
    parties = {}
    for code, name, name_en, kind, demo in PARTIES:
        parties[code] = _upsert(Party, code, name=name, name_en=name_en, kind=kind, is_demo=demo)
    for code, name in OTHER_COMMITTEES:
        parties[f"rc-{code}"] = _upsert(
            Party,
            f"rc-{code}",
            name=f"{name}居委会",
            name_en="",
            kind=K.RESIDENTS_COMMITTEE,
            is_demo=True,
        )
    return parties


def seed_areas(parties):
    A = Area.Kind
    street = _upsert(
        Area,
        "hongmei",
        name="虹梅街道",
        name_en="Hongmei Street",
        kind=A.STREET,
        parent=None,
        boundary=rect(WEST, SOUTH, EAST, NORTH),
        is_approximate=True,
        is_selectable=False,
    )
    areas = {"hongmei": street}
    park = _upsert(
        Area,
        "caohejing-park",
        name="漕河泾开发区",
        name_en="Caohejing Hi-Tech Park",
        kind=A.PARK,
        parent=street,
        boundary=rect(PARK_WEST, SOUTH, EAST, PARK_NORTH),
        is_approximate=True,
    )
    areas["caohejing-park"] = park
    # 13 communities: a 3×3 grid west of 虹梅路, four cells along the park's north edge.
    col_w, row_h = (PARK_WEST - WEST) / 3, (NORTH - SOUTH) / 3
    cells = [
        (WEST + c * col_w, SOUTH + r * row_h, WEST + (c + 1) * col_w, SOUTH + (r + 1) * row_h)
        for r in (2, 1, 0)
        for c in (2, 1, 0)
    ]
    strip_w = (EAST - PARK_WEST) / 4
    cells += [
        (PARK_WEST + i * strip_w, PARK_NORTH, PARK_WEST + (i + 1) * strip_w, NORTH)
        for i in range(4)
    ]
    names = {
        "hangtian": ("航天新苑", "Hangtian Xinyuan"),
        "yongzhao": ("永兆", "Yongzhao"),
        "qinbei": ("钦北", "Qinbei"),
        **{c: (n, "") for c, n in OTHER_COMMITTEES},
    }
    # The three committees of the design lie along 虹梅路, top to bottom.
    order = [
        "hangtian",
        "hongxin",
        "meiyuan",
        "yongzhao",
        "caoyuan",
        "guijing",
        "qinbei",
        "jinxiu",
        "kangle",
        "huating",
        "jinqiao",
        "cuihu",
        "heping",
    ]
    compound_count = 0
    for code, (west, south, east, north) in zip(order, cells, strict=True):
        name, name_en = names[code]
        community = _upsert(
            Area,
            f"community-{code}",
            name=f"{name}社区",
            name_en=f"{name_en} community" if name_en else "",
            kind=A.COMMUNITY,
            parent=street,
            is_selectable=False,
            boundary=rect(west, south, east, north),
            is_approximate=True,
            is_demo=code not in ("hangtian", "yongzhao", "qinbei"),
        )
        areas[community.code] = community
        party = parties[f"rc-{code}"]
        if party.area_id != community.id:
            party.area = community
            party.save(update_fields=["area"])
        on_road = west < PARK_WEST <= east + 1e-9
        inner_east = min(east, ROAD_WEST) if on_road else east
        pad_x, pad_y = (inner_east - west) * 0.08, (north - south) * 0.08
        halves = 2 if west < PARK_WEST else 1
        span = (north - south - 3 * pad_y) / halves
        for i in range(halves):
            compound_count += 1
            c_south = south + pad_y + i * (span + pad_y)
            suffix = "" if halves == 1 else ("一村", "二村")[i]
            compound = _upsert(
                Area,
                f"compound-{code}-{i + 1}",
                name=f"{name}{suffix}小区",
                name_en=f"{name_en} Estate {i + 1}" if name_en else "",
                kind=A.COMPOUND,
                parent=community,
                boundary=rect(west + pad_x, c_south, inner_east - pad_x, c_south + span),
                is_approximate=True,
                is_demo=code not in ("hangtian", "yongzhao", "qinbei"),
            )
            areas[compound.code] = compound
        if on_road:
            road = _upsert(
                Area,
                f"road-hongmei-{code}",
                name=f"虹梅路（{name}段）",
                name_en=f"Hongmei Road ({name_en} section)",
                kind=A.ROAD,
                parent=community,
                boundary=rect(ROAD_WEST, south, east, north),
                is_approximate=True,
            )
            areas[road.code] = road
    road = _upsert(
        Area,
        "road-guiqing",
        name="桂箐路（园区段）",
        name_en="Guiqing Road (park section)",
        kind=A.ROAD,
        parent=park,
        boundary=rect(PARK_WEST + 0.001, 31.1655, EAST, 31.1665),
        is_approximate=True,
        is_demo=True,
    )
    areas[road.code] = road
    for i, (w, s) in enumerate([(121.401, 31.160), (121.405, 31.169)], start=1):
        building = _upsert(
            Area,
            f"park-building-{i}",
            name=f"科技楼宇{i}号",
            name_en=f"Tech building {i}",
            kind=A.BUILDING,
            parent=park,
            boundary=rect(w, s, w + 0.002, s + 0.002),
            is_approximate=True,
            is_demo=True,
        )
        areas[building.code] = building
    assert compound_count == 22, compound_count
    for code in ("oc-hangtian", "oc-yongzhao"):
        party = parties[code]
        party.area = areas[f"community-{code[3:]}"]
        party.save(update_fields=["area"])
    parties["park"].area = park
    parties["park"].save(update_fields=["area"])
    return areas


def seed_categories():
    categories = {}
    for order, (code, name, name_en) in enumerate(TOP_CATEGORIES, start=1):
        categories[code] = _upsert(
            Category, code, name=name, name_en=name_en, parent=None, order=order * 10
        )
    for order, row in enumerate(CATEGORIES, start=1):
        code, parent, name, name_en, icon, common, urgent, limits, evidence, questions = row
        accept, contact, resolve, verify = limits
        categories[code] = _upsert(
            Category,
            code,
            parent=categories[parent],
            name=name,
            name_en=name_en,
            icon=icon,
            is_common=common,
            is_urgent=urgent,
            # Intake in minutes, as 12345 counts it: urgent matters within half an hour.
            dispatch_minutes=30 if urgent else 120,
            accept_hours=accept,
            contact_hours=contact,
            resolve_hours=resolve,
            verify_hours=verify,
            evidence_required=evidence,
            questions=questions,
            keywords=KEYWORDS.get(code, ""),
            order=order,
            is_public=code not in PRIVATE_CATEGORIES,
        )
    for code, replies in STANDARD_REPLIES.items():
        category = categories[code] if code else None
        for order, text in enumerate(replies, start=1):
            StandardReply.objects.update_or_create(
                category=category, text=text, defaults={"order": order}
            )
    return categories


def _rule(category, area, lead, co=(), auto=False, priority=0, note=""):
    rule, _ = RoutingRule.objects.update_or_create(
        category=category,
        area=area,
        priority=priority,
        defaults={"lead_party": lead, "auto_dispatch": auto, "note": note, "is_active": True},
    )
    rule.co_parties.set(co)
    return rule


def seed_rules(parties, areas, categories):
    p, a, c = parties, areas, categories
    committees = ["hangtian", "yongzhao", "qinbei"] + [code for code, _ in OTHER_COMMITTEES]
    managed = [
        code
        for code in areas
        if code.startswith(("compound-hangtian", "compound-yongzhao", "compound-qinbei"))
    ]
    roads = [code for code in areas if code.startswith("road-hongmei-")]
    _rule(c["signboard"], None, p["cityops"], [p["merchants"]])
    for road in roads:
        _rule(c["signboard"], a[road], p["cityops"], [p["merchants"]], auto=True)
        _rule(c["bike-parking"], a[road], p["cityops"], auto=True)
    _rule(c["cooking-fumes"], None, p["market"], [p["cityops"]], auto=True)
    _rule(c["bike-parking"], None, p["cityops"])
    _rule(c["bike-parking"], a["caohejing-park"], p["park"], auto=True)
    _rule(c["litter"], None, p["greening"], auto=True)
    _rule(c["street-vending"], None, p["cityops"], auto=True)
    _rule(c["noise"], None, p["cityops"])
    _rule(c["illegal-structure"], None, p["cityops"])
    _rule(c["broken-facility"], None, p["greening"])
    _rule(c["fire-escape"], None, p["cityops"], auto=True)
    _rule(c["compound"], a["caohejing-park"], p["property-park"], auto=True)
    for code in committees:
        community = a[f"community-{code}"]
        _rule(c["compound"], community, p[f"rc-{code}"], auto=True)
        _rule(c["garbage-sorting"], community, p[f"rc-{code}"], auto=True)
    for code in ("hangtian", "yongzhao", "qinbei"):
        _rule(c["group-renting"], a[f"community-{code}"], p[f"rc-{code}"], [p["police"]])
    for code in managed:
        _rule(c["corridor-clutter"], a[code], p["property-hongmei"], auto=True)
        _rule(c["litter"], a[code], p["property-hongmei"], auto=True)
        _rule(c["broken-facility"], a[code], p["property-hongmei"], auto=True)
        _rule(
            c["fire-escape"],
            a[code],
            p["property-hongmei"],
            [p[f"rc-{code.split('-')[1]}"]],
            auto=True,
        )


def seed_accounts(parties):
    User = get_user_model()
    users = {}
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    _name(admin, FULL_NAMES["admin"])
    users["admin"] = admin
    for username, party_code, role in ACCOUNTS:
        users[username] = _account(username, parties[party_code], role, usable=True)
    # Parties without a published account still have staff, who act in the demo history;
    # nobody can sign in as them.
    published = {code for _, code, role in ACCOUNTS if role == Role.HANDLER}
    for code, party in parties.items():
        if party.kind in (K.STREET_OFFICE, K.OPERATIONS_CENTRE) or code in published:
            continue
        users[f"staff-{code}"] = _account(f"staff-{code}", party, Role.HANDLER, usable=False)
    return users


def _name(user, name):
    if user.first_name != name or user.last_name:
        user.first_name, user.last_name = name, ""
        user.save(update_fields=["first_name", "last_name"])


def _account(username, party, role, *, usable):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if created:
        if usable:
            user.set_password(DEMO_PASSWORD)
            # The reserved .invalid domain: demo mail shows in the console, reaches no one.
            user.email = f"{username}@demo.hongmei.invalid"
        else:
            user.set_unusable_password()
        user.save()
    _name(user, FULL_NAMES.get(username) or f"{party.name}工作人员")
    Membership.objects.get_or_create(user=user, party=party, role=role)
    return user


# ---------------------------------------------------------------------------- cases

RESULTS = [
    "已到现场处置完毕，恢复正常。",
    "已督促责任方整改到位，现场已拍照留存。",
    "已清理完毕并安排后续巡查。",
]
SHARE_REPORTS = ["协办部分已完成，已配合现场处置。", "已按分工完成协办事项。"]
SURNAMES = "张王李赵刘陈杨黄周吴"


def evidence_photo(rng):
    image = Image.new("RGB", (320, 240), (rng.randrange(60, 200), 160, 120))
    ImageDraw.Draw(image).rectangle((40, 40, 280, 200), outline=(255, 255, 255), width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return Photo(data=out.getvalue(), width=320, height=240)


def random_point_in(rng, area):
    """A random (lat, lng) inside a demo area's rectangular outline."""
    (west, south), _, (east, north), *_ = area.boundary["coordinates"][0]
    return rng.uniform(south, north), rng.uniform(west, east)


class _Story:
    """Walks one demo case forward through the workflow, each step a while after the last,
    and stops where the story ends or where the present is reached."""

    def __init__(self, case, at, now, rng, users):
        self.case, self.at, self.now, self.rng, self.users = case, at, now, rng, users

    def step(self, action, who, hours=(0.5, 16), **inputs):
        at = sla.add_working_hours(self.at, self.rng.uniform(*hours))
        if at >= self.now:
            return False
        actor = who if isinstance(who, Actor) else Actor.staff(self.users[who])
        self.case = workflow.perform(self.case, action, actor=actor, at=at, **inputs).case
        self.at = at
        return True

    def handler(self):
        party = self.case.lead_party
        membership = Membership.objects.filter(party=party, role=Role.HANDLER).first()
        return membership.user.username


def seed_cases(count, parties, areas, categories, users, now=None, rng_seed=2026):
    rng = random.Random(rng_seed)
    now = now or timezone.now()
    places = [
        a
        for a in areas.values()
        if a.kind
        in (
            Area.Kind.COMPOUND,
            Area.Kind.ROAD,
            Area.Kind.BUILDING,
            Area.Kind.COMMUNITY,
            Area.Kind.PARK,
        )
    ]
    leafs = [c for c in categories.values() if c.parent_id]
    weights = [6 if c.is_common else 2 for c in leafs]
    dispatch_to = [
        parties[code]
        for code in (
            "rc-hangtian",
            "rc-yongzhao",
            "rc-qinbei",
            "property-hongmei",
            "cityops",
            "market",
        )
    ]
    created = []
    for i in range(count):
        category = rng.choices(leafs, weights)[0]
        area = rng.choice(places)
        lat, lng = random_point_in(rng, area)
        shop = rng.choice(SHOPS)
        text = texts.describe(category.code, rng, shop=shop)
        answers = {"shop_name": shop} if category.code in ("signboard", "cooking-fumes") else {}
        reporter = Reporter.objects.create(
            kind=rng.choice(list(Reporter.Kind.values)[:3]),
            name=f"{rng.choice(SURNAMES)}{rng.choice('先生女士')}" if i % 3 else "",
            phone=f"1380000{i:04d}" if i % 2 == 0 else "",
            email=f"reporter{i}@example.com" if i % 5 == 0 else "",
        )
        # A street that works: most cases are days or weeks old and long dispatched; every
        # twentieth came in during the last working hours and may still wait for intake.
        if i % 20 == 0:
            filed_at = sla.subtract_working_hours(now, rng.uniform(0.2, 1.8))
        else:
            filed_at = now - timedelta(days=rng.uniform(0.2, 45))
        patrol = i % 7 == 0
        case = workflow.file_case(
            actor=Actor.staff(users["inspector"]) if patrol else Actor.anonymous_reporter(),
            category=category,
            description=text,
            channel=Case.Channel.PATROL if patrol else Case.Channel.WEB,
            reporter=None if patrol else reporter,
            lat=lat,
            lng=lng,
            answers=answers,
            at=filed_at,
        )
        story = _Story(case, filed_at, now, rng, users)
        _play(story, rng, dispatch_to, created)
        created.append(story.case)
    return created


# How long after filing (or a return) the operations centre acts, in working hours: mostly
# within intake's two hours, now and then late.
INTAKE = (0.1, 2.4)


def _play(story, rng, dispatch_to, earlier):
    """One of the ways a case goes; most end closed, some stop on the way."""
    roll = rng.random()
    case = story.case
    if case.state == State.REPORTED:
        if roll < 0.06:
            story.step(
                "reject", "dispatcher", INTAKE, reason="经核实不属于街道管辖范围，已告知报告人。"
            )
            return
        if roll < 0.09 and earlier:
            # A duplicate of a case filed before it: the merge event must not precede the
            # original's filing.
            earlier_open = [
                c
                for c in earlier[-30:]
                if c.state != State.REJECTED and c.created_at < case.created_at
            ]
            original = rng.choice(earlier_open or [None])
            if original is not None:
                story.step("reject", "dispatcher", INTAKE, reason="重复报告", duplicate_of=original)
                return
        if roll < 0.13 and case.dispatch_due and case.dispatch_due > story.now:
            return  # new: waits in the dispatcher's queue, within intake's limit
        if 0.13 <= roll < 0.17:
            story.step(
                "escalate", "dispatcher", INTAKE, reason="涉及多个责任主体，提交联席会议协调。"
            )
            return
        suggestion = routing.suggest(case)
        lead = (
            suggestion.lead_party
            if suggestion and suggestion.lead_party in dispatch_to
            else rng.choice(dispatch_to)
        )
        if not story.step("dispatch", "dispatcher", INTAKE, lead_party=lead):
            return
    if story.case.state != State.DISPATCHED:
        return
    if rng.random() < 0.06:
        if not story.step("return", story.handler(), reason="不属于本单位职责，请改派。"):
            return
        others = [p for p in dispatch_to if p != story.case.lead_party]
        if not story.step("dispatch", "dispatcher", INTAKE, lead_party=rng.choice(others)):
            return
    if rng.random() < 0.08 and story.case.accept_due > story.now:
        return  # dispatched a moment ago: waits for the party to accept
    if not story.step("accept", story.handler(), hours=(0.1, 3)):
        return
    if rng.random() < 0.85:
        story.step(
            "contact", story.handler(), hours=(0.2, 10), note="已电话联系报告人，约定上门时间。"
        )
    if rng.random() < 0.12:
        return  # in progress
    if rng.random() < 0.05:
        story.step("escalate", story.handler(), reason="需要多方共同处置，申请提交联席会议。")
        return
    if rng.random() < 0.08:
        due = max(story.case.resolve_due, story.at) + timedelta(days=10)
        if story.step(
            "request_extension", story.handler(), deadline=due, reason="需等待商户配合。"
        ):
            story.step("approve_extension", "dispatcher", hours=(0.5, 4))
    if rng.random() < 0.1 and story.case.is_overdue(story.at):
        story.step("supervise", "supervisor", note="请加快处置进度。")
    if not _resolve(story, rng):
        return
    if rng.random() < 0.12:
        if not story.step("rework", "inspector", reason="现场复核未整改到位。"):
            return
        if not _resolve(story, rng):
            return
    if rng.random() < 0.1:
        return  # awaits verification
    if not story.step("verify", "inspector", hours=(0.5, 8), note="现场核查已整改。"):
        return
    if story.case.reporter_id and rng.random() < 0.7:
        rating = rng.choices(list(Case.Satisfaction.values), [70, 20, 10])[0]
        rated = story.step("rate", Actor.reporter(story.case.token), hours=(0.5, 24), rating=rating)
        if rated and rating == Case.Satisfaction.DISSATISFIED and rng.random() < 0.5:
            reopened = story.step(
                "reopen",
                Actor.reporter(story.case.token),
                hours=(0.5, 8),
                reason="问题反复出现，仍未解决。",
            )
            if reopened:
                # Back with the operations centre, which dispatches it again within hours.
                story.step("dispatch", "dispatcher", INTAKE, lead_party=rng.choice(dispatch_to))


def _resolve(story, rng):
    for share in unreported_shares(story.case):
        handler = Membership.objects.filter(party=share.party, role=Role.HANDLER).first()
        if not story.step(
            "report_share", handler.user.username, hours=(0.5, 12), note=rng.choice(SHARE_REPORTS)
        ):
            return False
    photos = [evidence_photo(rng)] if story.case.category.evidence_required else []
    return story.step(
        "resolve", story.handler(), hours=(1, 30), note=rng.choice(RESULTS), photos=photos
    )


@dataclass
class Street:
    parties: dict
    areas: dict
    categories: dict
    users: dict


def read_earlier_notifications(now=None):
    """Staff of a street that works have read yesterday's messages: the in-app ones older
    than one working day are marked read when they were, so a morning's bell shows the news
    of the last working hours, not the demo's whole past."""
    now = now or timezone.now()
    cutoff = sla.subtract_working_hours(now, sla.hours_per_day())
    earlier = Notification.objects.filter(
        channel=Notification.Channel.APP, read_at__isnull=True, created_at__lt=cutoff
    )
    return earlier.update(read_at=cutoff)


def seed_config():
    """Create or update everything but the cases; returns it by code / username."""
    with transaction.atomic():
        sla.load_calendar_from_package()
        parties = seed_parties()
        areas = seed_areas(parties)
        categories = seed_categories()
        seed_rules(parties, areas, categories)
        users = seed_accounts(parties)
        seed_api_key()
    return Street(parties, areas, categories, users)


def seed_api_key():
    """The demo client system's key (an Open311 client such as a mini-program)."""

    key = ApiKey.objects.filter(prefix=DEMO_API_KEY[: keys.PREFIX_LENGTH]).first()
    if key is None:
        key, _ = keys.create_key(
            name="Demo mini-program", channel=Case.Channel.OPEN311, secret=DEMO_API_KEY
        )
    return key
