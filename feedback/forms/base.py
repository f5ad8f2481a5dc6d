"""A form base class that trims input and normalises Vietnamese text to Unicode NFC."""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm


def normalise_text(value):  # noqa: ANN001, ANN201
    """Strip surrounding space and compose to NFC, so "thái" typed on any keyboard is one string."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    return value


class NormalisedForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):  # noqa: ANN001, ANN201
            filters = unbound_field.kwargs.get("filters", [])
            if normalise_text not in filters:
                unbound_field.kwargs["filters"] = [normalise_text, *filters]
            return unbound_field.bind(form=form, filters=unbound_field.kwargs["filters"], **options)
