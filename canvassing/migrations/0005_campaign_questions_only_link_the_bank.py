"""A campaign question's wording, kind and choices now live in the bank (members.Question)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("canvassing", "0004_questions_to_bank_results_to_contacts")]

    operations = [
        migrations.RemoveField(model_name="surveyquestion", name="kind"),
        migrations.RemoveField(model_name="surveyquestion", name="options"),
        migrations.RemoveField(model_name="surveyquestion", name="text"),
        migrations.AlterField(
            model_name="surveyquestion",
            name="question",
            field=models.ForeignKey(
                on_delete=models.deletion.PROTECT,
                related_name="canvass_uses",
                to="members.question",
            ),
        ),
        migrations.AddConstraint(
            model_name="surveyquestion",
            constraint=models.UniqueConstraint(
                fields=("campaign", "question"), name="campaign_question_once"
            ),
        ),
        migrations.AlterField(
            model_name="canvassresult",
            name="intention",
            field=models.CharField(
                blank=True,
                choices=[
                    ("LAB", "Labour"),
                    ("CON", "Conservative"),
                    ("LD", "Liberal Democrat"),
                    ("GRN", "Green"),
                    ("REF", "Reform UK"),
                    ("SNP", "SNP"),
                    ("PC", "Plaid Cymru"),
                    ("OTH", "Other"),
                    ("UND", "Undecided"),
                    ("WS", "Won't say"),
                    ("WNV", "Won't vote"),
                ],
                max_length=4,
            ),
        ),
        migrations.AlterField(
            model_name="canvassresult",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("S", "Spoke to them"),
                    ("NI", "Not in"),
                    ("R", "Refused"),
                    ("MV", "Moved away"),
                    ("D", "Deceased"),
                    ("WA", "Wrong address"),
                    ("WN", "Wrong number"),
                    ("LB", "Language barrier"),
                    ("DNR", "Do not return this election"),
                    ("DNC", "Do not contact again"),
                ],
                max_length=4,
            ),
        ),
    ]
