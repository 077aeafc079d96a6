from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Enrol a TOTP authenticator for a staff member; prints the otpauth:// URL once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}")
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        self.stderr.write("Add this to an authenticator app (shown once):")
        self.stdout.write(device.config_url)
