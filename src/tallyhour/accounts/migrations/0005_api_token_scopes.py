from django.db import migrations, models

# Tokens made before scopes existed keep what they could do: every scope of the user's role.
ROLE_SCOPES = {
    "engineer": ["read", "time", "approve"],
    "approver": ["read", "time", "approve"],
    "billing": ["read", "time", "approve", "billing"],
    "admin": ["read", "time", "approve", "billing", "admin"],
}


def grant_role_scopes(apps, schema_editor):  # noqa: ANN001, ANN201
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.select_related("user"):
        token.scopes = ROLE_SCOPES.get(token.user.role, ["read"])
        token.save(update_fields=["scopes"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_leave_and_closure_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(grant_role_scopes, migrations.RunPython.noop),
    ]
