"""Customers' phone and email encrypted at rest, the phone findable by a keyed hash: the new
columns are added, every stored value is encrypted into them, then the clear columns go."""

from django.db import migrations, models

from complaints import crypto


CHUNK = 2000


def encrypt_contacts(apps, schema_editor):  # type: ignore[no-untyped-def]
    Customer = apps.get_model("complaints", "Customer")
    rows = Customer.objects.exclude(phone="", email="").only("pk", "phone", "email")
    chunk = []
    for customer in rows.iterator(chunk_size=CHUNK):
        customer.phone_enc = crypto.encrypt(customer.phone)
        customer.phone_hash = crypto.phone_hash(customer.phone)
        customer.email_enc = crypto.encrypt(customer.email)
        chunk.append(customer)
        if len(chunk) == CHUNK:
            Customer.objects.bulk_update(chunk, ["phone_enc", "phone_hash", "email_enc"])
            chunk = []
    Customer.objects.bulk_update(chunk, ["phone_enc", "phone_hash", "email_enc"])


def decrypt_contacts(apps, schema_editor):  # type: ignore[no-untyped-def]
    Customer = apps.get_model("complaints", "Customer")
    rows = Customer.objects.exclude(phone_enc="", email_enc="").only("pk", "phone_enc", "email_enc")
    for customer in rows.iterator(chunk_size=2000):
        Customer.objects.filter(pk=customer.pk).update(
            phone=crypto.decrypt(customer.phone_enc), email=crypto.decrypt(customer.email_enc),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0003_unique_regulator_reference"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="email_enc",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="customer",
            name="phone_enc",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="customer",
            name="phone_hash",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.RunPython(encrypt_contacts, decrypt_contacts),
        migrations.RemoveField(
            model_name="customer",
            name="email",
        ),
        migrations.RemoveField(
            model_name="customer",
            name="phone",
        ),
    ]
