from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cases import checks  # noqa: F401  (registers the deploy checks)


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from cases import memo  # models can be imported only once the apps are ready

        memo.connect_invalidation()
