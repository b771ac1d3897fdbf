from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "tallyhour.billing"
    label = "billing"

    def ready(self) -> None:
        from tallyhour.billing import tasks
        from tallyhour.billing.selectors import client_page_invoices
        from tallyhour.crm.panels import client_page_part_register

        tasks.register()
        # The client page (crm, a lower layer) shows recent invoices through this.
        client_page_part_register(client_page_invoices)
