from django.contrib import admin
from django.urls import include, path

from clp import views
from clp.admin_site import require_it_manager_for_admin

require_it_manager_for_admin(admin.site)

clp_patterns = (
    [
        path("system/", views.system_status, name="system_status"),
        path("system/heartbeat/", views.heartbeat_run, name="heartbeat_run"),
        path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
        path("jobs/<int:pk>/retry/", views.job_retry, name="job_retry"),
        path("volunteers/", views.volunteer_list, name="volunteer_list"),
        path("volunteers/invite/", views.volunteer_invite, name="volunteer_invite"),
        path("volunteers/roles/<int:pk>/revoke/", views.role_revoke_view, name="role_revoke"),
        path("volunteers/roles/<int:pk>/extend/", views.role_extend_view, name="role_extend"),
    ],
    "clp",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include(clp_patterns)),
    path("canvassing/", include("canvassing.urls")),
    path("phonebank/", include("phonebank.urls")),
    path("pollingday/", include("pollingday.urls")),
    path("accounts/", include("allauth.urls")),
    path("members/", include("members.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "clp.views.error_403"
handler404 = "clp.views.error_404"
handler500 = "clp.views.error_500"
