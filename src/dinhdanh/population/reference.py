"""Reference data of the registry: provinces (current and legacy codes), communes,
ethnic groups and religions. Loaded from data files and `vietnamadminunits`, never
spread through code."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from vietnamadminunits.database import query as admin_units_query

from dinhdanh.platform.db import Base
from dinhdanh.population.names import fold


class Province(Base):
    """One of the 34 provinces and centrally-run cities (since 1 July 2025)."""

    __tablename__ = "provinces"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(60))


class LegacyProvince(Base):
    """One of the 63 provinces before July 2025; its 3-digit code prefixes personal IDs."""

    __tablename__ = "legacy_provinces"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))


class Commune(Base):
    """A current commune-level unit (xã, phường, đặc khu): 3,321 of them."""

    __tablename__ = "communes"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"), index=True)
    name_folded: Mapped[str] = mapped_column(String(100), index=True)


class Ethnicity(Base):
    """One of the 54 ethnic groups (statistics office codes 01–54)."""

    __tablename__ = "ethnicities"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))


class Religion(Base):
    """A recognised religion (codes 01–14); no religion is stored as NULL."""

    __tablename__ = "religions"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


def _csv(name: str) -> list[dict[str, str]]:
    text = (resources.files("dinhdanh.data") / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@dataclass(frozen=True)
class CommuneInfo:
    """A commune as the rest of the code sees it."""

    code: str
    name: str
    kind: str
    province_code: str
    province_name: str


@lru_cache(maxsize=1)
def admin_units() -> tuple[list[dict[str, str]], dict[str, CommuneInfo]]:
    """Provinces and communes from `vietnamadminunits` (read once per process)."""
    rows = admin_units_query(
        "SELECT province, provinceShort, provinceCode, ward, wardShort, wardType, wardCode "
        "FROM admin_units ORDER BY provinceCode, wardCode"
    )
    provinces: dict[str, dict[str, str]] = {}
    communes: dict[str, CommuneInfo] = {}
    for r in rows:
        provinces.setdefault(
            r["provinceCode"],
            {"code": r["provinceCode"], "name": r["province"], "short_name": r["provinceShort"]},
        )
        communes[r["wardCode"]] = CommuneInfo(
            r["wardCode"], r["ward"], r["wardType"], r["provinceCode"], r["province"]
        )
    return list(provinces.values()), communes


def commune_info(code: str) -> CommuneInfo | None:
    """Look a commune up by its 5-digit code without touching the database."""
    return admin_units()[1].get(code)


@lru_cache(maxsize=1)
def _commune_index() -> list[tuple[str, CommuneInfo]]:
    communes = admin_units()[1].values()
    return [(fold(f"{c.name} {c.province_name}"), c) for c in communes]


def find_communes(query: str, limit: int = 20) -> list[CommuneInfo]:
    """Communes whose code starts with, or whose folded name and province contain, the query
    ("ba dinh", "phuong ba dinh ha noi", "0000"); reference data in memory, no database."""
    q = fold(query)
    if not q:
        return []
    if q.isdigit():
        return [c for _, c in _commune_index() if c.code.startswith(q)][:limit]
    words = q.split()
    return [c for text, c in _commune_index() if all(w in text for w in words)][:limit]


@lru_cache(maxsize=1)
def ethnicity_names() -> dict[str, str]:
    """Ethnic group code → name."""
    return {r["code"]: r["name"] for r in _csv("ethnicities.csv")}


@lru_cache(maxsize=1)
def religion_names() -> dict[str, str]:
    """Religion code → name."""
    return {r["code"]: r["name"] for r in _csv("religions.csv")}


@lru_cache(maxsize=1)
def legacy_province_names() -> dict[str, str]:
    """Legacy 3-digit province code → name."""
    return {r["code"]: r["name"] for r in _csv("legacy_provinces.csv")}


def reference_rows() -> dict[str, list[dict[str, str]]]:
    """Rows of every reference table, keyed by table name (the migration inserts them)."""
    provinces, communes = admin_units()
    return {
        "provinces": provinces,
        "legacy_provinces": [
            {"code": r["code"], "name": r["name"], "province_code": r["new_code"]}
            for r in _csv("legacy_provinces.csv")
        ],
        "communes": [
            {
                "code": c.code,
                "name": c.name,
                "short_name": c.name.removeprefix(c.kind).strip(),
                "kind": c.kind,
                "province_code": c.province_code,
                "name_folded": fold(c.name),
            }
            for c in communes.values()
        ],
        "ethnicities": _csv("ethnicities.csv"),
        "religions": _csv("religions.csv"),
    }
