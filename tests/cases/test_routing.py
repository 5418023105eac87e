import pytest

from cases import routing
from cases.models import RoutingRule

# (point, category) → (area code, lead party code, co-party codes, auto-dispatch)
TABLE = [
    ((31.1785, 121.3955), "corridor-clutter", "compound-hangtian-2", "property-hongmei", [], True),
    ((31.1785, 121.3955), "group-renting", "compound-hangtian-2", "rc-hangtian", ["police"], False),
    ((31.1785, 121.3955), "garbage-sorting", "compound-hangtian-2", "rc-hangtian", [], True),
    ((31.1785, 121.3972), "signboard", "road-hongmei-hangtian", "cityops", ["merchants"], True),
    ((31.1785, 121.3972), "bike-parking", "road-hongmei-hangtian", "cityops", [], True),
    ((31.1600, 121.4030), "bike-parking", "caohejing-park", "park", [], True),
    ((31.1600, 121.4030), "corridor-clutter", "caohejing-park", "property-park", [], True),
    ((31.1600, 121.4030), "signboard", "caohejing-park", "cityops", ["merchants"], False),
    ((31.1795, 121.3870), "corridor-clutter", "compound-meiyuan-2", "rc-meiyuan", [], True),
    ((31.1600, 121.4030), "cooking-fumes", "caohejing-park", "market", ["cityops"], True),
    ((31.1600, 121.4030), "other", "caohejing-park", None, [], False),
]


@pytest.mark.parametrize(("point", "category", "area", "lead", "co", "auto"), TABLE)
def test_routing_table(street, point, category, area, lead, co, auto):
    found = routing.area_for_point(*point)
    assert found.code == area
    rule = routing.rule_for(street.categories[category], found)
    if lead is None:
        assert rule is None
        return
    assert rule.lead_party.code == lead
    assert sorted(p.code for p in rule.co_parties.all()) == co
    assert rule.auto_dispatch is auto


def test_point_outside_the_street_has_no_area(street):
    assert routing.area_for_point(31.2304, 121.4737) is None  # People's Square


def test_point_on_a_compound_resolves_to_the_compound_not_its_community(street):
    area = routing.area_for_point(31.1785, 121.3955)
    assert [a.code for a in area.ancestors()] == [
        "compound-hangtian-2",
        "community-hangtian",
        "hongmei",
    ]


def test_deeper_area_beats_sub_category(street):
    # A main-category rule on the compound beats a sub-category rule for the whole street.
    compound = street.areas["compound-hangtian-2"]
    rule = RoutingRule.objects.create(
        category=street.categories["compound"],
        area=compound,
        lead_party=street.parties["oc-hangtian"],
    )
    assert routing.rule_for(street.categories["group-renting"], compound) == rule


def test_sub_category_beats_main_category_in_the_same_area(street):
    community = street.areas["community-hangtian"]
    rule = routing.rule_for(street.categories["group-renting"], community)
    assert rule.category.code == "group-renting"
    assert routing.rule_for(street.categories["corridor-clutter"], community).category.code == (
        "compound"
    )


def test_priority_breaks_ties_and_inactive_rules_do_not_count(street):
    litter, area = street.categories["litter"], street.areas["caohejing-park"]
    low = RoutingRule.objects.create(
        category=litter, area=area, priority=1, lead_party=street.parties["park"]
    )
    high = RoutingRule.objects.create(
        category=litter, area=area, priority=5, lead_party=street.parties["property-park"]
    )
    assert routing.rule_for(litter, area) == high
    high.is_active = False
    high.save()
    assert routing.rule_for(litter, area) == low


def test_rule_for_any_category_applies_when_nothing_else_does(street):
    rule = RoutingRule.objects.create(
        category=None, area=None, lead_party=street.parties["ops-centre"]
    )
    assert routing.rule_for(street.categories["other"], None) == rule


def test_no_rule_means_the_dispatcher_decides(street):
    assert routing.rule_for(street.categories["other"], street.areas["hongmei"]) is None
