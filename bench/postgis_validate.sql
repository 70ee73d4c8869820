-- PostGIS equivalent of `wangge validate` (DESIGN §4), the reference for scripts/bench.
--
-- Input: table grids(code text, level text, parent_code text, geom geometry) in
-- lon/lat (EPSG:4490 or 4326), current rows only. Load a store's layer with
--   ogr2ogr -f PostgreSQL PG:dbname=bench city.gpkg grids -nln grids -lco GEOMETRY_NAME=geom \
--           -nlt PROMOTE_TO_MULTI -where "valid_to IS NULL" -overwrite
-- then run
--   psql -d bench -v srid=4548 -v min_area=1 -v min_width=0.05 -f bench/postgis_validate.sql
-- srid: a metric CRS for the data (4548 = CGCS2000 3-degree Gauss-Kruger CM 117E, Beijing).
-- Every query prints its time (\timing); the sum is the reference time.
-- Same rules and noise thresholds as the engine: pieces smaller than min_area m² or
-- vanishing under an inward buffer of min_width/2 are noise.

\set ON_ERROR_STOP on
\timing on

DROP TABLE IF EXISTS v_grids;
CREATE TEMP TABLE v_grids AS
  SELECT code, level, parent_code, ST_Transform(geom, :srid) AS geom FROM grids;
CREATE INDEX ON v_grids USING gist (geom);
CREATE INDEX ON v_grids (code);
CREATE INDEX ON v_grids (parent_code);
ANALYZE v_grids;

-- invalid_geometry
SELECT 'invalid_geometry' AS rule, code, ST_IsValidReason(geom) AS reason
FROM v_grids WHERE NOT ST_IsValid(geom);

-- duplicate_code
SELECT 'duplicate_code' AS rule, code, count(*) FROM v_grids GROUP BY code HAVING count(*) > 1;

-- code_format (DB11/T 2157-2023: 9 / 12 / 15 digits, prefixed by the parent's code)
SELECT 'code_format' AS rule, code
FROM v_grids
WHERE code !~ '^[0-9]+$'
   OR length(code) <> CASE level WHEN 'street' THEN 9 WHEN 'community' THEN 12 WHEN 'grid' THEN 15 ELSE 18 END
   OR (parent_code IS NOT NULL AND parent_code <> '' AND left(code, length(parent_code)) <> parent_code);

-- parent_missing
SELECT 'parent_missing' AS rule, c.code, c.parent_code
FROM v_grids c
WHERE c.parent_code IS NOT NULL AND c.parent_code <> '' AND c.level <> 'street'
  AND NOT EXISTS (SELECT 1 FROM v_grids p WHERE p.code = c.parent_code);

-- overlap: self-join of grids of one level whose interiors share area
SELECT 'overlap' AS rule, a.code, b.code, sum(ST_Area(d.geom)) AS area_m2
FROM v_grids a
JOIN v_grids b ON a.level = b.level AND a.code < b.code AND ST_Intersects(a.geom, b.geom)
CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3)) AS d
WHERE ST_Area(d.geom) >= :min_area AND NOT ST_IsEmpty(ST_Buffer(d.geom, -:min_width / 2.0, 2))
GROUP BY a.code, b.code;

-- outside_parent
SELECT 'outside_parent' AS rule, c.code, p.code AS parent, sum(ST_Area(d.geom)) AS area_m2
FROM v_grids c
JOIN v_grids p ON p.code = c.parent_code
CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(ST_Difference(c.geom, p.geom), 3)) AS d
WHERE NOT ST_CoveredBy(c.geom, p.geom)
  AND ST_Area(d.geom) >= :min_area AND NOT ST_IsEmpty(ST_Buffer(d.geom, -:min_width / 2.0, 2))
GROUP BY c.code, p.code;

-- gap inside each parent: parent minus the union of its children
WITH children AS (
  SELECT parent_code, ST_Union(geom) AS geom FROM v_grids
  WHERE parent_code IS NOT NULL AND parent_code <> '' GROUP BY parent_code
)
SELECT 'gap' AS rule, p.code AS parent, ST_Area(d.geom) AS area_m2
FROM children c
JOIN v_grids p ON p.code = c.parent_code
CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(ST_Difference(p.geom, c.geom), 3)) AS d
WHERE ST_Area(d.geom) >= :min_area AND NOT ST_IsEmpty(ST_Buffer(d.geom, -:min_width / 2.0, 2));

-- gap without a parent polygon: holes of the union of the top-level grids
-- (the extent minus the union, keeping only pieces that do not reach the outside)
WITH top AS (
  SELECT ST_Union(geom) AS geom FROM v_grids g
  WHERE NOT EXISTS (SELECT 1 FROM v_grids p WHERE p.code = g.parent_code)
),
holes AS (
  SELECT (ST_Dump(ST_CollectionExtract(ST_Difference(ST_Envelope(top.geom), top.geom), 3))).geom AS geom, top.geom AS cover
  FROM top
)
SELECT 'gap' AS rule, NULL AS parent, ST_Area(h.geom) AS area_m2
FROM holes h
WHERE NOT ST_Intersects(ST_Boundary(h.geom), ST_Boundary(ST_Envelope(h.cover)))
  AND ST_Area(h.geom) >= :min_area AND NOT ST_IsEmpty(ST_Buffer(h.geom, -:min_width / 2.0, 2));
