from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "受理渠道 Intake channels"

    def ready(self) -> None:
        from intake import letters
        from intake.models import LetterTemplate
        from notify import customer, runner
        from org import cache

        # Customer notices are written from the editable letter templates and kept as letters.
        customer.letter_hook = letters.compose_notice
        runner.proof_hook = letters.record_letter_proofs
        post_save.connect(cache.changed, sender=LetterTemplate,
                          dispatch_uid="intake-templates-save")
        post_delete.connect(cache.changed, sender=LetterTemplate,
                            dispatch_uid="intake-templates-delete")
