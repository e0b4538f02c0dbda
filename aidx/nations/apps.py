from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationsConfig(AppConfig):
    name = "aidx.nations"
    label = "nations"
    verbose_name = _("Registry")
