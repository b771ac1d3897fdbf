"""The client pages get contracts, invoices and tickets from the apps above crm."""

from tallyhour.billing.selectors import client_page_invoices
from tallyhour.contracts.selectors import client_page_contracts, client_rows_contracts
from tallyhour.crm import panels
from tallyhour.servicedesk.selectors import client_page_tickets, clients_with_open_tickets


def test_the_apps_above_crm_register_their_parts_once():
    for register, provider in (
        (panels.client_page_part_register, client_page_contracts),
        (panels.client_page_part_register, client_page_invoices),
        (panels.client_page_part_register, client_page_tickets),
        (panels.client_rows_decorator_register, client_rows_contracts),
        (panels.client_list_annotator_register, clients_with_open_tickets),
    ):
        register(provider)  # a second registration changes nothing
    assert panels._page_parts.count(client_page_contracts) == 1
    assert {client_page_contracts, client_page_invoices, client_page_tickets} <= set(
        panels._page_parts
    )
    assert panels._rows_decorators == [client_rows_contracts]
    assert panels._list_annotators == [clients_with_open_tickets]
