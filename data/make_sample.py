#!/usr/bin/env python3
"""Generates the sample community in data/: one fictional street office (街道)
of Beijing's 朝阳区 with two communities, 13 grids and their people, places,
incidents and visits. Deterministic: the same script writes the same bytes.

Geometry comes from one planar set of street lines: every border is an edge
between two street crossings, computed once, rounded to 7 decimals and then
reused (reversed on the other side), so neighbours share vertices exactly and
the grids tile their community and the communities tile the street.

Usage: python3 data/make_sample.py [OUT_DIR]   (default: the script's folder)
Python standard library only.
"""

import csv
import datetime as dt
import itertools
import json
import math
import os
import random
import sys
from collections import Counter

SEED = 20261125
COUNTY = "110105"                      # 北京市朝阳区
STREET_CODE = COUNTY + "031"
STREET_NAME = "金桐街道"
COMMUNITIES = [                        # west to east
    (STREET_CODE + "001", "金桐西里社区"),
    (STREET_CODE + "002", "金桐东里社区"),
]
VALID_FROM = "2026-01-01T00:00:00+08:00"
CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=CST)   # the sample's "today"
INCIDENT_WINDOW_DAYS = 90
VISIT_WINDOW_DAYS = 91

# Local metric frame: x east, y north, origin at the street's south-west corner.
ORIGIN_LON, ORIGIN_LAT = 116.4555, 39.9150
M_PER_DEG_LAT = 111_132.954 - 559.822 * math.cos(2 * math.radians(ORIGIN_LAT))
M_PER_DEG_LON = 111_319.49 * math.cos(math.radians(ORIGIN_LAT))

# Street lines: nominal positions of the north-south and east-west streets (m).
V_LINES = [0.0, 262.0, 515.0, 790.0, 1050.0]
H_LINES = [0.0, 238.0, 492.0, 741.0, 985.0]
SAMPLE_STEP_M = 34.0        # spacing of the vertices along a street line
NODE_CLEARANCE_M = 10.0     # no street-line vertex this close to a crossing

# Cells are (row, col), row 0 in the south. Each grid is a set of cells.
GRID_CELLS = {
    COMMUNITIES[0][0]: [[(3, 0)], [(3, 1)], [(2, 0)], [(2, 1)], [(1, 0)], [(1, 1)], [(0, 0)], [(0, 1)]],
    COMMUNITIES[1][0]: [[(3, 2), (3, 3)], [(2, 2)], [(2, 3)], [(1, 2), (0, 2)], [(1, 3), (0, 3)]],
}

TAG_RATES = [  # (tag, probability per household)
    ("独居老人", 0.035), ("空巢老人", 0.045), ("残疾人", 0.022), ("低保", 0.018),
    ("特困", 0.004), ("优抚对象", 0.010), ("社区矫正", 0.003), ("刑释人员", 0.004),
    ("4050人员", 0.015), ("流动人口", 0.040), ("留守儿童", 0.004), ("重病患者", 0.014),
]
VISIT_MUST_TAGS = {"独居老人", "空巢老人", "残疾人", "留守儿童", "流动人口"}  # 五必访

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤")
GIVEN_MALE = "伟强磊军勇杰涛明超斌鹏辉华建国平刚志浩宇俊峰晨阳博文凯东海林亮成龙飞波宁鑫翔振"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英玲桂兰萍红梅琳洁雪慧颖婷倩晶燕妍欣悦佳怡璐丹琴云玉"
MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151",
                   "152", "155", "156", "158", "159", "176", "177", "180", "185", "186", "187", "188", "189"]


# ---------------------------------------------------------------- helpers

def to_lonlat(x, y):
    """Metres in the local frame to (lon, lat) rounded to 7 decimals (~1 cm)."""
    return (round(ORIGIN_LON + x / M_PER_DEG_LON, 7), round(ORIGIN_LAT + y / M_PER_DEG_LAT, 7))


def to_metres(lon, lat):
    return ((lon - ORIGIN_LON) * M_PER_DEG_LON, (lat - ORIGIN_LAT) * M_PER_DEG_LAT)


def iso(t):
    return t.astimezone(CST).isoformat() if t else ""


def fmt_coord(v):
    return format(v, ".7f")


class Wiggle:
    """A smooth, gently irregular offset along a street line: a few long sine waves."""

    def __init__(self, rng, amplitude_m):
        self.waves = [(amplitude_m * rng.uniform(0.3, 0.6), rng.uniform(180.0, 520.0), rng.uniform(0, 2 * math.pi))
                      for _ in range(3)]

    def __call__(self, s):
        return sum(a * math.sin(2 * math.pi * s / length + phase) for a, length, phase in self.waves)


# ---------------------------------------------------------------- geometry

def build_street_network(rng):
    """Crossings (nodes) and the polyline edges between them, in rounded lon/lat.

    Returns (h_edges, v_edges): h_edges[(r, k)] runs east along street line r
    from crossing (r, k) to (r, k+1); v_edges[(k, r)] runs north along line k
    from crossing (r, k) to (r+1, k).
    """
    h_wiggle = [Wiggle(rng, 9.0) for _ in H_LINES]
    v_wiggle = [Wiggle(rng, 9.0) for _ in V_LINES]

    def h_y(r, x):
        return H_LINES[r] + h_wiggle[r](x)

    def v_x(k, y):
        return V_LINES[k] + v_wiggle[k](y)

    crossing = {}
    for r in range(len(H_LINES)):
        for k in range(len(V_LINES)):
            x, y = V_LINES[k], H_LINES[r]
            for _ in range(60):  # fixed point: both slopes are far below 1
                x = v_x(k, y)
                y = h_y(r, x)
            crossing[(r, k)] = (x, y)
    node_ll = {key: to_lonlat(*p) for key, p in crossing.items()}

    def samples_between(a, b):
        n = math.ceil((b - a) / SAMPLE_STEP_M)
        step = (b - a) / n
        return [a + i * step + rng.uniform(-0.25, 0.25) * step for i in range(1, n)
                if a + i * step - a > NODE_CLEARANCE_M and b - (a + i * step) > NODE_CLEARANCE_M]

    h_edges, v_edges = {}, {}
    for r in range(len(H_LINES)):
        for k in range(len(V_LINES) - 1):
            x0, x1 = crossing[(r, k)][0], crossing[(r, k + 1)][0]
            inner = [to_lonlat(x, h_y(r, x)) for x in samples_between(x0, x1)]
            h_edges[(r, k)] = [node_ll[(r, k)]] + inner + [node_ll[(r, k + 1)]]
    for k in range(len(V_LINES)):
        for r in range(len(H_LINES) - 1):
            y0, y1 = crossing[(r, k)][1], crossing[(r + 1, k)][1]
            inner = [to_lonlat(v_x(k, y), y) for y in samples_between(y0, y1)]
            v_edges[(k, r)] = [node_ll[(r, k)]] + inner + [node_ll[(r + 1, k)]]
    return h_edges, v_edges


def half_edges(h_edges, v_edges, label):
    """Directed boundary pieces with the labelled region on their left (CCW rings)."""
    rows, cols = len(H_LINES) - 1, len(V_LINES) - 1

    def face(r, c):
        return label.get((r, c)) if 0 <= r < rows and 0 <= c < cols else None

    pieces = []
    for (r, k), line in h_edges.items():   # eastward: north cell on the left
        north, south = face(r, k), face(r - 1, k)
        if north != south:
            if north is not None:
                pieces.append((north, line))
            if south is not None:
                pieces.append((south, line[::-1]))
    for (k, r), line in v_edges.items():   # northward: west cell on the left
        west, east = face(r, k - 1), face(r, k)
        if west != east:
            if west is not None:
                pieces.append((west, line))
            if east is not None:
                pieces.append((east, line[::-1]))
    return pieces


def assemble_rings(pieces):
    """Chains each region's boundary pieces into one closed ring."""
    by_region = {}
    for region, line in pieces:
        by_region.setdefault(region, {})[line[0]] = line
    rings = {}
    for region, starts in by_region.items():
        first = min(starts)
        ring = [first]
        at = first
        while True:
            line = starts.pop(at)
            ring.extend(line[1:])
            at = line[-1]
            if at == first:
                break
        if starts:
            raise RuntimeError(f"region {region} is not one simple ring")
        rings[region] = ring
    return rings


def ring_area(ring):
    return sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1)) / 2.0


def point_in_ring(ring, p):
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        (xi, yi), (xj, yj) = ring[i], ring[j]
        if (yi > p[1]) != (yj > p[1]) and p[0] < (xj - xi) * (p[1] - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def distance_to_ring_m(ring, p):
    """Distance in metres from a lon/lat point to a lon/lat ring (local plane)."""
    px, py = to_metres(*p)
    best = float("inf")
    pts = [to_metres(*q) for q in ring]
    for (ax, ay), (bx, by) in zip(pts, pts[1:]):
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(px - ax - t * dx, py - ay - t * dy))
    return best


class GridShape:
    def __init__(self, code, name, ring):
        self.code, self.name, self.ring = code, name, ring
        xs = [to_metres(*p) for p in ring]
        self.min_x = min(p[0] for p in xs)
        self.max_x = max(p[0] for p in xs)
        self.min_y = min(p[1] for p in xs)
        self.max_y = max(p[1] for p in xs)

    def fits(self, lonlat, margin_m):
        return point_in_ring(self.ring, lonlat) and distance_to_ring_m(self.ring, lonlat) >= margin_m

    def random_point(self, rng, margin_m, near=None, spread_m=0.0):
        """A point inside the grid at least margin_m from its border."""
        for _ in range(10_000):
            if near is None:
                x, y = rng.uniform(self.min_x, self.max_x), rng.uniform(self.min_y, self.max_y)
            else:
                x, y = near[0] + rng.gauss(0, spread_m), near[1] + rng.gauss(0, spread_m)
            p = to_lonlat(x, y)
            if self.fits(p, margin_m):
                return p
        raise RuntimeError(f"no room for a point in grid {self.code}")


def build_layout(rng):
    h_edges, v_edges = build_street_network(rng)
    grid_label, community_label, street_label = {}, {}, {}
    grid_names = {}
    for community_code, _ in COMMUNITIES:
        for number, cells in enumerate(GRID_CELLS[community_code], start=1):
            code = f"{community_code}{number:03d}"
            grid_names[code] = f"第{number}网格"
            for cell in cells:
                grid_label[cell] = code
                community_label[cell] = community_code
                street_label[cell] = STREET_CODE
    grid_rings = assemble_rings(half_edges(h_edges, v_edges, grid_label))
    community_rings = assemble_rings(half_edges(h_edges, v_edges, community_label))
    street_ring = assemble_rings(half_edges(h_edges, v_edges, street_label))[STREET_CODE]

    features = [("street", STREET_CODE, STREET_NAME, "", street_ring)]
    for code, name in COMMUNITIES:
        features.append(("community", code, name, STREET_CODE, community_rings[code]))
    for code in sorted(grid_rings):
        community_name = dict(COMMUNITIES)[code[:12]]
        features.append(("grid", code, community_name + grid_names[code], code[:12], grid_rings[code]))
    grids = [GridShape(code, name, ring) for level, code, name, _, ring in features if level == "grid"]
    return features, grids


# ---------------------------------------------------------------- people

def person_name(rng, male):
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def id_number(rng, birth, male):
    """18-digit resident ID in the GB 11643 layout with a valid check digit."""
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    body = f"{COUNTY}{birth:%Y%m%d}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def birth_date(rng, min_age, max_age):
    age_days = rng.randrange(min_age * 365 + 1, max_age * 365)
    return (NOW - dt.timedelta(days=age_days)).date()


# ---------------------------------------------------------------- households

COMPOUND_PLAN = {  # grid number in community -> compound name
    COMMUNITIES[0][0]: ["金桐西里", "金桐西里", "光华苑", "光华苑", "针织路小区", "针织路小区", "金桐西里南区", "金桐西里南区"],
    COMMUNITIES[1][0]: ["金桐东里", "金桐东里", "景华家园", "东岳公寓", "景华家园"],
}


def place_buildings(rng, grid, count):
    """Building centres (m) of slab blocks about 64 x 12 m, kept apart and off the border."""
    placed = []
    for _ in range(20_000):
        if len(placed) == count:
            return placed
        c = grid.random_point(rng, 42.0)
        cx, cy = to_metres(*c)
        if all(abs(cx - x) > 76.0 or abs(cy - y) > 24.0 for x, y in placed):
            placed.append((cx, cy))
    raise RuntimeError(f"grid {grid.code}: only {len(placed)} of {count} buildings fit")


def make_households(rng, grids):
    households = []
    building_numbers = {}
    for grid in grids:
        compound = COMPOUND_PLAN[grid.code[:12]][int(grid.code[12:]) - 1]
        target = rng.randint(100, 112)  # DESIGN §4 household_count: 100–300 per grid
        floors = 6
        buildings = []
        capacity = 0
        while capacity < target * 1.08:
            units = rng.choice([3, 3, 4, 5])
            buildings.append(units)
            capacity += units * floors * 2
        centres = place_buildings(rng, grid, len(buildings))
        rooms = []
        for units, (cx, cy) in zip(buildings, centres):
            number = building_numbers.get(compound, 0) + 1
            building_numbers[compound] = number
            for unit in range(1, units + 1):
                ux = cx + (unit - (units + 1) / 2) * 14.0
                for floor in range(1, floors + 1):
                    for door in (1, 2):
                        rooms.append((f"{number}号楼", f"{unit}单元", f"{unit}-{floor}{door:02d}", ux, cy))
        for building, unit, room, ux, uy in sorted(rng.sample(rooms, target), key=lambda r: r[:3]):
            location = to_lonlat(ux + rng.uniform(-4.0, 4.0), uy + rng.uniform(-3.0, 3.0))
            if not grid.fits(location, 5.0):
                raise RuntimeError(f"household of {grid.code} too close to the border")
            households.append(make_household(rng, len(households) + 1, grid, compound, building, unit, room, location))
    return households


def make_household(rng, hid, grid, compound, building, unit, room, location):
    tags = [tag for tag, rate in TAG_RATES if rng.random() < rate]
    if "独居老人" in tags and "空巢老人" in tags:
        tags.remove("空巢老人")
    if "流动人口" in tags:
        tags.append("出租房")
    elders = {"独居老人", "空巢老人", "留守儿童"} & set(tags)
    if "独居老人" in tags:
        members = 1
    elif "空巢老人" in tags:
        members = 2
    elif "留守儿童" in tags:
        members = 3
    else:
        members = rng.choices([1, 2, 3, 4, 5], weights=[14, 30, 32, 15, 9])[0]
    if elders:
        birth = birth_date(rng, 66, 92)
    elif "4050人员" in tags:
        birth = birth_date(rng, 41, 55)
    elif "流动人口" in tags:
        birth = birth_date(rng, 22, 45)
    else:
        birth = birth_date(rng, 24, 85)
    male = rng.random() < 0.55
    return {
        "id": hid, "grid": grid.code, "compound": compound, "building": building, "unit": unit, "room": room,
        "lon": location[0], "lat": location[1], "members": members, "tags": tags,
        "head_name": person_name(rng, male), "id_number": id_number(rng, birth, male), "phone": mobile(rng),
    }


# ---------------------------------------------------------------- facilities

def make_facilities(rng, grids):
    by_code = {g.code: g for g in grids}
    c1, c2 = COMMUNITIES[0][0], COMMUNITIES[1][0]
    plan = [  # (kind, name, grid code, border margin m)
        ("党群服务中心", "金桐西里社区党群服务中心", c1 + "004", 20),
        ("党群服务中心", "金桐东里社区党群服务中心", c2 + "002", 20),
        ("卫生服务站", "金桐西里社区卫生服务站", c1 + "003", 15),
        ("卫生服务站", "金桐东里社区卫生服务站", c2 + "003", 15),
        ("避难场所", "金桐公园应急避难场所", c1 + "006", 40),
        ("避难场所", "金桐小学操场应急避难场所", c2 + "001", 40),
        ("学校", "北京市朝阳区金桐小学", c2 + "001", 40),
        ("学校", "北京市第一百三十中学金桐分校", c2 + "005", 40),
        ("幼儿园", "金桐西里幼儿园", c1 + "002", 25),
        ("幼儿园", "景华家园幼儿园", c2 + "004", 25),
        ("养老驿站", "金桐西里社区养老服务驿站", c1 + "005", 20),
        ("养老驿站", "金桐东里社区养老服务驿站", c2 + "003", 20),
        ("菜市场", "金桐农贸市场", c1 + "007", 25),
    ]
    shops = ["好邻居便利店", "老北京炸酱面馆", "庆丰包子铺", "鲜果时光水果店", "金桐理发店", "德仁堂大药房",
             "便民五金店", "洁净洗衣店", "明亮眼镜店", "物美便利超市", "家常菜馆", "邮政代办点"]
    for i, name in enumerate(shops):
        plan.append(("商铺", name, grids[(i * 5) % len(grids)].code, 8))
    for i in range(14):
        plan.append(("消防栓", f"市政消防栓 JT-{i + 1:02d}", grids[i % len(grids)].code, 6))
    facilities = []
    for kind, name, code, margin in plan:
        lon, lat = by_code[code].random_point(rng, margin + rng.uniform(0.0, 6.0))
        facilities.append({"id": len(facilities) + 1, "kind": kind, "name": name, "lon": lon, "lat": lat, "grid": code})
    return facilities


# ---------------------------------------------------------------- organisations

PROPERTY_FIRMS = {"金桐西里": "北京金桐物业管理有限公司", "光华苑": "北京光华物业服务有限公司",
                  "针织路小区": "北京朝阳房地产经营物业公司", "金桐西里南区": "北京金桐物业管理有限公司",
                  "金桐东里": "北京东里物业服务有限公司", "景华家园": "北京景华物业服务有限公司",
                  "东岳公寓": "北京东岳物业管理有限公司"}
OWNER_COMMITTEES = ["金桐西里", "光华苑", "景华家园"]
PARTY_HOMES = ["针织路小区", "金桐东里"]


def make_organisations(grids, first_id):
    """Organisations (组织) with contacts: a 网格党支部 per grid, per compound its 物业 and some 业委会 and
    党群微家, social organisations and enterprises per community. Their own random stream, so adding
    them left the other files as they were."""
    rng = random.Random(SEED + 1)
    plan = []  # (kind, name, grid, compound)
    for grid in grids:
        plan.append(("网格党支部", f"{grid.name}党支部", grid, ""))
    first_grid = {}
    for grid in grids:
        first_grid.setdefault(COMPOUND_PLAN[grid.code[:12]][int(grid.code[12:]) - 1], grid)
    for compound, grid in first_grid.items():
        plan.append(("物业", PROPERTY_FIRMS[compound], grid, compound))
        if compound in OWNER_COMMITTEES:
            plan.append(("业委会", f"{compound}业主委员会", grid, compound))
        if compound in PARTY_HOMES:
            plan.append(("党群微家", f"{compound}党群微家", grid, compound))
    by_code = {g.code: g for g in grids}
    c1, c2 = COMMUNITIES[0][0], COMMUNITIES[1][0]
    plan += [
        ("社会组织", "金桐西里社区志愿服务队", by_code[c1 + "004"], ""),
        ("社会组织", "金桐西里睦邻互助会", by_code[c1 + "001"], ""),
        ("社会组织", "金桐东里老年协会", by_code[c2 + "002"], ""),
        ("企业", "北京金桐科技有限公司", by_code[c1 + "007"], ""),
        ("企业", "北京景华餐饮管理有限公司", by_code[c2 + "004"], ""),
    ]
    organisations = []
    for kind, name, grid, compound in plan:
        lon, lat = grid.random_point(rng, 15.0 + rng.uniform(0.0, 6.0))
        organisations.append({"id": first_id + len(organisations), "kind": kind, "name": name, "compound": compound,
                              "contact_name": person_name(rng, rng.random() < 0.5), "contact_phone": mobile(rng),
                              "lon": lon, "lat": lat, "grid": grid.code})
    return organisations


# ---------------------------------------------------------------- dedicated grids

DEDICATED = [  # (the facility it is drawn around, purpose, name)
    ("北京市朝阳区金桐小学", "学校", "金桐小学专属网格"),
    ("金桐农贸市场", "市场", "金桐农贸市场专属网格"),
]


def make_dedicated(features, facilities):
    """Dedicated grids (专属网格) laid over the base grids: a rectangle around a school and a market,
    as large as fits inside the community (at least 5 m from its border), numbered 901… per community."""
    community_rings = {code: ring for level, code, _, _, ring in features if level == "community"}
    dedicated, numbered = [], Counter()
    for facility_name, purpose, name in DEDICATED:
        facility = next(f for f in facilities if f["name"] == facility_name)
        community = facility["grid"][:12]
        ring = community_rings[community]
        fx, fy = to_metres(facility["lon"], facility["lat"])

        def fits(cx, cy, half_w, half_h):
            xs, ys = (cx - half_w, cx, cx + half_w), (cy - half_h, cy, cy + half_h)
            return all(point_in_ring(ring, p) and distance_to_ring_m(ring, p) >= 5.0
                       for p in (to_lonlat(x, y) for x in xs for y in ys))

        # The largest rectangle that fits, its centre moved at most 60 m from the facility.
        shifts = sorted(((dx, dy) for dx in range(-60, 61, 20) for dy in range(-60, 61, 20)),
                        key=lambda d: (abs(d[0]) + abs(d[1]), d))
        found = next(((fx + dx, fy + dy, half_w, half_h)
                      for half_w, half_h in ((90, 70), (70, 55), (50, 40), (35, 30))
                      for dx, dy in shifts if fits(fx + dx, fy + dy, half_w, half_h)), None)
        if found is None:
            raise RuntimeError(f"no room for a dedicated grid around {facility_name}")
        cx, cy, half_w, half_h = found
        corners = [to_lonlat(cx - half_w, cy - half_h), to_lonlat(cx + half_w, cy - half_h),
                   to_lonlat(cx + half_w, cy + half_h), to_lonlat(cx - half_w, cy + half_h)]
        numbered[community] += 1
        dedicated.append({"code": f"{community}{900 + numbered[community]:03d}", "name": name, "purpose": purpose,
                          "parent": community, "ring": corners + [corners[0]]})
    return dedicated


def make_dedicated_staff(dedicated, first_id, leaders):
    """Each dedicated grid's own A岗 (a 专职网格员), with its community's 网格长 as B岗. Their own
    random stream, so adding them left the other staff as they were."""
    rng = random.Random(SEED + 2)
    staff, links = [], []
    for grid in dedicated:
        staff.append({"id": first_id + len(staff), "name": person_name(rng, rng.random() < 0.5), "phone": mobile(rng),
                      "role": "专职网格员"})
        links.append((staff[-1]["id"], grid["code"], "A"))
        links.append((leaders[grid["parent"]], grid["code"], "B"))
    return staff, links


def write_dedicated(path, dedicated):
    out = []
    for grid in dedicated:
        props = {"code": grid["code"], "name": grid["name"], "level": "dedicated", "parent_code": grid["parent"],
                 "purpose": grid["purpose"], "valid_from": VALID_FROM, "version": 1}
        coords = ",".join(f"[{fmt_coord(x)},{fmt_coord(y)}]" for x, y in grid["ring"])
        out.append('{"type":"Feature","properties":' + json.dumps(props, ensure_ascii=False) +
                   ',"geometry":{"type":"Polygon","coordinates":[[' + coords + ']]}}')
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type":"FeatureCollection","name":"dedicated_grids","features":[\n' + ",\n".join(out) + "\n]}\n")


# ---------------------------------------------------------------- staff

# 值班日, posted on each grid's card: the full-time A岗 on weekdays, the part-time B岗
# at weekends; the community head, building heads and volunteers keep no set days.
DUTY_DAYS = {("专职网格员", "A"): "周一至周五", ("兼职网格员", "B"): "周六、周日"}


def duty_days(link, staff):
    role = next(s["role"] for s in staff if s["id"] == link[0])
    return DUTY_DAYS.get((role, link[2]), "")


def make_staff(rng, grids):
    staff, links = [], []

    def hire(role, male=None):
        is_male = rng.random() < 0.5 if male is None else male
        staff.append({"id": len(staff) + 1, "name": person_name(rng, is_male), "phone": mobile(rng), "role": role})
        return len(staff)

    leaders = {code: hire("网格长") for code, _ in COMMUNITIES}
    a_worker = {g.code: hire("专职网格员") for g in grids}
    b_worker = {}
    for code, _ in COMMUNITIES:
        members = [g.code for g in grids if g.code.startswith(code)]
        for start in range(0, len(members), 3):
            part_timer = hire("兼职网格员")
            for grid_code in members[start:start + 3]:
                b_worker[grid_code] = part_timer
    for g in grids:
        links.append((a_worker[g.code], g.code, "A"))
        links.append((b_worker[g.code], g.code, "B"))
    for code, leader in leaders.items():  # the community head backs up every grid of the community
        links.extend((leader, g.code, "B") for g in grids if g.code.startswith(code))
    for g in grids:
        links.append((hire("楼栋长"), g.code, "B"))
    for i in range(6):
        links.append((hire("志愿者"), grids[(i * 2) % len(grids)].code, "B"))
    links.sort(key=lambda link: (link[1], link[2], link[0]))
    return staff, links, leaders, a_worker, b_worker


# ---------------------------------------------------------------- incidents

CATEGORIES = [  # (category, weight, deadline hours for general triage, descriptions)
    ("违法建设", 6, 120, ["{c}{b}顶层私搭乱建彩钢房", "{c}一层住户违规扩建院墙", "{c}楼间绿地搭建临时棚屋"]),
    ("公共设施损坏", 12, 72, ["{c}{b}单元门禁损坏无法关闭", "{c}路灯不亮，夜间出行不便", "{c}人行道井盖破损松动"]),
    ("占道经营", 10, 24, ["{c}北门外流动商贩占道经营", "{c}临街店铺出店经营", "{c}路口早点摊占道"]),
    ("环境卫生", 16, 24, ["{c}{b}楼道堆放杂物", "{c}垃圾分类桶站满溢未清运", "{c}绿地内堆积建筑垃圾"]),
    ("噪音扰民", 9, 24, ["{c}{b}夜间装修噪音扰民", "{c}广场舞音响音量过大", "{c}临街商铺外放音响"]),
    ("消防隐患", 8, 24, ["{c}{b}楼道内电动自行车充电", "{c}消防通道被私家车占用", "{c}{b}楼道堆放易燃物"]),
    ("邻里纠纷", 8, 72, ["{c}{b}楼上漏水引发邻里纠纷", "{c}{b}住户因停车位发生争执", "{c}{b}宠物扰民引发矛盾"]),
    ("积水内涝", 5, 12, ["{c}地下车库入口雨后积水", "{c}南侧道路低洼处积水严重", "{c}雨水箅子堵塞导致积水"]),
    ("安全隐患", 8, 24, ["{c}{b}外墙瓷砖脱落", "{c}树木枝干断裂悬挂", "{c}{b}空调外机支架锈蚀"]),
    ("民生诉求", 18, 72, ["{c}{b}居民反映冬季供暖不热", "{c}居民申请增设无障碍坡道", "{c}{b}居民反映电梯维修进度慢"]),
]
SOURCES = [("网格员巡查", 45), ("居民上报", 30), ("热线", 18), ("上级交办", 7)]
REPORTERS = {"居民上报": "居民", "热线": "12345热线", "上级交办": "区城市管理指挥中心"}
OPEN_STATES = ["reported", "filed", "dispatched", "in_progress", "resolved", "verified"]
CHAIN = ["reported", "filed", "dispatched", "in_progress", "resolved", "verified", "closed"]


def pick(rng, weighted):
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def incident_plan(rng, triage, open_states):
    """Sequence of (to_state, hours after the previous step) ending in the incident's current state."""
    kind = rng.choices(["closed", "rework", "open", "returned", "voided", "suspended"],
                       weights=[60, 8, 18, 5, 5, 4])[0]

    def step_hours(state):
        fast = triage == "urgent"
        return {
            "filed": rng.uniform(0.1, 0.5 if fast else 2.0),
            "dispatched": rng.uniform(0.1, 0.5 if fast else 3.0),
            "in_progress": rng.uniform(0.2, 1.0 if fast else 8.0),
            "resolved": rng.uniform(1.0, 6.0 if fast else 60.0),
            "verified": rng.uniform(1.0, 20.0),
            "closed": rng.uniform(0.5, 12.0),
            "returned": rng.uniform(2.0, 20.0),
            "voided": rng.uniform(0.2, 3.0),
            "suspended": rng.uniform(2.0, 30.0),
        }[state]

    if kind == "voided":
        states = ["voided"]
    elif kind == "suspended":
        states = ["filed", "dispatched", "in_progress", "suspended"]
    elif kind == "returned":
        states = ["filed", "dispatched", "in_progress", "resolved", "returned"]
    elif kind == "rework":
        states = ["filed", "dispatched", "in_progress", "resolved", "returned", "dispatched", "in_progress",
                  "resolved", "verified", "closed"]
    elif kind == "open":
        states = CHAIN[1:CHAIN.index(next(open_states)) + 1]
    else:
        states = CHAIN[1:]
    return kind, [(s, step_hours(s)) for s in states]


def make_incidents(rng, grids, households, facilities, leaders, a_worker, b_worker):
    by_code = {g.code: g for g in grids}
    homes_by_grid = {}
    for h in households:
        homes_by_grid.setdefault(h["grid"], []).append(h)
    market = next(f for f in facilities if f["kind"] == "菜市场")
    incidents = []
    open_states = itertools.cycle(OPEN_STATES)  # every open state shows up in the sample
    for _ in range(104):
        category, _, base_hours, texts = CATEGORIES[rng.choices(range(len(CATEGORIES)), weights=[c[1] for c in CATEGORIES])[0]]
        if category == "占道经营" and rng.random() < 0.6:  # hot spot around the market
            grid = by_code[market["grid"]]
            location = grid.random_point(rng, 6.0, to_metres(market["lon"], market["lat"]), 35.0)
            description = "金桐农贸市场门口摊位外溢占用人行道"
        else:
            grid = rng.choice(grids)
            home = rng.choice(homes_by_grid[grid.code])
            near = category in ("噪音扰民", "邻里纠纷", "消防隐患", "民生诉求")
            location = grid.random_point(rng, 6.0, to_metres(home["lon"], home["lat"]) if near else None, 12.0)
            description = rng.choice(texts).format(c=home["compound"], b=home["building"])
        urgent_bias = 0.35 if category in ("消防隐患", "积水内涝", "安全隐患") else 0.03
        triage = "urgent" if rng.random() < urgent_bias else ("coordination" if rng.random() < 0.25 else "general")
        source = pick(rng, SOURCES)
        kind, steps = incident_plan(rng, triage, open_states)
        total_hours = sum(h for _, h in steps)
        window_hours = INCIDENT_WINDOW_DAYS * 24 if kind != "open" else 14 * 24
        earliest = NOW - dt.timedelta(hours=window_hours)
        latest = NOW - dt.timedelta(hours=total_hours + 0.5)
        span = max(0.0, (latest - earliest).total_seconds())
        reported = earliest + dt.timedelta(seconds=int(rng.uniform(0, span)))
        reported = reported.replace(hour=rng.choice([7, 8, 9, 10, 10, 11, 14, 15, 16, 17, 19, 21]), microsecond=0)
        reported = max(earliest, min(reported, latest)).replace(microsecond=0)
        incidents.append({
            "grid": grid.code, "category": category, "source": source, "triage": triage,
            "description": description, "lon": location[0], "lat": location[1],
            "reported_at": reported, "steps": steps, "deadline_hours": base_hours,
        })
    incidents.sort(key=lambda i: (i["reported_at"], i["grid"], i["category"]))

    events = []
    for iid, inc in enumerate(incidents, start=1):
        inc["id"] = iid
        code = inc["grid"]
        handler = {"general": str(a_worker[code]), "coordination": str(leaders[code[:12]]),
                   "urgent": "街道综合执法队"}[inc["triage"]]
        assignee = {"general": str(a_worker[code]), "coordination": code[:12], "urgent": STREET_CODE}[inc["triage"]]
        reporter = str(a_worker[code]) if inc["source"] == "网格员巡查" else REPORTERS[inc["source"]]
        notes_by_state = {
            "filed": ("街道受理员", "核实属实，立案"),
            "dispatched": ("街道派遣员", {"general": "派遣至网格员处置", "coordination": "派遣至社区协调处置",
                                     "urgent": "紧急事件，派遣至街道处置"}[inc["triage"]]),
            "in_progress": (handler, "已到达现场，开始处置"),
            "resolved": (handler, "处置完毕，已拍照反馈"),
            "verified": (str(b_worker[code]), "现场核查，处置到位"),
            "closed": ("街道值班长", "结案"),
            "returned": (str(b_worker[code]), "核查未通过，退回重新处置"),
            "voided": ("街道受理员", rng.choice(["重复上报，已合并至前案", "不属于受理范围，已告知上报人"])),
            "suspended": (str(leaders[code[:12]]), "批准人：网格长；原因：需产权单位协调处置"),
        }
        t = inc["reported_at"]
        history = [(t, reporter, "", "reported", inc["description"])]
        state = "reported"
        dispatched_at = closed_at = None
        for to_state, hours in inc["steps"]:
            t = (t + dt.timedelta(hours=hours)).replace(microsecond=0)
            actor, note = notes_by_state[to_state]
            if to_state == "dispatched" and state == "returned":
                note = "退回后重新派遣"
            history.append((t, actor, state, to_state, note))
            if to_state == "dispatched" and dispatched_at is None:
                dispatched_at = t
            if to_state == "closed":
                closed_at = t
            state = to_state
        assert t <= NOW, "incident history reaches past the sample's today"
        deadline_hours = {"general": inc["deadline_hours"], "coordination": inc["deadline_hours"] * 2, "urgent": 4}[inc["triage"]]
        inc.update(state=state, dispatched_at=dispatched_at, closed_at=closed_at,
                   assignee=assignee if dispatched_at else "",
                   deadline=dispatched_at + dt.timedelta(hours=deadline_hours) if dispatched_at else None)
        for at, actor, from_state, to_state, note in history:
            events.append({"id": len(events) + 1, "incident_id": iid, "at": at, "actor": actor,
                           "from_state": from_state, "to_state": to_state, "note": note})
    return incidents, events


# ---------------------------------------------------------------- visits

VISIT_NOTES = {
    "五必访": ["了解近况，身体状况良好", "提醒冬季用电用气安全", "帮助联系社区助餐服务", "核实居住人员信息"],
    "入户走访": ["宣传反诈知识", "收集居民对小区环境的意见", "核实居住人员信息", "宣传垃圾分类"],
    "电话回访": ["回访诉求办理情况，居民满意", "电话了解近况，无特殊需求", "提醒按时复核低保材料"],
}


def make_visits(rng, grids, households, a_worker, b_worker):
    homes_by_grid = {}
    for h in households:
        homes_by_grid.setdefault(h["grid"], []).append(h)
    start = NOW - dt.timedelta(days=VISIT_WINDOW_DAYS)
    months = [(start + dt.timedelta(days=30 * m), start + dt.timedelta(days=30 * (m + 1))) for m in range(3)]
    visits = []
    for grid in grids:
        homes = homes_by_grid[grid.code]
        for month_start, month_end in months:
            month_end = min(month_end, NOW)
            planned = [h for h in homes if h["tags"] and rng.random() < 0.8]
            others = [h for h in homes if not h["tags"]]
            planned += rng.sample(others, max(0, rng.randint(12, 17) - len(planned)))
            for h in planned:
                if VISIT_MUST_TAGS & set(h["tags"]):
                    kind = "五必访"
                else:
                    kind = rng.choice(["入户走访", "入户走访", "电话回访"])
                worker = a_worker[grid.code] if rng.random() < 0.85 else b_worker[grid.code]
                day = month_start + dt.timedelta(seconds=int(rng.uniform(0, (month_end - month_start).total_seconds() - 86400)))
                at = day.replace(hour=rng.randint(9, 17), minute=rng.choice([0, 10, 20, 30, 40, 50]), second=0, microsecond=0)
                visits.append({"staff_id": worker, "household_id": h["id"], "at": at, "kind": kind,
                               "note": rng.choice(VISIT_NOTES[kind])})
    visits.sort(key=lambda v: (v["at"], v["staff_id"], v["household_id"]))
    for i, v in enumerate(visits, start=1):
        v["id"] = i
    return visits


# ---------------------------------------------------------------- output

def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_grids(path, features):
    out = []
    for level, code, name, parent, ring in features:
        props = {"code": code, "name": name, "level": level}
        if parent:
            props["parent_code"] = parent
        props.update(valid_from=VALID_FROM, version=1)
        coords = ",".join(f"[{fmt_coord(x)},{fmt_coord(y)}]" for x, y in ring)
        out.append('{"type":"Feature","properties":' + json.dumps(props, ensure_ascii=False) +
                   ',"geometry":{"type":"Polygon","coordinates":[[' + coords + ']]}}')
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type":"FeatureCollection","name":"grids","features":[\n' + ",\n".join(out) + "\n]}\n")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rng = random.Random(SEED)
    features, grids = build_layout(rng)
    households = make_households(rng, grids)
    facilities = make_facilities(rng, grids)
    staff, links, leaders, a_worker, b_worker = make_staff(rng, grids)
    incidents, events = make_incidents(rng, grids, households, facilities, leaders, a_worker, b_worker)
    visits = make_visits(rng, grids, households, a_worker, b_worker)
    organisations = make_organisations(grids, len(facilities) + 1)
    dedicated = make_dedicated(features, facilities)
    dedicated_staff, dedicated_links = make_dedicated_staff(dedicated, len(staff) + 1, leaders)
    staff += dedicated_staff
    links = sorted(links + dedicated_links, key=lambda link: (link[1], link[2], link[0]))

    join = os.path.join
    write_grids(join(out_dir, "grids.geojson"), features)
    write_dedicated(join(out_dir, "dedicated_grids.geojson"), dedicated)
    write_csv(join(out_dir, "staff.csv"), ["id", "name", "phone", "role"],
              [[s["id"], s["name"], s["phone"], s["role"]] for s in staff])
    write_csv(join(out_dir, "staff_grids.csv"), ["staff_id", "grid_code", "duty", "duty_days"],
              [[*link, duty_days(link, staff)] for link in links])
    write_csv(join(out_dir, "households.csv"),
              ["id", "compound", "building", "unit", "room", "lon", "lat", "members", "tags", "head_name", "id_number", "phone"],
              [[h["id"], h["compound"], h["building"], h["unit"], h["room"], fmt_coord(h["lon"]), fmt_coord(h["lat"]),
                h["members"], ";".join(h["tags"]), h["head_name"], h["id_number"], h["phone"]] for h in households])
    write_csv(join(out_dir, "facilities.csv"), ["id", "kind", "name", "lon", "lat"],
              [[f["id"], f["kind"], f["name"], fmt_coord(f["lon"]), fmt_coord(f["lat"])] for f in facilities])
    write_csv(join(out_dir, "organisations.csv"),
              ["id", "kind", "name", "compound", "contact_name", "contact_phone", "lon", "lat"],
              [[o["id"], o["kind"], o["name"], o["compound"], o["contact_name"], o["contact_phone"], fmt_coord(o["lon"]),
                fmt_coord(o["lat"])] for o in organisations])
    write_csv(join(out_dir, "incidents.csv"),
              ["id", "category", "source", "triage", "state", "description", "lon", "lat", "assignee",
               "reported_at", "dispatched_at", "deadline", "closed_at"],
              [[i["id"], i["category"], i["source"], i["triage"], i["state"], i["description"], fmt_coord(i["lon"]),
                fmt_coord(i["lat"]), i["assignee"], iso(i["reported_at"]), iso(i["dispatched_at"]), iso(i["deadline"]),
                iso(i["closed_at"])] for i in incidents])
    write_csv(join(out_dir, "incident_events.csv"), ["id", "incident_id", "at", "actor", "from_state", "to_state", "note"],
              [[e["id"], e["incident_id"], iso(e["at"]), e["actor"], e["from_state"], e["to_state"], e["note"]] for e in events])
    write_csv(join(out_dir, "visits.csv"), ["id", "staff_id", "household_id", "at", "kind", "note"],
              [[v["id"], v["staff_id"], v["household_id"], iso(v["at"]), v["kind"], v["note"]] for v in visits])
    tagged = sum(1 for h in households if h["tags"])
    print(f"{len(grids)} grids, {len(households)} households ({tagged} tagged, "
          f"{sum(h['members'] for h in households)} residents), {len(facilities)} facilities, {len(organisations)} organisations, {len(staff)} staff, "
          f"{len(incidents)} incidents, {len(events)} events, {len(visits)} visits -> {out_dir}")


if __name__ == "__main__":
    main()
