from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "aidx.core"
    label = "core"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from aidx.core import checks  # noqa: F401  (registers system checks)

        autodiscover_modules("workflow")  # each app's declared life cycles (aidx/core/workflow.py)
