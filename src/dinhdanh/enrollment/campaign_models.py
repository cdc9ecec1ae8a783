"""The campaign to reach every resident: each follow-up of an adult without an account (a
visit, a call, a loudspeaker announcement, a letter) and what came of it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform import clock
from dinhdanh.platform.db import Base, UTCDateTime, new_uuid

CHANNELS: Final = ("visit", "phone", "loudspeaker", "letter")
OUTCOMES: Final = (
    "will_register",  # promised to come to the office or to register in the app
    "not_reached",  # nobody at home, no answer
    "no_smartphone",  # wants an account but has no phone for the app
    "declined",
    "moved_away",  # no longer lives in the commune: the registry needs updating
    "other",
)
NOTE_MAX: Final = 500


class FollowUp(Base):
    """One follow-up of a resident by an officer of the unit, on a given day."""

    __tablename__ = "campaign_followups"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"))
    # The person's home commune when followed up, and the officer's unit.
    commune_code: Mapped[str] = mapped_column(String(5))
    unit_code: Mapped[str] = mapped_column(String(16))
    happened_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())

    __table_args__ = (
        # The person's history, newest first; and "followed up or not" on the list.
        Index("ix_campaign_followups_citizen", "citizen_id", "happened_on"),
    )


followups = FollowUp.__table__
