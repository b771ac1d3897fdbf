from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tallyhour.api.api import api
from tallyhour.timesheets.views import week_page

urlpatterns = [
    path("", week_page, name="home"),
    path("", include("tallyhour.timesheets.urls")),
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("timers/", include("tallyhour.timetracking.urls")),
    path("billing/", include("tallyhour.billing.urls")),
    path("reports/", include("tallyhour.reports.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
