"""The hand-written <select> of the time forms writes what Django's widget writes (less the
blank lines of Django's template)."""

import re

from django import forms

from tallyhour.timetracking.views import Normalised, OptionsSelect

CHOICES = [
    ("", "No ticket (internal activity)"),
    ("Acme & Sons", [("12", "#12 VPN <down>"), ("7", '#7 "Printer"')]),
    ("Beta Ltd", [("3", "#3 Backups"), ("12", "#12 listed twice")]),
]


def _pair(value: object, attrs: dict[str, object]) -> tuple[str, str]:
    ours = OptionsSelect(attrs={"class": "wide"}, choices=Normalised(CHOICES))
    django = forms.Select(attrs={"class": "wide"}, choices=CHOICES)
    return ours.render("ticket", value, attrs), re.sub(
        r"\n\s*\n", "\n", django.render("ticket", value, attrs)
    )


def test_same_markup_as_django_with_groups_escaping_and_selection() -> None:
    for value in (None, "", "12", 7, "99"):
        ours, django = _pair(value, {"id": "id_ticket", "required": True})
        assert ours == django, value


def test_a_value_listed_twice_is_selected_once() -> None:
    ours, django = _pair("12", {"id": "id_ticket"})
    assert ours.count(" selected") == 1
    assert ours == django


def test_forms_sharing_choices_write_the_options_once_per_selection() -> None:
    choices = Normalised(CHOICES)
    first = OptionsSelect(choices=choices).render("ticket", "3", {"id": "a"})
    second = OptionsSelect(choices=choices).render("ticket", "3", {"id": "b"})
    assert list(choices.markup) == [("3",)]
    assert first.replace('id="a"', 'id="b"') == second
    OptionsSelect(choices=choices).render("ticket", None, {})
    assert set(choices.markup) == {("3",), ("",)}  # None selects the empty option
