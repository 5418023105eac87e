"""The domain's models, in five modules: configuration (parties, areas, categories,
routing, calendar), the case and its history, the outbox and alarms, the indicators, and
what is learnt from history (the category model), the ledger's daily digests.
Import them from here (`from cases.models import Case`); migrations name the functions
below by this path, so they stay importable from it.
"""

from cases.models.audit import ExportRecord  # noqa: F401
from cases.models.case import (  # noqa: F401
    OPEN_STATES,
    REOPEN_WINDOW,
    ApiKey,
    Attachment,
    Case,
    CaseQuerySet,
    Event,
    Follower,
    Reporter,
    SavedFilter,
    Sequence,
    Share,
    State,
    Submission,
    _case_channels,
    attachment_path,
    new_token,
)
from cases.models.config import (  # noqa: F401
    Area,
    Bilingual,
    CalendarDay,
    Category,
    Membership,
    Party,
    RoutingRule,
    StandardReply,
)
from cases.models.indicators import (  # noqa: F401
    IndicatorDay,
    IndicatorRollup,
)
from cases.models.learning import CategoryModel  # noqa: F401
from cases.models.ledger import (  # noqa: F401
    DigestLeaf,
    LedgerCheck,
    StreetDigest,
)
from cases.models.outbox import (  # noqa: F401
    Alarm,
    Notification,
    NotificationQuerySet,
    StaffProfile,
    message_languages,
)
from cases.people import Role  # noqa: F401  (the choices of Membership.role)
