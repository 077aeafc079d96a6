from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ClocksConfig(AppConfig):
    name = "clocks"
    verbose_name = "时限 Regulatory clocks"

    def ready(self) -> None:
        from clocks import calendar, packs, sweeper
        from clocks.models import ClosureDay
        from org import cache

        # Fail fast on a bad TOUSU_RULE_PACK, override or warning lead, not at the first intake;
        # every pack, since complaints keep the pack they were registered under and each action
        # reads them all (packs.actions_meeting).
        packs.get()
        packs.actions_meeting()
        calendar.check_cn_schedule()  # the hand-edited next year's schedule
        sweeper.warning_leads()
        # Cached in org.cache, so other processes see a change at their next request.
        post_save.connect(cache.changed, sender=ClosureDay, dispatch_uid="clocks-closures-save")
        post_delete.connect(cache.changed, sender=ClosureDay,
                            dispatch_uid="clocks-closures-delete")
