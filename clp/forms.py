from django import forms
from django.db.models import Q

from clp.access import grants_for, has_role, polling_districts_for_user
from clp.roles import RoleCode


def area_choices_for(user) -> list[tuple[str, str]]:
    """Areas `user` may grant roles in, as (token, label); the token is "kind:id"."""
    from members.models import Branch, Constituency, PollingDistrict, Ward

    if has_role(user, RoleCode.IT_MANAGER):
        districts = PollingDistrict.objects.all()
    else:
        districts = polling_districts_for_user(user, RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)
    district_ids = list(districts.values_list("pk", flat=True))
    choices = []
    if has_role(user, RoleCode.IT_MANAGER, RoleCode.ORGANISER):
        # A constituency just created has no districts yet: its CLP-wide grants still count.
        whole = [
            g.constituency_id
            for g in grants_for(user, RoleCode.IT_MANAGER, RoleCode.ORGANISER)
            if g.constituency_id
        ]
        in_scope = Q(polling_districts__in=district_ids) | Q(pk__in=whole)
        for c in Constituency.objects.filter(in_scope).distinct():
            choices.append((f"constituency:{c.pk}", f"Whole CLP: {c.name}"))
    # Retired areas are no longer offered (members.geography).
    for w in Ward.objects.in_use().filter(polling_districts__in=district_ids).distinct():
        choices.append((f"ward:{w.pk}", f"Ward: {w.name}"))
    for b in Branch.objects.in_use().filter(wards__polling_districts__in=district_ids).distinct():
        choices.append((f"branch:{b.pk}", f"Branch: {b.name}"))
    for pd in PollingDistrict.objects.in_use().filter(pk__in=district_ids).select_related("ward"):
        ward = pd.ward or "no ward yet"
        choices.append((f"polling_district:{pd.pk}", f"Polling district: {pd.code} ({ward})"))
    return choices


def area_from_token(token: str):
    from members.models import Branch, Constituency, PollingDistrict, Ward

    models = {
        "constituency": Constituency,
        "ward": Ward,
        "branch": Branch,
        "polling_district": PollingDistrict,
    }
    kind, _, pk = token.partition(":")
    return models[kind].objects.get(pk=int(pk))


class InviteForm(forms.Form):
    full_name = forms.CharField(max_length=200, label="Name")
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=RoleCode.choices)
    area = forms.ChoiceField(label="Where", choices=())
    expires_on = forms.DateField(
        required=False,
        label="Access ends on (optional)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices_for(user)
        if not has_role(user, RoleCode.IT_MANAGER):
            self.fields["role"].choices = [
                c for c in RoleCode.choices if c[0] not in (RoleCode.IT_MANAGER, RoleCode.ORGANISER)
            ]

    def clean_area(self):
        return area_from_token(self.cleaned_data["area"])


class RoleExtendForm(forms.Form):
    expires_on = forms.DateField(
        label="New end date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
