"""A staff member's in-app notices: read newest first, marked read one by one or all at once."""

from django.db.models import QuerySet
from django.utils import timezone

from notify.models import Channel, Notification


def notices_for(user_id: int) -> QuerySet[Notification]:
    """The user's in-app notices, newest first, with the complaint each concerns."""
    return (Notification.objects.filter(user_id=user_id, channel=Channel.IN_APP)
            .select_related("complaint").only("pk", "kind", "subject", "body", "created_at",
                                              "read_at", "complaint__number")
            .order_by("-created_at", "-pk"))


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, channel=Channel.IN_APP,
                                       read_at__isnull=True).count()


def mark_read(user_id: int, pk: int | None = None) -> int:
    """Mark one of the user's notices read (`pk`), or all of them; another user's notice is
    never touched. Returns how many were marked."""
    unread = Notification.objects.filter(user_id=user_id, channel=Channel.IN_APP,
                                         read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())
