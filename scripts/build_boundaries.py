"""Build viz/regions.geojson: NHS England region outlines, simplified for the browser app.

Input: ONS "NHS England Regions (July 2022) Boundaries EN BUC" shapefile (British National
Grid), Open Government Licence v3.0; see viz/BOUNDARIES.md for where it came from. Needs the
`geo` extra (pyshp, pyproj, shapely):

    .venv/bin/pip install -e ".[geo]"
    .venv/bin/python scripts/build_boundaries.py NHSER_JUL_2022_EN_BUC.shp viz/regions.geojson
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import shapefile
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

TOLERANCE_M = 1500.0  # Douglas-Peucker tolerance in metres: ~1 px on a 600 px map of England
MIN_AREA_M2 = 30e6  # drop islands under 30 km² (invisible at that scale)
DECIMALS = 3  # ~100 m in latitude


def build(shp: Path, out: Path) -> None:
    """Read, simplify, reproject to WGS84 lon/lat and write one Feature per region."""
    root = Path(__file__).resolve().parent.parent
    with open(root / "sim" / "england" / "regions.csv", newline="") as f:
        codes = {r["region_name"]: r["region_code"] for r in csv.DictReader(f)}
    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform
    features = []
    with shapefile.Reader(str(shp)) as reader:
        for rec, geom in zip(reader.records(), reader.shapes(), strict=True):
            name = rec["NHSER22NM"]
            poly = shape(geom.__geo_interface__).simplify(TOLERANCE_M, preserve_topology=True)
            parts = getattr(poly, "geoms", [poly])
            kept = [p for p in parts if p.area >= MIN_AREA_M2]
            merged = kept[0] if len(kept) == 1 else type(poly)(kept)
            lonlat = shapely.transform(merged, lambda xy: np.column_stack(to_wgs84(*xy.T)))
            geo = json.loads(
                json.dumps(mapping(lonlat)), parse_float=lambda s: round(float(s), DECIMALS)
            )
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "region_code": codes[name],
                        "name": name,
                        "ons_code": rec["NHSER22CD"],
                    },
                    "geometry": geo,
                }
            )
    features.sort(key=lambda f: f["properties"]["region_code"])
    collection = {
        "type": "FeatureCollection",
        "attribution": "Source: Office for National Statistics licensed under the Open Government "
        "Licence v.3.0. Contains OS data © Crown copyright and database right 2022.",
        "features": features,
    }
    out.write_text(json.dumps(collection, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]))
