from django.urls import path

from tallyhour.core import views

urlpatterns = [
    path("", views.notice_list, name="notices"),
    path("read/", views.notice_read, name="notices_read"),
]
