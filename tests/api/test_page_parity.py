"""Every page action has an API operation: each page URL that accepts POST is mapped to the
operation doing the same thing, and that operation is in the OpenAPI document.

A new page form without an endpoint (or a mapping to one) fails here; so does a mapping that
names a page or operation that no longer exists.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver

# page URL name → operationId(s) of /api/v1 doing the same.
PAGE_TO_OPERATION: dict[str, tuple[str, ...]] = {
    # My week, entries, leave
    "timesheets:time_entry_create": ("create_time_entry",),
    "timesheets:time_entry_edit": ("update_time_entry",),
    "timesheets:time_entry_delete": ("delete_time_entry",),
    "timesheets:submission_submit": ("submit_week",),
    "timesheets:copy_last_week": ("copy_last_week",),
    "timesheets:week_grid": ("set_day_total",),
    "timesheets:submission_recall": ("recall_submission",),
    "timesheets:ticket_submit": ("submit_ticket",),
    "timesheets:leave": ("create_leave",),
    "timesheets:leave_delete": ("delete_leave",),
    # Approvals
    "timesheets:submission_approve": ("approve_submission",),
    "timesheets:submission_reject": ("reject_submission", "reject_entries"),
    "timesheets:submission_reopen": ("reopen_submission",),
    "timesheets:submissions_bulk_approve": ("bulk_approve",),
    "timesheets:time_entry_write_off": ("write_off",),
    # Timers
    "timetracking:timer_start": ("start_timer",),
    "timetracking:timer_stop": ("stop_timer",),
    "timetracking:timer_pause": ("pause_timer",),
    "timetracking:timer_resume": ("resume_timer",),
    # Tickets
    "servicedesk:ticket_new": ("create_ticket",),
    "servicedesk:ticket_edit": ("update_ticket",),
    "servicedesk:ticket_work": ("work_on_ticket",),
    "servicedesk:ticket_open": ("open_ticket",),
    "servicedesk:action_add": ("create_action",),
    # Billing
    "billing:run_commit": ("run_invoices",),
    "billing:invoice_issue": ("issue_invoice",),
    "billing:invoice_void": ("void_invoice",),
    "billing:invoice_line_add": ("add_line",),
    "billing:invoice_reference": ("update_invoice",),
    "billing:invoice_line_remove": ("remove_line",),
    "billing:invoice_credit": ("credit_invoice",),
    "billing:invoice_paid": ("mark_paid",),
    "billing:payment_add": ("record_payment",),
    "billing:payment_delete": ("delete_payment",),
    "billing:invoice_send": ("send_invoice",),
    "billing:invoice_issue_send": ("issue_invoice", "send_invoice"),
    "billing:run_issue": ("issue_run",),
    # Clients, contracts, rates
    "crm:client_new": ("create_client",),
    "crm:client_edit": ("update_client",),
    "crm:site_add": ("create_site",),
    "crm:site_change": ("update_site",),
    "charge_types:new": ("create_charge_type",),
    "charge_types:edit": ("update_charge_type",),
    "contracts:contract_new": ("create_contract",),
    "contracts:prepay_purchase": ("purchase",),
    "contracts:rate_list": ("create_rate",),
    # Notices and settings
    "notices_read": ("mark_notices_read",),
    "tokens:page": ("create_token",),
    "tokens:revoke": ("revoke_token",),
    "webhooks:page": ("create_webhook",),
    "webhooks:delete": ("delete_webhook",),
    "webhooks:replay": ("replay_delivery",),
    "halo-applications": ("create_api_application",),
    "halo-application-revoke": ("revoke_api_application",),
}

# Namespaces that are not pages of the staff web UI.
NOT_PAGES = {
    "admin",  # Django's admin: configuration, with its own forms and permissions
    "api",  # the native API itself
    # The client portal is being built; its actions will be revisited once it settles.
    "portal",
}
# Page names with no API counterpart on purpose.
NO_OPERATION = {
    "login",  # signing in: the API authenticates with a token or the session instead
    "logout",
    "halo-token",  # OAuth2 token endpoint of the HaloPSA-compatible API, itself an API
    # Portal contacts (invite, change) on the client page come with the portal, revisited
    # together with it.
    "crm:contact_invite",
    "crm:contact_change",
    # Organisation settings have no API yet (Django admin edits them too); the invoicing
    # page is the first of them with a page of its own.
    "settings_invoicing",
}
# Modules whose views are an API (HaloPSA-compatible), not pages.
API_MODULES = {"tallyhour.halo.views", "tallyhour.halo.directory"}

SAFE = {"GET", "HEAD", "OPTIONS"}


def accepted_methods(view: Callable[..., Any]) -> set[str] | None:
    """The HTTP methods a view accepts, or None when it accepts any.

    Class-based views list their handlers; function views limited by
    `require_http_methods` (or `require_POST`/`require_GET`) keep the list in the closure
    of the wrapper, which the usual decorators expose through `__wrapped__`.
    """
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
    func: Any = view
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None:
            for name, cell in zip(code.co_freevars, func.__closure__ or (), strict=True):
                if name == "request_method_list":
                    return {m.upper() for m in cell.cell_contents}
        func = getattr(func, "__wrapped__", None)
    return None


def _patterns(
    patterns: list[Any], namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _patterns(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield namespace, prefix + str(entry.pattern), entry


def post_pages() -> dict[str, str]:
    """Page URL name (or route, when unnamed) → route, for every page accepting POST."""
    pages = {}
    for namespace, route, pattern in _patterns(get_resolver().url_patterns):
        if namespace.split(":")[0] in NOT_PAGES:
            continue
        if getattr(pattern.callback, "__module__", "") in API_MODULES:
            continue
        methods = accepted_methods(pattern.callback)
        if methods is not None and not (methods - SAFE) & {"POST"}:
            continue
        if pattern.name:
            key = f"{namespace}:{pattern.name}" if namespace else pattern.name
        else:
            key = route
        pages[key] = route
    return pages


@pytest.fixture(scope="module")
def operation_ids() -> set[str]:
    schema = HttpClient().get("/api/v1/openapi.json").json()
    return {op["operationId"] for ops in schema["paths"].values() for op in ops.values()}


def test_the_walk_finds_page_forms():
    pages = post_pages()
    # Decorated, undecorated and mixed GET/POST views are all seen.
    assert {"timetracking:timer_start", "servicedesk:ticket_new", "crm:client_edit"} <= set(pages)
    assert "timesheets:week" not in pages  # GET only
    assert "login" in pages  # class-based view with a post handler


def test_every_page_action_has_an_endpoint():
    unmapped = sorted(set(post_pages()) - set(PAGE_TO_OPERATION) - NO_OPERATION)
    assert not unmapped, f"POST pages without an API operation: {unmapped}"


def test_the_mapping_names_only_existing_pages():
    stale = sorted(set(PAGE_TO_OPERATION) - set(post_pages()))
    assert not stale, f"Mapped pages that no longer accept POST: {stale}"


def test_every_mapped_operation_exists(operation_ids):
    missing = {
        page: op for page, ops in PAGE_TO_OPERATION.items() for op in ops if op not in operation_ids
    }
    assert not missing, f"Operations missing from the OpenAPI document: {missing}"
