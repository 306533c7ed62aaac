"""Receivers for allauth's account and MFA signals: each one audits through a service.

Connected in ClpConfig.ready. Business rules stay in the services these call.
"""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.dispatch import receiver

from clp import services


@receiver(mfa_signals.authentication_failed, sender=Authenticator)
def audit_wrong_authenticator_code(sender, request, user, reauthentication=False, **kwargs):
    services.mfa_failure_record(user=user, request=request, reauthentication=reauthentication)


@receiver(account_signals.password_reset)
def prove_invited_address_and_audit_reset(sender, request, user, **kwargs):
    services.login_email_prove_by_link(user=user, request=request)
    services.login_email_event_record(user=user, action="user.password_reset", request=request)


@receiver(account_signals.password_changed)
def audit_password_change(sender, request, user, **kwargs):
    services.login_email_event_record(user=user, action="user.password_change", request=request)


@receiver(account_signals.email_added)
def audit_and_announce_new_address(sender, request, user, email_address, **kwargs):
    services.login_email_change_request(user=user, new_email=email_address.email, request=request)


@receiver(account_signals.email_confirmed)
def audit_address_confirmed(sender, request, email_address, **kwargs):
    services.login_email_event_record(
        user=email_address.user,
        action="user.email_verified",
        request=request,
        details={"email": email_address.email, "how": "confirmation link"},
    )


@receiver(account_signals.email_changed)
def audit_login_email_change(sender, request, user, from_email_address, to_email_address, **kw):
    services.login_email_event_record(
        user=user,
        action="user.email_change",
        request=request,
        details={
            "from": from_email_address.email if from_email_address else "",
            "to": to_email_address.email,
        },
    )


@receiver(account_signals.email_removed)
def audit_address_removed(sender, request, user, email_address, **kwargs):
    services.login_email_event_record(
        user=user,
        action="user.email_remove",
        request=request,
        details={"email": email_address.email},
    )
