from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "tallyhour.servicedesk"
    label = "servicedesk"

    def ready(self) -> None:
        from tallyhour.crm.panels import client_list_annotator_register, client_page_part_register
        from tallyhour.servicedesk.selectors import client_page_tickets, clients_with_open_tickets

        # The client pages (crm, a lower layer) show open tickets through these.
        client_list_annotator_register(clients_with_open_tickets)
        client_page_part_register(client_page_tickets)
