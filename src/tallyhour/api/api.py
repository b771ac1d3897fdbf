"""The NinjaAPI instance: auth, the error format, offline docs and every app's router."""

from django.http import FileResponse, HttpRequest
from ninja import NinjaAPI
from ninja.operation import Operation

from tallyhour.accounts.api import router as accounts_router
from tallyhour.accounts.apiauth import BearerToken, SessionAuth, install_rate_limit_handler
from tallyhour.api.docs import OfflineSwagger, docs_asset
from tallyhour.billing.api import router as billing_router
from tallyhour.billing.delivery_api import router as delivery_router
from tallyhour.contracts.api import router as contracts_router
from tallyhour.core.api import router as core_router
from tallyhour.core.apikit.errors import install_error_handlers
from tallyhour.crm.api import router as crm_router
from tallyhour.halo.api import router as halo_router
from tallyhour.reports.api import router as reports_router
from tallyhour.servicedesk.api import router as servicedesk_router
from tallyhour.timesheets.api import router as timesheets_router
from tallyhour.timetracking.api import router as timetracking_router
from tallyhour.timetracking.charge_type_api import router as charge_type_router
from tallyhour.timetracking.ticket_api import router as ticket_capture_router
from tallyhour.webhooks.api import router as webhooks_router

DESCRIPTION = """\
The Tallyhour API: time capture, weekly timesheets and approval, invoice runs and utilisation.

**Authentication.** Send `Authorization: Bearer th_…` with a token from
`tallyhour createapitoken USERNAME`, or use a signed-in browser session (requests that change
data then need the `X-CSRFToken` header).

**Errors.** Every 4xx answer is `{"error": code, "message": text, "fields": {name: problem}}`.

**Conventions.** Decimals (hours, money) are strings; times are ISO 8601 in UTC and must carry a
zone offset when sent; lists are paged with `limit`/`offset` and answer
`{"count": total, "items": [...]}`.
"""


class TallyhourAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # Short, stable ids (`create_time_entry`) for generated clients; names are unique.
        return operation.view_func.__name__


api = TallyhourAPI(
    title="Tallyhour API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[BearerToken(), SessionAuth()],
    docs=OfflineSwagger(),
)
install_error_handlers(api)
install_rate_limit_handler(api)

for router in (
    crm_router,
    servicedesk_router,
    ticket_capture_router,
    accounts_router,
    charge_type_router,
    timetracking_router,
    timesheets_router,
    billing_router,
    delivery_router,
    contracts_router,
    reports_router,
    core_router,
    webhooks_router,
    halo_router,
):
    api.add_router("/", router)


@api.get("/docs/assets/{name}", auth=None, include_in_schema=False)
def docs_assets(request: HttpRequest, name: str) -> FileResponse:
    return docs_asset(request, name)
