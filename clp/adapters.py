from allauth.account.adapter import DefaultAccountAdapter

from clp.audit import client_ip


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: people get accounts by invitation from an organiser or the IT manager."""

    def is_open_for_signup(self, request):
        return False

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth keys the failed-login limit on the account alone; we key it on the account
        # *and* the address, so that one person's typos at a shared venue lock out only that
        # person on that network, not the whole room, and not that person everywhere.
        key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{key}@{client_ip(request) or 'unknown'}"
