from django.urls import path

from tallyhour.timetracking import views

app_name = "timetracking"
urlpatterns = [
    path("start/", views.timer_start, name="timer_start"),
    path("<int:timer_id>/stop/", views.timer_stop, name="timer_stop"),
    path("<int:timer_id>/pause/", views.timer_pause, name="timer_pause"),
    path("<int:timer_id>/resume/", views.timer_resume, name="timer_resume"),
]
