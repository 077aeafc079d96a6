from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "triage"
    verbose_name = "分诊 Triage"

    def ready(self) -> None:
        from triage import checks  # noqa: F401 (registers the triage map check)
