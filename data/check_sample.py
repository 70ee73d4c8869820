#!/usr/bin/env python3
"""Checks the sample files in data/ for the properties the rest of wangge relies on:
exact tiling (every child border segment is shared vertex-for-vertex with a sibling
or lies on the parent's border, areas add up), simple CCW rings, points well inside
exactly one grid, valid ID check digits, AB duty in every grid, and incident
histories that reach each incident's state. Exits 1 and lists the problems if any.

Usage: python3 data/check_sample.py [DIR]   (default: the script's folder)
"""

import csv
import itertools
import datetime as dt
import json
import math
import os
import sys
from collections import Counter, defaultdict

sys.dont_write_bytecode = True  # keep data/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_sample import point_in_ring, ring_area  # noqa: E402  (same folder)

MIN_BORDER_DISTANCE_M = 5.0
# The transitions of src/workflow/state_machine.cpp (GB/T 30428), besides extend and resume.
ALLOWED_TRANSITIONS = {
    ("", "reported"), ("reported", "filed"), ("reported", "voided"), ("filed", "voided"), ("filed", "dispatched"),
    ("returned", "dispatched"), ("dispatched", "in_progress"), ("in_progress", "resolved"), ("resolved", "verified"),
    ("resolved", "returned"), ("verified", "returned"), ("verified", "closed"), ("dispatched", "suspended"),
    ("in_progress", "suspended"),
}
M_PER_DEG_LAT = 111_000.0
M_PER_DEG_LON = 111_000.0 * math.cos(math.radians(39.92))


def segments(ring):
    return [(ring[i], ring[i + 1]) for i in range(len(ring) - 1)]


def orientation(a, b, c):
    v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return (v > 0) - (v < 0)


def segments_cross(p, q):
    (a, b), (c, d) = p, q
    return orientation(a, b, c) * orientation(a, b, d) < 0 and orientation(c, d, a) * orientation(c, d, b) < 0


def ring_problems(code, ring):
    problems = []
    if len(ring) < 4 or ring[0] != ring[-1]:
        return [f"{code}: ring not closed or too short"]
    if ring_area(ring) <= 0:
        problems.append(f"{code}: exterior ring is not counter-clockwise")
    if len(set(ring[:-1])) != len(ring) - 1:
        problems.append(f"{code}: ring repeats a vertex")
    segs = segments(ring)
    for i in range(len(segs)):
        for j in range(i + 2, len(segs)):
            if (i, j) != (0, len(segs) - 1) and segments_cross(segs[i], segs[j]):
                problems.append(f"{code}: ring crosses itself at segments {i} and {j}")
    return problems


def distance_m(ring, p):
    best = float("inf")
    for a, b in segments(ring):
        ax, ay = (a[0] - p[0]) * M_PER_DEG_LON, (a[1] - p[1]) * M_PER_DEG_LAT
        bx, by = (b[0] - p[0]) * M_PER_DEG_LON, (b[1] - p[1]) * M_PER_DEG_LAT
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def check_tiling(parent, children, rings):
    problems = []
    parent_area = ring_area(rings[parent])
    child_area = sum(ring_area(rings[c]) for c in children)
    if abs(child_area - parent_area) > 1e-9 * parent_area:
        problems.append(f"{parent}: children's areas sum to {child_area!r}, parent has {parent_area!r}")
    directed = Counter(s for c in children for s in segments(rings[c]))
    parent_segments = set(segments(rings[parent]))
    for seg, count in directed.items():
        if count > 1:
            problems.append(f"{parent}: segment {seg} used twice in the same direction (overlap)")
        if seg not in parent_segments and (seg[1], seg[0]) not in directed:
            problems.append(f"{parent}: child segment {seg} is neither shared nor on the parent border")
    for seg in parent_segments:
        if seg not in directed:
            problems.append(f"{parent}: parent segment {seg} is covered by no child")
    return problems


def read_csv(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def id_check_digit_ok(number):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return "10X98765432"[sum(int(d) * w for d, w in zip(number, weights)) % 11] == number[17]


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    problems = []
    with open(os.path.join(directory, "grids.geojson"), encoding="utf-8") as f:
        features = json.load(f)["features"]
    rings, parent_of, level_of = {}, {}, {}
    for feature in features:
        props = feature["properties"]
        code = props["code"]
        rings[code] = [tuple(p) for p in feature["geometry"]["coordinates"][0]]
        parent_of[code] = props.get("parent_code", "")
        level_of[code] = props["level"]
        problems += ring_problems(code, rings[code])
        expected_length = {"street": 9, "community": 12, "grid": 15}[props["level"]]
        if len(code) != expected_length or not code.isdigit() or not code.startswith(parent_of[code]):
            problems.append(f"{code}: code does not follow the DB11 scheme under {parent_of[code]!r}")
    children = defaultdict(list)
    for code, parent in parent_of.items():
        if parent:
            children[parent].append(code)
    for parent, kids in children.items():
        problems += check_tiling(parent, kids, rings)
    grids = [c for c, level in level_of.items() if level == "grid"]

    def located(kind, row):
        p = (float(row["lon"]), float(row["lat"]))
        hits = [g for g in grids if point_in_ring(rings[g], p)]
        if len(hits) != 1:
            problems.append(f"{kind} {row['id']}: in {len(hits)} grids")
            return None
        if distance_m(rings[hits[0]], p) < MIN_BORDER_DISTANCE_M:
            problems.append(f"{kind} {row['id']}: closer than {MIN_BORDER_DISTANCE_M} m to a border")
        return hits[0]

    households = read_csv(directory, "households.csv")
    household_grid = {h["id"]: located("household", h) for h in households}
    for h in households:
        if not id_check_digit_ok(h["id_number"]):
            problems.append(f"household {h['id']}: bad ID number {h['id_number']}")
    for f in read_csv(directory, "facilities.csv"):
        located("facility", f)
    facility_ids = {f["id"] for f in read_csv(directory, "facilities.csv")}
    compounds = {h["compound"] for h in households}
    for o in read_csv(directory, "organisations.csv"):
        located("organisation", o)
        if o["id"] in facility_ids:
            problems.append(f"organisation {o['id']}: id taken by a facility (both load into the places layer)")
        if o["compound"] and o["compound"] not in compounds:
            problems.append(f"organisation {o['id']}: serves unknown compound {o['compound']}")

    # Dedicated grids (专属网格): inside their community, never overlapping each other, one A岗 each.
    with open(os.path.join(directory, "dedicated_grids.geojson"), encoding="utf-8") as f:
        dedicated = {d["properties"]["code"]: d for d in json.load(f)["features"]}
    boxes = {}
    for code, feature in dedicated.items():
        props = feature["properties"]
        ring = [tuple(p) for p in feature["geometry"]["coordinates"][0]]
        problems += ring_problems(code, ring)
        parent = props["parent_code"]
        if props["level"] != "dedicated" or not props.get("purpose") or level_of.get(parent) != "community":
            problems.append(f"{code}: a dedicated grid needs a purpose and a community as parent")
        if len(code) != 15 or not code.startswith(parent) or code in rings:
            problems.append(f"{code}: code does not follow the grid scheme under {parent!r} or is taken")
        if not all(point_in_ring(rings[parent], p) for p in ring):
            problems.append(f"{code}: reaches outside community {parent}")
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        boxes[code] = (min(xs), min(ys), max(xs), max(ys))
    for a, b in itertools.combinations(sorted(boxes), 2):
        (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = boxes[a], boxes[b]
        if ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1:
            problems.append(f"dedicated grids {a} and {b} overlap")

    staff = {s["id"]: s for s in read_csv(directory, "staff.csv")}
    duties = defaultdict(Counter)
    linked = defaultdict(set)
    for link in read_csv(directory, "staff_grids.csv"):
        if link["staff_id"] not in staff or (link["grid_code"] not in grids and link["grid_code"] not in dedicated):
            problems.append(f"staff_grids: unknown staff or grid in {link}")
        duties[link["grid_code"]][link["duty"]] += 1
        linked[link["grid_code"]].add(link["staff_id"])
    for g in grids:
        if duties[g]["A"] != 1 or duties[g]["B"] < 1:
            problems.append(f"grid {g}: needs exactly one A and at least one B, has {dict(duties[g])}")
    for code in dedicated:
        if duties[code]["A"] != 1:
            problems.append(f"dedicated grid {code}: needs exactly one A, has {dict(duties[code])}")

    events = defaultdict(list)
    for e in read_csv(directory, "incident_events.csv"):
        events[e["incident_id"]].append(e)
    for inc in read_csv(directory, "incidents.csv"):
        located("incident", inc)
        history = events[inc["id"]]
        state = ""
        last = None
        for e in history:
            at = dt.datetime.fromisoformat(e["at"])
            if e["from_state"] != state or (last and at < last):
                problems.append(f"incident {inc['id']}: history out of order at event {e['id']}")
            if (e["from_state"], e["to_state"]) not in ALLOWED_TRANSITIONS:
                problems.append(f"incident {inc['id']}: {e['from_state']} -> {e['to_state']} is no workflow transition")
            if e["to_state"] == "suspended" and not e["note"].startswith("批准人："):
                problems.append(f"incident {inc['id']}: suspension without an approver")
            state, last = e["to_state"], at
        if state != inc["state"]:
            problems.append(f"incident {inc['id']}: history ends in {state!r}, state is {inc['state']!r}")
        if bool(inc["closed_at"]) != (inc["state"] == "closed"):
            problems.append(f"incident {inc['id']}: closed_at does not match state {inc['state']}")
        if inc["dispatched_at"] and not inc["deadline"] > inc["dispatched_at"]:
            problems.append(f"incident {inc['id']}: deadline not after dispatch")
    for v in read_csv(directory, "visits.csv"):
        grid = household_grid.get(v["household_id"])
        if grid is None or v["staff_id"] not in linked[grid]:
            problems.append(f"visit {v['id']}: staff {v['staff_id']} is not linked to the household's grid")

    for problem in problems:
        print(problem)
    print(f"{len(grids)} grids, {len(households)} households: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
