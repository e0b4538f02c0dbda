from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StockpileConfig(AppConfig):
    name = "aidx.stockpile"
    label = "stockpile"
    verbose_name = _("Stockpile")

    def ready(self) -> None:
        from aidx.stockpile import signals  # noqa: F401 - connects the exchange's allocation saves
