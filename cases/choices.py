"""Choice lists the staff forms offer: parties, categories and areas, in display order.

Shared by the portal and the meetings app; they read configuration only.
"""

from cases import routing
from cases.models import Area, Category, Party


class PartyChoices:
    """The active parties, read once per request for every form on a page that offers them."""

    def __init__(self) -> None:
        self._parties: list[Party] | None = None

    @property
    def parties(self) -> list[Party]:
        if self._parties is None:
            self._parties = list(Party.objects.filter(is_active=True).order_by("kind", "name"))
        return self._parties

    def party_choices(self) -> list[tuple[str, str]]:
        return [(str(p.pk), p.label) for p in self.parties]

    def party(self, pk: object) -> Party | None:
        return next((p for p in self.parties if str(p.pk) == str(pk)), None)


def category_choices(leaves_only: bool = False) -> list[tuple[str, str]]:
    """Main categories with their sub-categories indented below them."""
    categories = list(Category.objects.filter(is_active=True).order_by("order", "code"))
    choices = []
    for main in (c for c in categories if c.parent_id is None):
        if not leaves_only:
            choices.append((str(main.pk), main.label))
        for sub in (c for c in categories if c.parent_id == main.pk):
            choices.append((str(sub.pk), ("— " if not leaves_only else "") + sub.label))
    return choices


def area_choices() -> list[tuple[str, str]]:
    """The street, communities, the park and the places inside them, as a tree."""
    areas = sorted(routing.all_areas(), key=lambda a: (a.depth, a.name))
    children: dict[int | None, list[Area]] = {}
    for area in areas:
        children.setdefault(area.parent_id, []).append(area)
    choices = []

    def walk(parent_id: int | None, depth: int) -> None:
        for area in children.get(parent_id, []):
            choices.append((str(area.pk), "— " * depth + area.label))
            walk(area.pk, depth + 1)

    walk(None, 0)
    return choices
