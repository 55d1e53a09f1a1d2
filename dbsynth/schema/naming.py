"""What a column's name says about its content: personal data, place names.

Shared by the model (which fakes personal columns) and the metadata file (which reports
their kinds, e.g. as SDV sdtypes); names are how people label such columns.
"""

from __future__ import annotations

import re

# (kind, pattern over the lower-cased column name). Order matters: first match wins.
_NAME_RULES: tuple[tuple[str, str], ...] = (
    ("email", r"e_?mail"),
    ("phone", r"phone|mobile|\bfax\b|^fax$|_fax$|telephone"),
    ("first_name", r"first_?name|given_?name|forename"),
    ("last_name", r"last_?name|surname|family_?name"),
    ("full_name", r"^(full_?name|customer_?name|person_?name|contact_?name|patient_?name)$"),
    ("street_address", r"(^|_)(street|address|address_?line_?\d?|street_address|addr)$"),
    ("postal_code", r"postal_?code|zip_?code|^zip$|postcode"),
    ("company", r"^company(_name)?$"),
    ("ssn", r"^ssn$|social_security"),
    ("username", r"^user_?name$|^login$"),
)

#: Fake-value kinds a personal column can have (``pii:<kind>`` in the metadata file).
PII_KINDS: tuple[str, ...] = tuple(kind for kind, _ in _NAME_RULES)

#: Place names (city, state, country…) are categories even when most values are distinct:
#: they are short labels that other columns depend on, not free text to be replaced.
_PLACE_NAME = re.compile(r"(^|_)(city|town|state|province|region|county|country|district)$")


def pii_kind(column_name: str) -> str | None:
    """The personal-data kind a column's name announces (``email``, ``phone``…), if any."""
    name = column_name.lower()
    for kind, pattern in _NAME_RULES:
        if re.search(pattern, name):
            return kind
    return None


def is_place_name(column_name: str) -> bool:
    return bool(_PLACE_NAME.search(column_name.lower()))


#: (fake kind, pattern over the lower-cased name) for places, English and German, wider
#: than :data:`_PLACE_NAME`: a column of place names with one name per row is faked as
#: places of that kind (``heimatort``, ``birthplace``), never as lorem words.
_PLACE_RULES: tuple[tuple[str, str], ...] = (
    ("country", r"(^|_)(country|country_?name|nation|land|landesname|staatsname)$"),
    ("state", r"(^|_)(state|province|region|county|bundesland|landkreis|provinz|staat)$"),
    ("city", r"(^|_)(city|town|city_?name|hometown|home_?town|birth_?place|place_of_birth|location"
             r"|ort|stadt|stadtname|heimatort|wohnort|geburtsort|standort|veranstaltungsort)$"),
)

#: the kinds :func:`place_kind` names
PLACE_KINDS: tuple[str, ...] = tuple(kind for kind, _ in _PLACE_RULES)


def place_kind(column_name: str) -> str | None:
    """``city``, ``state`` or ``country`` when the column's name says it holds places."""
    name = column_name.lower()
    for kind, pattern in _PLACE_RULES:
        if re.search(pattern, name):
            return kind
    return None
