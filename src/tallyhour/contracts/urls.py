from django.urls import path

from tallyhour.contracts import views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("new/", views.contract_new, name="contract_new"),
    path("<int:contract_id>/", views.contract_detail, name="contract_detail"),
    path("<int:contract_id>/prepay/", views.prepay_purchase, name="prepay_purchase"),
    path("rates/", views.rate_list, name="rate_list"),
]
