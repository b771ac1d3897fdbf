"""The invoice document: one template (`billing/document.html`) for the staff page, the client
portal and the PDF, and the context it renders from.

An organisation restyles or rewords its invoices by overriding that template the ordinary
Django way (a `billing/document.html` in a TEMPLATES dir). Everything here reads; nothing
writes. Money, numbers and dates are formatted in the client's locale, times in its zone.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from tallyhour.accounts.models import Organisation
from tallyhour.accounts.selectors import organisation_logo_uri
from tallyhour.billing.models import Invoice, InvoiceLine, LineKind
from tallyhour.core import dates, localformat
from tallyhour.core.money import hours, round_money
from tallyhour.timetracking.models import TimeEntry

# Lines whose quantity is hours (everything else counts units: fees, manual lines).
TIME_KINDS = frozenset(
    {
        LineKind.TIME,
        LineKind.PREPAY,
        LineKind.RETAINER_INCLUDED,
        LineKind.OVERAGE,
        LineKind.COVERED,
    }
)
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOUR = "#1f4e79"
STYLESHEET = "billing/document.css"
# Shown for time whose note the client may not read (no client-visible action behind it).
NEUTRAL_NOTE = "Work logged"


@dataclass(frozen=True)
class Party:
    """Seller or buyer as printed."""

    name: str
    address: str
    tax_id: str


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity: str
    unit: str
    price: str
    amount: str


@dataclass(frozen=True)
class TaxRow:
    """One tax rate's share of the invoice: what it applies to and what it adds."""

    rate: str
    taxable: str
    tax: str


@dataclass(frozen=True)
class EntryRow:
    when: str
    agent: str
    note: str
    worked: str
    billed: str


@dataclass
class Document:
    """Everything the document template prints, already formatted."""

    invoice: Invoice
    locale: str
    currency: str
    title: str
    is_draft: bool
    seller: Party
    buyer: Party
    logo_uri: str
    brand_colour: str
    issue_date: str
    due_date: str
    period_end: str
    terms: str
    purchase_order: str
    credits_text: str
    lines: list[DocumentLine]
    tax_rows: list[TaxRow]
    subtotal: str
    tax_total: str
    total: str
    amount_paid: str
    balance_due: str
    tax_note: str
    bank_details: str
    payment_instructions: str
    time_zone: str = ""
    # (line description, its entries) for the appendix; empty unless asked for.
    entries: list[tuple[str, list[EntryRow]]] = field(default_factory=list)


def brand_colour(org: Organisation) -> str:
    # The colour ends up in a stylesheet: anything but #rrggbb (a row written around the
    # model's validator) falls back rather than reaching the CSS.
    return org.brand_colour if COLOUR.match(org.brand_colour or "") else DEFAULT_COLOUR


def brand_css(org: Organisation) -> str:
    """The one per-organisation rule: the brand colour as a custom property."""
    return render_to_string("billing/brand.css", {"colour": brand_colour(org)})


def _parties(invoice: Invoice, org: Organisation) -> tuple[Party, Party]:
    # Issued documents print the snapshots; drafts (and voided drafts) the live details.
    if invoice.number:
        seller = Party(invoice.seller_name, invoice.seller_address, invoice.seller_tax_id)
        buyer = Party(invoice.buyer_name, invoice.buyer_address, invoice.buyer_tax_id)
    else:
        client = invoice.client
        seller = Party(org.name, org.address, org.tax_id)
        buyer = Party(client.name, client.billing_address, client.tax_id)
    return seller, buyer


def _line(line: InvoiceLine, currency: str, locale: str, hour_places: int) -> DocumentLine:
    is_time = line.kind in TIME_KINDS
    # Quantities and prices print every decimal they are stored with (never rounded), so
    # quantity × price visibly makes the amount.
    quantity = localformat.number(line.quantity, locale, hour_places if is_time else 0)
    return DocumentLine(
        description=line.description,
        quantity=quantity,
        unit="h" if is_time else "",
        price=localformat.money(line.rate, currency, locale),
        amount=localformat.money(line.amount, currency, locale),
    )


def _tax_rows(invoice: Invoice, lines: list[InvoiceLine], locale: str) -> list[TaxRow]:
    """One row per tax rate with what it applies to and what it adds. Invoices carry one rate
    today (every line at `invoice.tax_rate`); the grouping keeps the template right for more."""
    by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        by_rate[invoice.tax_rate] += line.amount
    if not by_rate:
        by_rate[invoice.tax_rate] = invoice.subtotal
    currency = invoice.currency
    rows = []
    for rate, taxable in sorted(by_rate.items()):
        # With one rate the stored tax is the tax (rounded once, on the subtotal).
        tax = round_money(taxable * rate / 100, currency)
        if len(by_rate) == 1:
            tax = invoice.tax_amount
        rows.append(
            TaxRow(
                rate=localformat.number(rate, locale) + " %",
                taxable=localformat.money(taxable, currency, locale),
                tax=localformat.money(tax, currency, locale),
            )
        )
    return rows


def _terms(invoice: Invoice, org: Organisation, locale: str) -> str:
    if invoice.is_credit_note:
        return ""
    if invoice.issue_date and invoice.due_date:
        days = (invoice.due_date - invoice.issue_date).days
        due = localformat.date(invoice.due_date, locale)
        return f"Due within {days} day{'s' if days != 1 else ''}, by {due}."
    client_days = invoice.client.payment_terms_days
    days = org.payment_terms_days if client_days is None else client_days
    return f"Due within {days} day{'s' if days != 1 else ''} of issue."


def _credits_text(invoice: Invoice, locale: str) -> str:
    original = invoice.credits if invoice.credits_id else None
    if original is None:
        return ""
    issued = localformat.date(original.issue_date, locale)
    name = f"Credit note {invoice.number}" if invoice.number else "This credit note"
    return f"{name} credits invoice {original.number}, issued {issued}."


def _visible_note(entry: TimeEntry) -> str:
    """The entry's note only when a client-visible action carries it; internal work shows as
    time with a neutral label, its text never printed."""
    action = getattr(entry, "action", None)
    if action is not None and action.client_visible and entry.note:
        return entry.note
    return NEUTRAL_NOTE


def _entries(
    invoice: Invoice, lines: list[InvoiceLine], zone_name: str, locale: str
) -> list[tuple[str, list[EntryRow]]]:
    zone = dates.zone(zone_name)
    rows: dict[int, list[EntryRow]] = defaultdict(list)
    entries = (
        TimeEntry.objects.filter(invoice_line__invoice=invoice)
        .select_related("agent", "action")
        .order_by("started_at", "pk")
    )
    for entry in entries:
        rows[entry.invoice_line_id or 0].append(
            EntryRow(
                when=localformat.date_time(entry.started_at.astimezone(zone), locale),
                agent=entry.agent.display_name,
                note=_visible_note(entry),
                worked=localformat.number(hours(entry.worked_seconds), locale, 2),
                billed=localformat.number(hours(entry.billable_seconds), locale, 2),
            )
        )
    return [(line.description, rows[line.pk]) for line in lines if rows.get(line.pk)]


def build(
    invoice: Invoice, *, organisation: Organisation | None = None, with_entries: bool = False
) -> Document:
    """The document of one invoice the caller may already see (fetched through a selector)."""
    org = organisation or Organisation.current()
    client = invoice.client
    locale = client.locale or org.locale
    currency = invoice.currency
    lines = list(invoice.lines.all())
    seller, buyer = _parties(invoice, org)
    paid = invoice.amount_paid or Decimal(0)
    money = localformat.money
    zone_name = client.timezone or org.timezone
    return Document(
        invoice=invoice,
        locale=locale,
        currency=currency,
        title=invoice.title,
        is_draft=not invoice.number,
        seller=seller,
        buyer=buyer,
        logo_uri=organisation_logo_uri(org),
        brand_colour=brand_colour(org),
        issue_date=localformat.date(invoice.issue_date, locale),
        # A credit note is not paid by the client: no due date on it.
        due_date="" if invoice.is_credit_note else localformat.date(invoice.due_date, locale),
        period_end=localformat.date(invoice.period_end, locale),
        terms=_terms(invoice, org, locale),
        purchase_order=invoice.purchase_order,
        credits_text=_credits_text(invoice, locale),
        lines=[_line(line, currency, locale, org.invoice_hours_places) for line in lines],
        tax_rows=_tax_rows(invoice, lines, locale),
        subtotal=money(invoice.subtotal, currency, locale),
        tax_total=money(invoice.tax_amount, currency, locale),
        total=money(invoice.total, currency, locale),
        amount_paid=money(paid, currency, locale) if paid > 0 else "",
        balance_due=money(invoice.balance_due, currency, locale) if paid > 0 else "",
        tax_note=invoice.tax_note,
        bank_details=org.bank_details,
        payment_instructions=org.payment_instructions,
        time_zone=zone_name,
        entries=_entries(invoice, lines, zone_name, locale) if with_entries else [],
    )


def _stylesheet_path() -> Path:
    # Through the static finders, so a STATICFILES_DIRS copy can restyle the PDF as well.
    found = finders.find(STYLESHEET)
    if isinstance(found, list):
        found = found[0] if found else None
    return Path(found) if found else Path(__file__).parent / "static" / STYLESHEET


def render_pdf(
    invoice: Invoice, *, with_entries: bool = False, organisation: Organisation | None = None
) -> bytes:
    """The document as an A4 PDF (WeasyPrint), with the time-entry appendix if asked for."""
    # Imported here: WeasyPrint loads its fonts and Pango on import, which pages never need.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    org = organisation or Organisation.current()
    doc = build(invoice, organisation=org, with_entries=with_entries)
    html = render_to_string("billing/document_pdf.html", {"doc": doc, "invoice": invoice})
    stylesheets = [CSS(filename=str(_stylesheet_path())), CSS(string=brand_css(org))]
    # data: URIs only (the logo): rendering a document never reaches the network or disk.
    fetcher = URLFetcher(allowed_protocols={"data"})
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=stylesheets)
    return bytes(pdf or b"")
