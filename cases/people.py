"""Who a user is: the roles they hold, the parties they act for, how far they see.

The one place these rules live (design §2): every view, queryset, the workflow and the
meetings app ask here. A user holds a role through an active membership of an active
party; a revoked membership, or one of a deactivated party, grants nothing. A superuser
sees the whole street, and with no membership of their own works the supervisor's pages.

This module imports no model: it reads memberships through the user's reverse relation,
so models.py can use it without a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cases.models import Membership, Party


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", _("Dispatcher")
    HANDLER = "handler", _("Handler")
    INSPECTOR = "inspector", _("Inspector")
    SUPERVISOR = "supervisor", _("Supervisor")
    SECRETARY = "secretary", _("Joint-meeting secretary")


# Who else acts on a case, besides staff in their roles: the person who reported it (by
# the tracking link) and the system (sweeps, imports, retention), each named on its events.
REPORTER = "reporter"
SYSTEM = "system"

# Roles that see every case and every meeting; a handler sees only their parties' ones.
STREET_WIDE_ROLES = frozenset({Role.DISPATCHER, Role.INSPECTOR, Role.SUPERVISOR, Role.SECRETARY})
# Roles that import 12345 work orders.
WORK_ORDER_IMPORTERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR})
# The role whose pages a superuser without memberships works.
SUPERUSER_ACTS_AS = Role.SUPERVISOR

_CACHE = "_hongmei_memberships"


def active_memberships(user: Any) -> list[Membership]:
    """The user's active memberships of active parties, fetched once per user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = list(
            user.memberships.filter(is_active=True, party__is_active=True).select_related("party")
        )
        setattr(user, _CACHE, cached)
    return cached


def roles_of(user: Any) -> set[str]:
    """The roles the user holds through active memberships."""
    return {m.role for m in active_memberships(user)}


def acting_roles(user: Any) -> set[str]:
    """The roles whose pages the user works: their own, or a superuser's stand-in."""
    roles = roles_of(user)
    if not roles and getattr(user, "is_superuser", False):
        return {SUPERUSER_ACTS_AS}
    return roles


def handler_parties(user: Any) -> list[Party]:
    """The parties the user handles cases for."""
    return [m.party for m in active_memberships(user) if m.role == Role.HANDLER]


def handler_party_ids(user: Any) -> list[int]:
    return [m.party_id for m in active_memberships(user) if m.role == Role.HANDLER]


def party_as(user: Any, role: str) -> Party | None:
    """The party through which the user holds `role`, or None if they do not hold it."""
    for m in active_memberships(user):
        if m.role == role:
            return m.party
    return None


def is_street_wide(user: Any) -> bool:
    """Whether the user sees every case and meeting (street-wide roles and superusers)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or bool(roles_of(user) & STREET_WIDE_ROLES)


def may_import_work_orders(user: Any) -> bool:
    """Dispatchers and supervisors (and superusers) import 12345 work orders."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or bool(roles_of(user) & WORK_ORDER_IMPORTERS)


def is_staff_member(user: Any) -> bool:
    """Signed in with at least one active membership, or a superuser."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or bool(roles_of(user))


def display_name(user: Any) -> str:
    """How pages name a person: their full name, or their login where none is given."""
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()
