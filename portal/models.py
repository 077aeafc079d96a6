from django.db import models


class TrackingCode(models.Model):
    """A one-time code sent to the contact on file, which lets a customer follow one complaint.
    Only its keyed hash is stored; it expires, allows a few attempts, and is used once."""

    number = models.CharField(max_length=24, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"code for {self.number}"
