from django.urls import path

from tallyhour.billing import delivery_views, payment_views, views

app_name = "billing"
urlpatterns = [
    path("", views.run_page, name="run"),
    path("runs/", views.run_commit, name="run_commit"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/<int:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:invoice_id>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:invoice_id>/void/", views.invoice_void, name="invoice_void"),
    path("invoices/<int:invoice_id>/lines/", views.invoice_line_add, name="invoice_line_add"),
    path("invoices/<int:invoice_id>/reference/", views.invoice_reference, name="invoice_reference"),
    path(
        "invoices/<int:invoice_id>/lines/<int:line_id>/remove/",
        views.invoice_line_remove,
        name="invoice_line_remove",
    ),
    path("invoices/<int:invoice_id>/credit/", views.invoice_credit, name="invoice_credit"),
    path("invoices/<int:invoice_id>/paid/", views.invoice_paid, name="invoice_paid"),
    path(
        "invoices/<int:invoice_id>/download.<str:fmt>",
        views.invoice_download,
        name="invoice_download",
    ),
    path(
        "invoices/<slug:kind>.csv",
        views.invoice_list_csv,
        name="invoice_list_csv",
    ),
    path("runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path("runs/<int:run_id>/issue/", delivery_views.run_issue, name="run_issue"),
    path(
        "invoices/<int:invoice_id>/issue-send/",
        delivery_views.invoice_issue_send,
        name="invoice_issue_send",
    ),
    path("invoices/<int:invoice_id>/send/", delivery_views.invoice_send, name="invoice_send"),
    path("invoices/<int:invoice_id>/payments/", payment_views.payment_add, name="payment_add"),
    path(
        "invoices/<int:invoice_id>/payments/<int:payment_id>/delete/",
        payment_views.payment_delete,
        name="payment_delete",
    ),
]
