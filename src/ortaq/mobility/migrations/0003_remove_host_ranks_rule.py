"""Remove the "hosts rank the applicants" rule and its HostRanking table (docs/decisions/0006-placement-rounds.md).

Nothing ever wrote a HostRanking row, so under that rule every option accepted nobody and a round placed
no one. Calls that chose it are moved to the points rule, the only rule left, so that their next round
places applicants by the weights the call already shows.
"""

from django.db import migrations, models


def host_ranks_to_points(apps, schema_editor):
    Call = apps.get_model("mobility", "Call")
    Call.objects.filter(ranking_rule="host_ranks").update(ranking_rule="points")


class Migration(migrations.Migration):

    dependencies = [
        ("mobility", "0002_mobilityagreement_component_changeproposal_and_more"),
    ]

    operations = [
        migrations.RunPython(host_ranks_to_points, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="hostranking",
            name="unique_host_ranking",
        ),
        migrations.AlterField(
            model_name="call",
            name="ranking_rule",
            field=models.CharField(choices=[("points", "Points formula (grades, language, motivation, interview)")], default="points", max_length=20, verbose_name="ranking rule"),
        ),
        migrations.DeleteModel(
            name="HostRanking",
        ),
    ]
