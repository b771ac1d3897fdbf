from django.urls import path

from tallyhour.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.webhooks_page, name="page"),
    path("<int:pk>/delete/", views.webhook_delete, name="delete"),
    path("deliveries/<int:pk>/replay/", views.delivery_replay_view, name="replay"),
]
