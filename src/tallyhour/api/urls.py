"""The API's URL patterns, included by the project's URLconf under /api/v1/."""

from tallyhour.api.api import api

urlpatterns, app_name = api.urls[:2]
