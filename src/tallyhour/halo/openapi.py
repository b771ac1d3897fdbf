"""An OpenAPI 3.1 description of the HaloPSA-compatible routes, served at /halo/openapi.json.

Written by hand: the Halo views parse Halo's loose parameters themselves, so there is no schema
to generate it from. Field and parameter names are Halo's. A test checks that every route in
`halo.urls` has a path here, and a schemathesis run calls every operation described.
"""

import functools
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from tallyhour.halo import scopes as halo_scopes
from tallyhour.halo.filters import DATE_FIELDS, ORDER_FIELDS

BIGINT = 2**63 - 1
Schema = dict[str, Any]

# --- building blocks -------------------------------------------------------------------------


def nullable(kind: str, **extra: Any) -> Schema:
    return {"type": [kind, "null"], **extra}


INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
STR: Schema = {"type": "string"}
BOOL: Schema = {"type": "boolean"}
N_INT, N_STR, N_NUM = nullable("integer"), nullable("string"), nullable("number")
WHEN = nullable("string", description="UTC, ISO 8601 (`2026-11-17T09:00:00Z`).")
ID: Schema = {"type": "integer", "minimum": 0, "maximum": BIGINT}
DATE_PARAM: Schema = {
    "type": "string",
    "description": "An ISO 8601 date or UTC date-time; years 1970–9000.",
    "anyOf": [{"format": "date"}, {"format": "date-time"}],
}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def record(properties: dict[str, Schema], description: str = "") -> Schema:
    """A Halo record: the fields named here, and possibly more (Halo clients ignore extras)."""
    return {"type": "object", "description": description, "properties": properties}


def query(name: str, schema: Schema, description: str = "") -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def ids(*names: str) -> list[Schema]:
    return [query(name, ID) for name in names]


def flags(*names: str) -> list[Schema]:
    return [query(name, BOOL) for name in names]


PAGING = [
    query("pageinate", BOOL, "Page the answer with `page_size` and `page_no` (Halo's spelling)."),
    query("page_size", {"type": "integer", "minimum": 1, "maximum": BIGINT}),
    query("page_no", {"type": "integer", "minimum": 1, "maximum": BIGINT}),
    query("count", {**ID, "description": "Without paging: at most this many records."}),
    query("order", STR, "A field to sort by."),
    query("orderdesc", BOOL),
    query("search", STR, "Text the record's name or summary contains."),
]

ID_PATH = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},
}


def json_content(schema: Schema) -> Schema:
    return {"content": {"application/json": {"schema": schema}}}


ERRORS = {
    "4XX": {
        "description": "Refused: unauthenticated (401), not allowed (403), not found (404), "
        "conflicting with earlier time or a locked week (409), invalid (422), rate-limited (429).",
        **json_content(ref("Error")),
    }
}


def operation(
    summary: str,
    answer: Schema | None,
    *,
    params: list[Schema] | None = None,
    body: Schema | None = None,
    created: bool = False,
    public: bool = False,
) -> Schema:
    """One operation: its parameters, an optional JSON array body, its answer and errors."""
    op: Schema = {"summary": summary, "responses": dict(ERRORS)}
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {
            "required": True,
            **json_content(
                {"type": "array", "items": body, "description": "Halo posts arrays of records."}
            ),
        }
    if answer is not None:
        codes = ("200", "201") if created else ("200",)
        op["responses"].update(
            {code: {"description": "OK", **json_content(answer)} for code in codes}
        )
    if public:
        op["security"] = []
    return op


def listing(item: str, plural: str | None) -> Schema:
    """Halo's list answer: `{record_count, <plural>: [...]}`, or a plain array."""
    items = {"type": "array", "items": ref(item)}
    if plural is None:
        return items
    return {
        "type": "object",
        "required": ["record_count", plural],
        "properties": {"record_count": INT, "page_no": INT, "page_size": INT, plural: items},
    }


def one_or_many(item: str) -> Schema:
    # A one-record POST is answered with the record, a batch with the array.
    return {"anyOf": [ref(item), {"type": "array", "items": ref(item)}]}


def resource(
    name: str, item: str, plural: str | None, params: list[Schema], body: Schema | None = None
) -> dict[str, Schema]:
    """`/api/<name>`: a list (and, with `body`, array POSTs); `/api/<name>/{id}`: one record."""
    ops = {"get": operation(f"List {name}", listing(item, plural), params=params)}
    if body is not None:
        ops["post"] = operation(f"Save {name}", one_or_many(item), body=body, created=True)
    one = {"get": operation(f"One {name} record", ref(item), params=[ID_PATH])}
    return {f"/api/{name}": ops, f"/api/{name}/{{id}}": one}


def dates(*names: str) -> list[Schema]:
    return [query(name, DATE_PARAM) for name in names]


# --- records ---------------------------------------------------------------------------------

HOURS: Schema = {"type": ["number", "string"], "description": "Decimal hours, 0–24."}
KINDS: dict[str, Schema] = {
    "int": INT,
    "int?": N_INT,
    "str": STR,
    "str?": N_STR,
    "num": NUM,
    "bool": BOOL,
    "when": WHEN,
    "any": {},
    "id": ID,
    "date": DATE_PARAM,
    "hours": HOURS,
}


def fields(spec: str, **special: Schema) -> dict[str, Schema]:
    """`"id:int summary:str"` -> properties; `special` adds fields a kind cannot say."""
    pairs = (word.partition(":") for word in spec.split())
    return {**{name: KINDS[kind] for name, _, kind in pairs}, **special}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


CUSTOM_FIELDS = array(record(fields("id:int name:str value:any"), "A custom field, as sent."))
TICKET = record(
    fields(
        "id:int summary:str details:str? details_html:str? client_id:int client_name:str"
        " site_id:int? site_name:str? user_id:int? user_name:str? agent_id:int? team:str?"
        " status_id:int status_name:str? tickettype_id:int? tickettype_name:str?"
        " priority_id:int? chargerate:int? contract_id:int? dateoccurred:when datecreated:when"
        " lastactiondate:when timetaken:num",
        customfields=CUSTOM_FIELDS,
    ),
    "A ticket (a project when its ticket type is one).",
)
TICKET_IN = record(
    fields(
        "id:id summary:str details:str details_html:str client_id:id site_id:id user_id:id"
        " agent_id:id team:str status_id:id tickettype_id:id priority_id:id chargerate:id"
        " dateoccurred:date",
        customfields=CUSTOM_FIELDS,
    ),
    "With `id`: an update of the fields sent. Without: a new ticket, for `client_id`, or for the "
    "client of `site_id` or of the end user `user_id`.",
)
ACTION = record(
    fields(
        "id:int ticket_id:int who_agentid:int who:str note:str note_html:str? outcome:str"
        " outcome_id:int? hiddenfromuser:bool new_status:int? timetaken:num nonbilltime:num"
        " chargerate:int? datetime:when actionarrivaldate:when actioncompletiondate:when"
        " actiondatecreated:when"
    ),
    "A note, reply or status change on a ticket; its time is a time entry.",
)
ACTION_IN = record(
    fields(
        "id:id ticket_id:id who_agentid:id note:str note_html:str outcome:str outcome_id:id"
        " hiddenfromuser:bool new_status:id timetaken:hours nonbilltime:hours chargerate:id"
        " datetime:date",
        actionarrivaldate={**DATE_PARAM, "description": "When the work began (its start)."},
        actioncompletiondate={**DATE_PARAM, "description": "When it ended (its end)."},
    ),
    "With `id`: an edit of that action. `timetaken` with one of arrival or completion dates "
    "places the time from that end.",
)
EVENT = record(
    fields(
        "id:int event_type:int subject:str? agent_id:int ticket_id:int? start_date:when"
        " end_date:when timetaken:num charge_rate:int? chargerate:int? chargeable:bool note:str"
    ),
    "A time entry, as Halo's timesheet shows it.",
)
EVENT_IN = record(
    fields(
        "id:id subject:str agent_id:id ticket_id:id start_date:date end_date:date"
        " timetaken:hours chargerate:id chargeable:bool note:str",
        event_type={"type": "integer", "minimum": 0, "maximum": BIGINT},
        charge_rate={**ID, "description": "The charge type (a lookup 17 id)."},
    )
)
TIMESHEET_DAY = record(
    fields(
        "agent_id:int date:str start_date:when end_date:when target_hours:num actual_hours:num"
        " chargeable_hours:num unlogged_hours:num",
        events=array(ref("TimesheetEvent")),
    ),
    "One local day of an agent's timesheet.",
)
TIMESHEET_COMMAND = record(
    fields(
        "agent_id:id date:date start_date:date _submitapproval:bool _approve:bool _reject:bool"
        " note:str reject_reason:str"
    ),
    "Submit, approve or reject the week holding `date`.",
)
INVOICE_LINE = record(
    fields(
        "id:int description:str qty_order:num unit_price:num net_amount:num ticket_id:int?"
        " chargerate:int?"
    )
)
INVOICE = record(
    fields(
        "id:int invoicenumber:str? client_id:int client_name:str invoice_date:when duedate:when"
        " currency:str total_net:num tax_total:num total:num amountpaid:num amountdue:num"
        " paymentstatus:any posted:bool",
        lines=array(INVOICE_LINE),
    ),
    "Money as JSON numbers in the invoice's currency.",
)
CONTRACT = record(
    fields(
        "id:int client_id:int client_name:str ref:str contracttype:any active:bool expired:bool"
        " start_date:when end_date:when periodchargeamount:num billingperiod:any isdefault:bool"
    )
)
AGENT = record(
    fields(
        "id:int name:str firstname:str? surname:str? email:str isdisabled:bool chargerate:any"
        " timezone:str",
        teams={"type": "array"},
    )
)
CLIENT = record(fields("id:int name:str inactive:bool currency:str taxrate:num"))
SCHEMAS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": STR,
            "message": STR,
            "fields": {"type": "object"},
            "index": {**INT, "description": "Which record of a batch POST failed (from 0)."},
            "error_description": {**STR, "description": "OAuth2 errors (401 and /auth/token)."},
        },
    },
    "Token": {
        "type": "object",
        "required": ["access_token", "token_type", "expires_in"],
        "properties": {"access_token": STR, "token_type": STR, "expires_in": INT, "scope": STR},
    },
    "Reference": record(fields("id:int name:str"), "A reference record (status, team, site…)."),
    "LookupItem": record(fields("id:int name:str value:any chargeable:bool")),
    "Ticket": TICKET,
    "Action": ACTION,
    "TimesheetEvent": EVENT,
    "TimesheetDay": TIMESHEET_DAY,
    "Invoice": INVOICE,
    "Contract": CONTRACT,
    "Agent": AGENT,
    "Client": CLIENT,
}

# Halo's scope names: `all`, or read/edit per area; a token never holds more than its agent.
SCOPES = {
    "all": "Everything the agent may do.",
    "all:standard": "Everything but administration.",
    "admin": "Administration (agents, lookups).",
    **{
        f"{verb}:{area}": f"{verb.capitalize()} {area}."
        for area in sorted(halo_scopes.AREA_WRITE_SCOPES)
        for verb in ("read", "edit")
    },
}

# --- paths -----------------------------------------------------------------------------------

TICKET_FILTERS = [
    # Tickets sort by these fields only (any other `order` is a 422).
    *(
        query("order", {"enum": sorted(ORDER_FIELDS)}) if p["name"] == "order" else p
        for p in PAGING
    ),
    *ids("client_id", "site_id", "agent_id", "status_id", "tickettype_id", "requesttype_id"),
    *ids("user_id", "priority_id"),
    query("team", STR, "Team names or ids, comma-separated."),
    query("agent", STR, "Agent ids, comma-separated; 0 is unassigned."),
    query("client_ids", STR, "Client ids, comma-separated."),
    *flags("open_only", "closed_only"),
    query("datesearch", {"enum": sorted(DATE_FIELDS)}),
    query("startdate", DATE_PARAM),
    query("enddate", DATE_PARAM),
    query("domain", STR, "`reqs` for tickets, `prjs` for projects."),
]
TOKEN_FORM = {
    "type": "object",
    "required": ["grant_type", "client_id", "client_secret"],
    "properties": {
        "grant_type": {"enum": ["client_credentials"]},
        "client_id": STR,
        "client_secret": STR,
        "scope": {
            **STR,
            "description": "Space-separated scopes, e.g. `read:tickets edit:tickets`.",
        },
    },
}


def paths() -> dict[str, Schema]:
    by_id = [ID_PATH]
    agents = [*ids("agent_id"), query("agents", STR, "Comma-separated agent ids.")]
    tickets = resource("Tickets", "Ticket", "tickets", TICKET_FILTERS, TICKET_IN)
    tickets["/api/Tickets/{id}"].update(
        post=operation("Update a ticket", one_or_many("Ticket"), params=by_id, body=TICKET_IN),
        delete=operation("Refused: tickets are closed, not deleted", None, params=by_id),
    )
    events = resource(
        "TimesheetEvent",
        "TimesheetEvent",
        None,
        [*PAGING, *agents, *dates("start_date", "end_date")],
        EVENT_IN,
    )
    events["/api/TimesheetEvent/{id}"]["delete"] = operation(
        "Delete a draft time entry", {"type": "object"}, params=by_id
    )
    token = operation("A bearer token for client credentials (one hour)", ref("Token"), public=True)
    token["requestBody"] = {
        "required": True,
        "content": {"application/x-www-form-urlencoded": {"schema": TOKEN_FORM}},
    }
    timesheet = [*agents, *dates("date", "start_date", "end_date")]
    return {
        "/auth/token": {"post": token},
        "/api/authinfo": {"get": operation("Where to authenticate", record({}), public=True)},
        **tickets,
        **resource("Projects", "Ticket", "tickets", TICKET_FILTERS),
        **resource(
            "Actions",
            "Action",
            "actions",
            [*PAGING, *ids("ticket_id"), *dates("startdate", "enddate"), *flags("agentonly")],
            ACTION_IN,
        ),
        "/api/Timesheet": {
            "get": operation("A timesheet by day", listing("TimesheetDay", None), params=timesheet),
            "post": operation("Submit, approve, reject", {"type": "array"}, body=TIMESHEET_COMMAND),
        },
        **events,
        **resource(
            "Invoice",
            "Invoice",
            "invoices",
            [
                *PAGING,
                *ids("client_id"),
                *flags("includelines", "postedonly"),
                *dates("start_date"),
            ],
        ),
        **resource("ClientContract", "Contract", "contracts", [*PAGING, *ids("client_id")]),
        "/api/Agent/me": {"get": operation("The calling agent", ref("Agent"))},
        **resource(
            "Agent", "Agent", "agents", [*PAGING, query("team", STR), *flags("includedisabled")]
        ),
        "/api/Client/me": {"get": operation("The calling user's client", ref("Client"))},
        **resource("Client", "Client", "clients", [*PAGING, *flags("includeinactive")]),
        "/api/Lookup": {
            "get": operation(
                "Lookup values (17: charge types)", array(ref("LookupItem")), params=ids("lookupid")
            )
        },
        "/api/lookup/{id}": {"get": operation("One lookup value", ref("LookupItem"), params=by_id)},
        **resource("Status", "Reference", None, [query("type", STR), *flags("excludeclosed")]),
        **resource("TicketType", "Reference", None, [*ids("client_id"), *flags("showinactive")]),
        **resource("Outcome", "Reference", None, []),
        **resource("Priority", "Reference", None, []),
        **resource("Team", "Reference", None, []),
        **resource("Site", "Reference", "sites", [*PAGING, *ids("client_id")]),
        **resource("Users", "Reference", "users", [*PAGING, *ids("client_id", "site_id")]),
    }


@functools.cache
def document() -> Schema:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tallyhour HaloPSA-compatible API",
            "version": "1",
            "description": "Halo's routes, parameters and field names, answered from Tallyhour's "
            "records with Tallyhour's rules. Routes and field names are case-insensitive.",
        },
        "paths": paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "halo": {
                    "type": "oauth2",
                    "flows": {"clientCredentials": {"tokenUrl": "/auth/token", "scopes": SCOPES}},
                },
            },
        },
        "security": [{"bearer": []}, {"halo": []}],
    }


@require_GET
def openapi_json(request: HttpRequest) -> JsonResponse:
    """The document, public like the native API's (it describes routes, never data)."""
    return JsonResponse(document())


openapi_route = path("halo/openapi.json", openapi_json, name="halo-openapi")
