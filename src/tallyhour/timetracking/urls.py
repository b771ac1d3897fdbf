from django.urls import path

app_name = "timetracking"
urlpatterns: list = []
