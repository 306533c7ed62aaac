from django.conf import settings

from clp.navigation import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "nav_items": navigation_for(user) if user is not None else [],
        "demo_mode": settings.DEMO_MODE,
    }
