"""The first step of a real set-up: create the constituency and give people their CLP roles."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clp.models import User
from clp.roles import RoleCode
from clp.services import role_grant
from members.geography import constituency_create


class Command(BaseCommand):
    help = (
        "Create a constituency (CLP) and grant organisers and IT managers their CLP-wide roles. "
        "Organisers then set up wards and districts on the geography page or from the register."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The constituency's name, e.g. “Castleton North”.")
        parser.add_argument("--code", default="", help="ONS code, e.g. E14001234 (optional).")
        parser.add_argument(
            "--organiser",
            action="append",
            default=[],
            metavar="EMAIL",
            help="Grant this existing user the organiser role for the CLP (repeatable).",
        )
        parser.add_argument(
            "--it-manager",
            action="append",
            default=[],
            metavar="EMAIL",
            help="Grant this existing user the IT manager role for the CLP (repeatable).",
        )

    def handle(self, *args, name, code="", organiser=(), it_manager=(), **options):
        grants = [(email, RoleCode.ORGANISER) for email in organiser]
        grants += [(email, RoleCode.IT_MANAGER) for email in it_manager]
        users = {}
        for email, _role in grants:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                raise CommandError(f"No user with the email {email}: create or invite them first.")
            users[email] = user
        with transaction.atomic():
            try:
                constituency = constituency_create(actor=None, name=name, code=code)
            except ValidationError as problem:
                raise CommandError(" ".join(problem.messages)) from problem
            for email, role in grants:
                role_grant(actor=None, user=users[email], role=role, area=constituency)
        self.stdout.write(f"Created {constituency} (id {constituency.pk}).")
        for email, role in grants:
            self.stdout.write(f"Granted {role} for {constituency} to {email}.")
