"""The translated labels of enrollment's coded values, for pages and messages."""

from __future__ import annotations

from typing import Final

from dinhdanh.enrollment.steps import STATUS_LABELS
from dinhdanh.platform import i18n
from dinhdanh.platform.i18n import N_

LABELS: Final[dict[str, dict[str, str]]] = {
    "kind": {
        "issue": N_("Issue (first card)"),
        "renew": N_("Renew"),
        "reissue": N_("Reissue (lost card)"),
    },
    "reason": {
        "age_milestone": N_("Age milestone (14, 25, 40, 60)"),
        "damaged": N_("Damaged card"),
        "data_changed": N_("Changed data"),
        "lost": N_("Lost card"),
    },
    "status": STATUS_LABELS,
    "relation": {"child": N_("Child under 14"), "ward": N_("Ward")},
    "document": {
        "driving_licence": N_("Driving licence"),
        "vehicle_registration": N_("Vehicle registration"),
        "social_insurance": N_("Social insurance"),
        "health_insurance": N_("Health insurance card"),
    },
    "position": {
        "face": N_("Face photo"),
        "right_thumb": N_("Right thumb"),
        "right_index": N_("Right index finger"),
        "right_middle": N_("Right middle finger"),
        "right_ring": N_("Right ring finger"),
        "right_little": N_("Right little finger"),
        "left_thumb": N_("Left thumb"),
        "left_index": N_("Left index finger"),
        "left_middle": N_("Left middle finger"),
        "left_ring": N_("Left ring finger"),
        "left_little": N_("Left little finger"),
    },
    "source": {"camera": N_("Camera"), "upload": N_("Uploaded file")},
    "field": {
        "family_name": N_("Family name"),
        "middle_name": N_("Middle name"),
        "given_name": N_("Given name"),
        "place_of_birth": N_("Place of birth"),
        "place_of_origin": N_("Place of origin"),
        "ethnicity_code": N_("Ethnic group"),
        "religion_code": N_("Religion"),
        "blood_type": N_("Blood type"),
        "occupation": N_("Occupation"),
        "father": N_("Father (personal ID)"),
        "mother": N_("Mother (personal ID)"),
        "spouse": N_("Spouse (personal ID)"),
    },
}


def label(kind: str, value: str | None) -> str:
    """The translated label of a coded value (the value itself when unknown)."""
    return i18n.label(LABELS[kind], value)
