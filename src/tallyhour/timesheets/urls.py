from django.urls import path

app_name = "timesheets"
urlpatterns: list = []
