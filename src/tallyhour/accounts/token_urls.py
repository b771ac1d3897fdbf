from django.urls import path

from tallyhour.accounts import views

app_name = "tokens"
urlpatterns = [
    path("", views.tokens_page, name="page"),
    path("<int:pk>/revoke/", views.token_revoke, name="revoke"),
]
