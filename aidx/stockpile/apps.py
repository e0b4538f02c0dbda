from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StockpileConfig(AppConfig):
    name = "aidx.stockpile"
    label = "stockpile"
    verbose_name = _("Stockpile")

    def ready(self) -> None:
        from aidx.assistance import hooks
        from aidx.stockpile import services

        # The exchange calls these from its shipping and closing services (no model signal): see hooks.py.
        hooks.on_shipped(services.allocation_shipped)
        hooks.on_closed(services.allocation_closed)
