from django.urls import path

from tallyhour.billing import views

app_name = "billing"
urlpatterns = [
    path("", views.run_page, name="run"),
    path("runs/", views.run_commit, name="run_commit"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/<int:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:invoice_id>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:invoice_id>/void/", views.invoice_void, name="invoice_void"),
]
