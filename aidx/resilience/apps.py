from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResilienceConfig(AppConfig):
    name = "aidx.resilience"
    label = "resilience"
    verbose_name = _("Resilience")
