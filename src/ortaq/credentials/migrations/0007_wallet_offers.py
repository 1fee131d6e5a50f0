import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("credentials", "0006_presentation_requests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WalletOffer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("protocol", models.CharField(max_length=10)),
                ("secret", models.CharField(max_length=64, unique=True)),
                ("challenge", models.CharField(blank=True, max_length=64)),
                ("access_token", models.CharField(blank=True, max_length=64, null=True, unique=True)),
                ("token_expires_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField()),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("completed_at", models.DateTimeField(blank=True, null=True)),
                ("holder_did", models.CharField(blank=True, max_length=300)),
                ("credential", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="wallet_offers", to="credentials.issuedcredential")),
                ("holder", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("issued", models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="wallet_claim", to="credentials.issuedcredential")),
            ],
            options={"ordering": ["-created_at", "-id"]},
        ),
    ]
