"""Build the offline base map `src/tocsin/web/static/world_110m.json` for the web dashboard.

Why this exists: the dashboard draws its maps with plotly.js `scattergeo`/`choropleth`, and
plotly.js fetches its base map from `<topojsonURL>world_110m.json` (a CDN by default). tocsin
must work with no network, so we ship that file ourselves, built by this script from Natural
Earth's 1:110m admin-0 countries (public domain), with no dependency beyond the standard library.

Getting the source shapefile: the `pyogrio` wheel on PyPI carries it as a test fixture (the
shipped file was built from pyogrio 0.13.0; add `==0.13.0` to reproduce it byte for byte).

    pip download --no-deps -d /tmp/ne pyogrio
    python -m zipfile -e /tmp/ne/pyogrio-*.whl /tmp/ne/whl
    python dev/build_world_map.py \
        /tmp/ne/whl/pyogrio/tests/fixtures/naturalearth_lowres/naturalearth_lowres.shp

It takes about 15 seconds (mostly finding label points) and writes the same bytes every time.

The `.dbf` (and, if present, the `.cpg` naming its text encoding) must sit beside the `.shp`.

What plotly.js reads from the topology (see `Dc.layers` and `getTopojsonFeatures` in
plotly.min.js): the objects `ocean`, `land`, `lakes`, `countries`, `coastlines`, `rivers` and
`subunits`, each turned into one SVG path when its `show*` option is on. `countries` features
carry the ISO-3 code as `id` (matched by choropleth/scattergeo `locations`) and a point inside
the country as `properties.ct` ([lon, lat]; where `locations` markers and hover labels go).
We write:

- countries:  one (Multi)Polygon per country, shapefile winding kept (clockwise exteriors, which
  is what d3-geo expects);
- land:       one MultiPolygon made of the same arcs as the countries (filled as one path, so the
  inner borders do not show);
- coastlines: the country edges that no neighbour shares, minus the artificial edges where the
  data is cut at the antimeridian or runs along the South Pole;
- ocean:      the whole globe, as eight octant triangles (plotly draws it under `land`);
- lakes, rivers, subunits: empty (no such data at this scale here; plotly draws nothing). So
  `locationmode="USA-states"` finds no features with this map.

Coordinates are quantized to a 100,001 x 100,001 grid (TopoJSON `transform`, delta-encoded arcs),
under 0.004 degrees, far finer than the 1:110m source. Arcs are not shared between neighbours
(no full topology), only between a country and the coastline it lies on.
"""

from __future__ import annotations

import argparse
import json
import math
import struct
from itertools import pairwise, product
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "tocsin" / "web" / "static" / "world_110m.json"

QUANT = 100_001  # grid points per axis (TopoJSON quantization): 0.0036° x 0.0018° steps
NOTE = "Natural Earth 1:110m admin-0 countries, public domain; built by dev/build_world_map.py"

# Natural Earth leaves ISO_A3 as -99 for a few units; the codes we use instead. France and
# Norway are the ISO codes; Kosovo's XKX is the code tocsin's countries.tsv uses (EU, IMF);
# N. Cyprus and Somaliland have no ISO code, so they get Natural Earth's own ADM0_A3 codes.
ISO3_FIXES = {
    "France": "FRA",
    "Norway": "NOR",
    "Kosovo": "XKX",
    "N. Cyprus": "CYN",
    "Somaliland": "SOL",
}


# --- reading the shapefile ------------------------------------------------------------------


def read_dbf(path: Path, encoding: str) -> list[dict[str, str]]:
    """Read a dBASE III table: 32-byte header, 32-byte field descriptors, fixed-width rows."""
    data = path.read_bytes()
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields = []  # (name, width)
    for pos in range(32, header_len - 1, 32):  # the descriptor list ends with 0x0D
        desc = data[pos : pos + 32]
        if desc[0] == 0x0D:
            break
        fields.append((desc[:11].split(b"\0")[0].decode("ascii"), desc[16]))
    rows = []
    for i in range(n_records):
        start = header_len + i * record_len
        record = data[start : start + record_len]
        if record[:1] == b"*":  # deleted row
            continue
        row, pos = {}, 1  # byte 0 is the deletion flag
        for name, width in fields:
            row[name] = record[pos : pos + width].decode(encoding).strip()
            pos += width
        rows.append(row)
    return rows


def read_shp_polygons(path: Path) -> list[list[list[tuple[float, float]]]]:
    """Read a type-5 (Polygon) shapefile: for each record, its rings as lists of (x, y)."""
    data = path.read_bytes()
    file_code, length_words = struct.unpack(">i20xi", data[:28])
    if file_code != 9994:
        raise ValueError(f"{path} is not a shapefile")
    (shape_type,) = struct.unpack("<i", data[32:36])
    if shape_type != 5:
        raise ValueError(f"{path} holds shape type {shape_type}, not 5 (Polygon)")
    records = []
    pos, end = 100, length_words * 2
    while pos < end:
        _number, content_words = struct.unpack(">ii", data[pos : pos + 8])
        content = data[pos + 8 : pos + 8 + content_words * 2]
        pos += 8 + content_words * 2
        (rec_type,) = struct.unpack("<i", content[:4])
        if rec_type == 0:  # null shape
            records.append([])
            continue
        # type, bbox (4 doubles), part count, point count, part starts, then the points
        n_parts, n_points = struct.unpack("<ii", content[36:44])
        starts = list(struct.unpack(f"<{n_parts}i", content[44 : 44 + 4 * n_parts]))
        flat = struct.unpack(f"<{2 * n_points}d", content[44 + 4 * n_parts :][: 16 * n_points])
        points = list(zip(flat[0::2], flat[1::2], strict=True))
        bounds = [*starts, n_points]
        records.append([points[a:b] for a, b in pairwise(bounds)])
    return records


# --- geometry helpers -----------------------------------------------------------------------

Point = tuple[float, float]  # (lon, lat), or (x, y) on the quantization grid


def signed_area(ring: list[Point]) -> float:
    """Twice the planar signed area (shoelace): negative for clockwise rings."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairwise(ring))


def inside(point: Point, ring: list[Point]) -> bool:
    """Planar point-in-ring test (ray casting)."""
    x, y = point
    result = False
    for (x0, y0), (x1, y1) in pairwise(ring):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            result = not result
    return result


def to_polygons(rings: list[list[Point]]) -> list[list[list[Point]]]:
    """Group shapefile rings into polygons: clockwise rings are exteriors, the others holes.

    Rings of zero area once on the grid are dropped (the source has a sliver of a few metres on
    North Korea's border).
    """
    exteriors = [[r] for r in rings if signed_area(r) < 0]
    for hole in (r for r in rings if signed_area(r) > 0):
        owner = next((p for p in exteriors if inside(hole[0], p[0])), None)
        if owner is None:
            raise ValueError("a hole lies in no exterior ring")
        owner.append(hole)
    return exteriors


def segment_distance(p: Point, a: Point, b: Point) -> float:
    """Planar distance from p to the segment a-b."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    t = 0.0 if dx == dy == 0 else ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = min(max(t, 0.0), 1.0)
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def label_point(polygon: list[list[Point]]) -> Point:
    """A point well inside a polygon (lon/lat rings): its approximate pole of inaccessibility.

    plotly.js puts `locations` markers and hover labels at `properties.ct`. The area centroid
    is the natural spot, but it can fall outside a bent country (Croatia) or next to a border
    (Norway); then we take the inside point farthest from the outline instead, found on a grid
    refined around the best cell. Longitudes are scaled by cos(latitude) so that distances are
    roughly true.
    """
    k = math.cos(math.radians(sum(y for _, y in polygon[0]) / len(polygon[0])))
    rings = [[(x * k, y) for x, y in ring] for ring in polygon]

    def depth(p: Point) -> float:
        if not inside(p, rings[0]) or any(inside(p, hole) for hole in rings[1:]):
            return -1.0
        return min(segment_distance(p, a, b) for ring in rings for a, b in pairwise(ring))

    xs, ys = [x for x, _ in rings[0]], [y for _, y in rings[0]]
    (x0, x1), (y0, y1) = (min(xs), max(xs)), (min(ys), max(ys))
    best, best_depth, n = ((x0 + x1) / 2, (y0 + y1) / 2), -1.0, 16
    for _ in range(5):
        wx, wy = (x1 - x0) / n, (y1 - y0) / n
        for i, j in product(range(n + 1), repeat=2):
            p = (x0 + i * wx, y0 + j * wy)
            if (d := depth(p)) > best_depth:
                best, best_depth = p, d
        # next round: a finer grid over the cells around the best point so far
        x0, x1, y0, y1 = best[0] - 2 * wx, best[0] + 2 * wx, best[1] - 2 * wy, best[1] + 2 * wy
    if best_depth < 0:
        raise ValueError("found no point inside a polygon")
    ct = centroid(rings[0])
    if depth(ct) >= best_depth / 2:  # the centroid is inside, and not too near the outline
        best = ct
    return best[0] / k, best[1]


def centroid(ring: list[Point]) -> Point:
    """Planar area centroid of a closed ring."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in pairwise(ring):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return cx / (3 * a), cy / (3 * a)


# --- quantization ---------------------------------------------------------------------------

KX = 360 / (QUANT - 1)  # degrees per grid step
KY = 180 / (QUANT - 1)


def quantize(ring: list[tuple[float, float]]) -> list[Point]:
    """Snap a ring to the grid (clamping the 180.00000000000006 strays), dropping repeats."""
    out: list[Point] = []
    for x, y in ring:
        x, y = min(max(x, -180.0), 180.0), min(max(y, -90.0), 90.0)
        p = (round((x + 180) / KX), round((y + 90) / KY))
        if not out or out[-1] != p:
            out.append(p)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def lonlat(p: Point) -> tuple[float, float]:
    return p[0] * KX - 180, p[1] * KY - 90


def artificial(a: Point, b: Point) -> bool:
    """An edge that is no coast: along the antimeridian cut or along the South Pole."""
    return (a[0] == b[0] and a[0] in (0, QUANT - 1)) or (a[1] == b[1] == 0)


# --- building the topology ------------------------------------------------------------------


class Topology:
    def __init__(self) -> None:
        self.arcs: list[list[list[int]]] = []

    def add_arc(self, points: list[Point]) -> int:
        """Store a run of grid points as a delta-encoded arc; return its index."""
        encoded, (px, py) = [], (0, 0)
        for x, y in points:
            encoded.append([x - px, y - py])
            px, py = x, y
        self.arcs.append(encoded)
        return len(self.arcs) - 1


def split_ring(
    ring: list[Point], shared: set[tuple[Point, Point]], topo: Topology, coast_arcs: list[int]
) -> list[int]:
    """Cut a ring into runs of coast / non-coast edges; store each run as an arc.

    Returns the ring as arc indexes; the coast runs' indexes are appended to coast_arcs.
    """
    edges = list(pairwise(ring))
    kinds = [(a, b) not in shared and not artificial(a, b) for a, b in edges]
    # start at a change of kind so that no run wraps around the ring's first point
    start = next((i for i in range(len(edges)) if kinds[i] != kinds[i - 1]), 0)
    edges, kinds = edges[start:] + edges[:start], kinds[start:] + kinds[:start]
    arcs: list[int] = []
    run = [edges[0][0]]
    for i, (_a, b) in enumerate(edges):
        run.append(b)
        if i == len(edges) - 1 or kinds[i + 1] != kinds[i]:
            index = topo.add_arc(run)
            arcs.append(index)
            if kinds[i]:
                coast_arcs.append(index)
            run = [b]
    return arcs


def build(shp: Path) -> dict:
    cpg = shp.with_suffix(".cpg")
    encoding = cpg.read_text().strip() if cpg.exists() else "latin-1"
    rows = read_dbf(shp.with_suffix(".dbf"), encoding)
    shapes = read_shp_polygons(shp)
    if len(rows) != len(shapes):
        raise ValueError(f"{len(rows)} table rows but {len(shapes)} shapes")

    countries = []  # (iso3, name, polygons of quantized rings)
    for row, rings in zip(rows, shapes, strict=True):
        row = {k.lower(): v for k, v in row.items()}
        iso3 = row.get("iso_a3", "-99")
        if iso3 == "-99":
            iso3 = ISO3_FIXES.get(row["name"]) or row.get("adm0_a3", "-99")
        if iso3 == "-99":
            raise ValueError(f"no ISO-3 code for {row['name']}")
        polygons = to_polygons([quantize(r) for r in rings])
        if polygons:
            countries.append((iso3, row["name"], polygons))

    # An edge used by two countries (once in each direction) is a border, not a coast.
    directed = {
        (a, b)
        for _, _, polygons in countries
        for polygon in polygons
        for ring in polygon
        for a, b in pairwise(ring)
    }
    shared = {(a, b) for a, b in directed if (b, a) in directed}

    topo = Topology()
    coast_arcs: list[int] = []
    country_geoms, land_polygons = [], []
    for iso3, name, polygons in countries:
        arc_polygons = [[split_ring(r, shared, topo, coast_arcs) for r in p] for p in polygons]
        land_polygons.extend(arc_polygons)
        largest = max(polygons, key=lambda p: -signed_area(p[0]))
        ct = label_point([[lonlat(p) for p in ring] for ring in largest])
        geom = {"type": "MultiPolygon", "arcs": arc_polygons}
        if len(arc_polygons) == 1:
            geom = {"type": "Polygon", "arcs": arc_polygons[0]}
        geom |= {"id": iso3, "properties": {"name": name, "ct": [round(c, 2) for c in ct]}}
        country_geoms.append(geom)

    # Ocean: the whole globe as eight octants (equator, meridians 0/90/180/-90), whose edges
    # are all great circles, so d3-geo draws them exactly in every projection. (One polygon
    # covering the globe less a speck at a pole fails under the orthographic clip circle.)
    # Exteriors are clockwise seen from space (the interior on the right of the walk).
    eq, north, south = QUANT // 2, QUANT - 1, 0
    ocean = []
    for i in range(4):
        a, b = i * (QUANT - 1) // 4, (i + 1) * (QUANT - 1) // 4
        for ring in ([(a, eq), (a, north), (b, eq)], [(a, eq), (b, eq), (b, south)]):
            ocean.append([[topo.add_arc([*ring, ring[0]])]])

    def collection(*geometries: dict) -> dict:
        return {"type": "GeometryCollection", "geometries": list(geometries)}

    return {
        "type": "Topology",
        "tocsin": NOTE,
        "transform": {"scale": [KX, KY], "translate": [-180, -90]},
        "objects": {
            "countries": collection(*country_geoms),
            "land": collection({"type": "MultiPolygon", "arcs": land_polygons}),
            "coastlines": collection(
                {"type": "MultiLineString", "arcs": [[a] for a in coast_arcs]}
            ),
            "ocean": collection({"type": "MultiPolygon", "arcs": ocean}),
            "lakes": collection(),
            "rivers": collection(),
            "subunits": collection(),
        },
        "arcs": topo.arcs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shp", type=Path, help="naturalearth_lowres.shp (Natural Earth 110m)")
    parser.add_argument("-o", "--output", type=Path, default=OUT, help=f"default: {OUT}")
    args = parser.parse_args()
    topology = build(args.shp)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(topology, separators=(",", ":"), ensure_ascii=False)
    args.output.write_text(text + "\n", encoding="utf-8")
    n = len(topology["objects"]["countries"]["geometries"])
    print(f"wrote {args.output}: {len(text.encode()) / 1024:.0f} KiB, {n} countries")


if __name__ == "__main__":
    main()
