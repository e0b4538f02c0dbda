from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "aidx.core"
    label = "core"

    def ready(self) -> None:
        from aidx.core import checks  # noqa: F401  (registers system checks)
