from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "tallyhour.contracts"
    label = "contracts"

    def ready(self) -> None:
        from tallyhour.contracts.selectors import client_page_contracts, client_rows_contracts
        from tallyhour.crm.panels import client_page_part_register, client_rows_decorator_register

        # The client pages (crm, a lower layer) show contracts and prepay through these.
        client_rows_decorator_register(client_rows_contracts)
        client_page_part_register(client_page_contracts)
