"""The roles people hold in the party's tools. Descriptions are in docs/roles.md."""

from django.db import models


class RoleCode(models.TextChoices):
    IT_MANAGER = "itmanager", "IT manager"
    ORGANISER = "organiser", "Organiser"
    AREA_ORGANISER = "areaorganiser", "Area organiser"
    CANVASSER = "canvasser", "Canvasser"
    CALLER = "caller", "Phone-bank caller"
    TELLER = "teller", "Teller"
    MEMBER = "member", "Member"


# Roles that can read personal data across the whole CLP.
BROAD_ROLES = frozenset({RoleCode.IT_MANAGER, RoleCode.ORGANISER})

# Roles that can read personal data in bulk (every elector of their areas, exports): these
# need a second factor (TOTP) before any page. Area organisers export their wards' registers.
MFA_ROLES = BROAD_ROLES | {RoleCode.AREA_ORGANISER}

# Roles that may organise campaigns in the areas they were granted.
ORGANISING_ROLES = frozenset({RoleCode.ORGANISER, RoleCode.AREA_ORGANISER})

# Roles that may invite volunteers (and grant them roles inside their own areas).
INVITING_ROLES = frozenset({RoleCode.IT_MANAGER, RoleCode.ORGANISER, RoleCode.AREA_ORGANISER})
