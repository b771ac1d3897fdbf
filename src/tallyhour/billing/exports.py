"""Invoice exports: PDF, CSV (invoices, lines, accounting import) and EN 16931 UBL 2.1 XML.

Each takes invoices the caller already fetched (through a selector) and returns bytes/text;
nothing here reads permissions or writes.
"""

import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 — building XML, never parsing input

from tallyhour.accounts.models import Organisation
from tallyhour.billing import documents
from tallyhour.billing.models import Invoice, InvoiceLine, LineKind
from tallyhour.core import csvsafe
from tallyhour.core.money import minor_units, plain, round_money

# -- CSV -------------------------------------------------------------------------------------

INVOICE_COLUMNS = [
    "id",
    "number",
    "kind",
    "state",
    "client",
    "issue_date",
    "due_date",
    "period_end",
    "currency",
    "subtotal",
    "tax_rate",
    "tax_amount",
    "total",
    "credits",
]
LINE_COLUMNS = [
    "invoice_id",
    "invoice_number",
    "line_id",
    "kind",
    "description",
    "ticket_id",
    "charge_type",
    "billed_seconds",
    "quantity",
    "rate",
    "amount",
    "currency",
]
# Xero's sales-invoice import (starred columns are the ones it requires).
ACCOUNTING_COLUMNS = [
    "*ContactName",
    "EmailAddress",
    "POAddressLine1",
    "POAddressLine2",
    "*InvoiceNumber",
    "Reference",
    "*InvoiceDate",
    "*DueDate",
    "InventoryItemCode",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "Discount",
    "*AccountCode",
    "*TaxType",
    "Currency",
]


def filename(invoice: Invoice) -> str:
    return invoice.number or f"draft-{invoice.pk}"


def _csv(rows: Iterable[list[Any]], header: list[str]) -> str:
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _name(invoice: Invoice) -> str:
    return invoice.buyer_name or invoice.client.name


def invoices_csv(invoices: Iterable[Invoice]) -> str:
    return _csv(
        (
            [
                inv.pk,
                inv.number or "",
                inv.kind,
                inv.state,
                _name(inv),
                inv.issue_date or "",
                inv.due_date or "",
                inv.period_end,
                inv.currency,
                inv.subtotal,
                inv.tax_rate,
                inv.tax_amount,
                inv.total,
                inv.credits.number if inv.credits_id and inv.credits else "",
            ]
            for inv in invoices
        ),
        INVOICE_COLUMNS,
    )


def lines_csv(invoices: Iterable[Invoice]) -> str:
    rows = []
    for inv in invoices:
        for line in inv.lines.all():
            rows.append(
                [
                    inv.pk,
                    inv.number or "",
                    line.pk,
                    line.kind,
                    line.description,
                    line.ticket_id or "",
                    line.charge_type.name if line.charge_type else "",
                    line.billed_seconds,
                    plain(line.quantity),
                    plain(line.rate),
                    line.amount,
                    inv.currency,
                ]
            )
    return _csv(rows, LINE_COLUMNS)


def accounting_csv(
    invoices: Iterable[Invoice], *, account_code: str = "200", tax_type: str = "20% (VAT on Income)"
) -> str:
    """Issued invoices and credit notes, one row per priced line, for an accounting import."""
    rows = []
    for inv in invoices:
        if not inv.number:
            continue
        address = (inv.buyer_address or "").splitlines() + ["", ""]
        for line in inv.lines.all():
            if line.amount == 0:
                continue
            quantity, unit = _quantity_and_price(line, inv.currency)
            rows.append(
                [
                    _name(inv),
                    inv.client.billing_email,
                    address[0],
                    address[1],
                    inv.number,
                    inv.credits.number if inv.credits_id and inv.credits else "",
                    inv.issue_date.strftime("%d/%m/%Y") if inv.issue_date else "",
                    inv.due_date.strftime("%d/%m/%Y") if inv.due_date else "",
                    "",
                    line.description,
                    quantity,
                    unit,
                    "",
                    account_code,
                    "Reverse Charge" if inv.tax_note else tax_type,
                    inv.currency,
                ]
            )
    return _csv(rows, ACCOUNTING_COLUMNS)


def _quantity_and_price(line: InvoiceLine, currency: str) -> tuple[Decimal, Decimal]:
    """The line's quantity and unit price, whose product rounds to the line amount; a
    negative price (a discount) is shown as a negative quantity at a positive price, as
    EN 16931 requires (BR-27).

    Lines are priced that way; only invoices drafted before quantities were rounded may
    miss by a cent, and those are exported as one unit at the line amount.
    """
    quantity, price = plain(line.quantity), plain(line.rate)
    if not (quantity and round_money(quantity * price, currency) == line.amount):
        quantity, price = Decimal(1), line.amount
    return (-quantity, -price) if price < 0 else (quantity, price)


# -- UBL 2.1 (EN 16931) -----------------------------------------------------------------------

UBL = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
EN16931 = "urn:cen.eu:en16931:2017"
ET.register_namespace("", UBL)
ET.register_namespace("cac", CAC)
ET.register_namespace("cbc", CBC)


def _cbc(parent: ET.Element, tag: str, text: object, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CBC}}}{tag}", attrs)
    element.text = str(text)
    return element


def _cac(parent: ET.Element, tag: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{CAC}}}{tag}")


def _money(value: Decimal, currency: str) -> str:
    return str(value.quantize(Decimal(1).scaleb(-minor_units(currency))))


def _party(parent: ET.Element, tag: str, name: str, address: str, tax_id: str, country: str):
    party = _cac(_cac(parent, tag), "Party")
    _cbc(_cac(party, "PartyName"), "Name", name)
    postal = _cac(party, "PostalAddress")
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    if lines:
        _cbc(postal, "StreetName", lines[0])
    if len(lines) > 2:
        _cbc(postal, "AdditionalStreetName", ", ".join(lines[1:-1]))
    if len(lines) > 1:
        _cbc(postal, "CityName", lines[-1])
    _cbc(_cac(postal, "Country"), "IdentificationCode", country)
    if tax_id:
        scheme = _cac(party, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", tax_id)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    _cbc(_cac(party, "PartyLegalEntity"), "RegistrationName", name)


def _tax_category(parent: ET.Element, tag: str, invoice: Invoice) -> None:
    category = _cac(parent, tag)
    _cbc(category, "ID", "AE" if invoice.tax_note else "S")
    _cbc(category, "Percent", invoice.tax_rate)
    if invoice.tax_note and tag == "TaxCategory":
        _cbc(category, "TaxExemptionReason", invoice.tax_note)
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _payment_means(parent: ET.Element, invoice: Invoice, org: Organisation) -> None:
    """Credit transfer to the IBAN in the bank details when there is one (EN 16931 wants an
    account with code 30); otherwise "not defined" with the invoice number as reference."""
    iban = IBAN.search(org.bank_details.replace(" ", "").upper()) if org.bank_details else None
    means = _cac(parent, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", "30" if iban else "1")
    if invoice.number:
        _cbc(means, "PaymentID", invoice.number)
    if iban:
        _cbc(_cac(means, "PayeeFinancialAccount"), "ID", iban.group(0))


IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


def ubl_invoice(invoice: Invoice, organisation: Organisation | None = None) -> bytes:
    """The invoice as an EN 16931 UBL 2.1 Invoice, or a credit note as a UBL CreditNote
    (type 381), whose amounts are positive: the document type says they are credited."""
    org = organisation or Organisation.current()
    currency = invoice.currency
    country = (org.holiday_country or "GB").upper()
    credit = invoice.is_credit_note
    sign = Decimal(-1) if credit else Decimal(1)
    namespace = UBL_CREDIT_NOTE if credit else UBL
    root = ET.Element(f"{{{namespace}}}{'CreditNote' if credit else 'Invoice'}")
    _cbc(root, "CustomizationID", EN16931)
    _cbc(root, "ID", invoice.number or f"DRAFT-{invoice.pk}")
    _cbc(root, "IssueDate", (invoice.issue_date or invoice.period_end).isoformat())
    if invoice.due_date and not credit:
        _cbc(root, "DueDate", invoice.due_date.isoformat())
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", "381" if credit else "380")
    if invoice.tax_note:
        _cbc(root, "Note", invoice.tax_note)
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(_cac(root, "InvoicePeriod"), "EndDate", invoice.period_end.isoformat())
    if invoice.purchase_order:
        _cbc(_cac(root, "OrderReference"), "ID", invoice.purchase_order)
    if invoice.credits_id and invoice.credits and invoice.credits.number:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", invoice.credits.number)
        if invoice.credits.issue_date:
            _cbc(reference, "IssueDate", invoice.credits.issue_date.isoformat())
    issued = bool(invoice.number)
    client = invoice.client
    _party(
        root,
        "AccountingSupplierParty",
        invoice.seller_name if issued else org.name,
        invoice.seller_address if issued else org.address,
        invoice.seller_tax_id if issued else org.tax_id,
        country,
    )
    _party(
        root,
        "AccountingCustomerParty",
        invoice.buyer_name if issued else client.name,
        invoice.buyer_address if issued else client.billing_address,
        invoice.buyer_tax_id if issued else client.tax_id,
        country,
    )
    if not credit:
        _payment_means(root, invoice, org)
        if invoice.due_date:
            terms = f"Due by {invoice.due_date.isoformat()}."
            if org.payment_instructions:
                terms += " " + " ".join(org.payment_instructions.split())
            _cbc(_cac(root, "PaymentTerms"), "Note", terms)
    tax_total = _cac(root, "TaxTotal")
    _cbc(tax_total, "TaxAmount", _money(sign * invoice.tax_amount, currency), currencyID=currency)
    subtotal = _cac(tax_total, "TaxSubtotal")
    _cbc(subtotal, "TaxableAmount", _money(sign * invoice.subtotal, currency), currencyID=currency)
    _cbc(subtotal, "TaxAmount", _money(sign * invoice.tax_amount, currency), currencyID=currency)
    _tax_category(subtotal, "TaxCategory", invoice)
    totals = _cac(root, "LegalMonetaryTotal")
    for tag, value in (
        ("LineExtensionAmount", invoice.subtotal),
        ("TaxExclusiveAmount", invoice.subtotal),
        ("TaxInclusiveAmount", invoice.total),
        ("PayableAmount", invoice.total),
    ):
        _cbc(totals, tag, _money(sign * value, currency), currencyID=currency)
    for number, line in enumerate(invoice.lines.all(), start=1):
        quantity, price = _quantity_and_price(line, currency)
        unit = "HUR" if line.kind not in (LineKind.FEE, LineKind.MANUAL) else "C62"
        element = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
        _cbc(element, "ID", number)
        _cbc(
            element,
            "CreditedQuantity" if credit else "InvoicedQuantity",
            sign * quantity,
            unitCode=unit,
        )
        _cbc(
            element,
            "LineExtensionAmount",
            _money(sign * line.amount, currency),
            currencyID=currency,
        )
        item = _cac(element, "Item")
        _cbc(item, "Name", line.description[:200] or "Services")
        _tax_category(item, "ClassifiedTaxCategory", invoice)
        _cbc(_cac(element, "Price"), "PriceAmount", price, currencyID=currency)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# -- PDF -------------------------------------------------------------------------------------


def invoice_pdf(
    invoice: Invoice, *, with_entries: bool = False, organisation: Organisation | None = None
) -> bytes:
    """The invoice document as an A4 PDF; `with_entries` appends the time behind each line."""
    return documents.render_pdf(invoice, with_entries=with_entries, organisation=organisation)
