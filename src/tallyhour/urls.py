from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tallyhour.accounts.settings_views import settings_invoicing, settings_overview
from tallyhour.billing.views import brand_stylesheet
from tallyhour.core import health
from tallyhour.halo import pages as halo_pages
from tallyhour.timesheets.views.home import home

urlpatterns = [
    # First: every API call walks the patterns above its own, and the pages' list is long.
    path("api/v1/", include("tallyhour.api.urls", namespace="api")),
    # For load balancers: liveness and readiness, no session.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", home, name="home"),
    path("", include("tallyhour.timesheets.urls")),
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("timers/", include("tallyhour.timetracking.urls")),
    path("tickets/", include("tallyhour.servicedesk.urls")),
    path("notices/", include("tallyhour.core.urls")),
    path("billing/", include("tallyhour.billing.urls")),
    path("clients/", include("tallyhour.crm.urls")),
    path("contracts/", include("tallyhour.contracts.urls")),
    path("reports/", include("tallyhour.reports.urls")),
    path("settings/", settings_overview, name="settings_overview"),
    path("settings/invoicing/", settings_invoicing, name="settings_invoicing"),
    path("settings/charge-types/", include("tallyhour.timetracking.charge_type_urls")),
    path("settings/webhooks/", include("tallyhour.webhooks.urls")),
    path("settings/tokens/", include("tallyhour.accounts.token_urls")),
    path("settings/api-applications/", halo_pages.applications_page, name="halo-applications"),
    path(
        "settings/api-applications/<int:pk>/revoke/",
        halo_pages.application_revoke,
        name="halo-application-revoke",
    ),
    # Under /portal/ because the portal gate lets contacts reach only that; staff pages'
    # invoice documents link the same sheet.
    path("portal/brand.css", brand_stylesheet, name="brand_css"),
    path("portal/", include("tallyhour.portal.urls")),
    path("admin/", admin.site.urls),
    path("", include("tallyhour.halo.urls")),
]
