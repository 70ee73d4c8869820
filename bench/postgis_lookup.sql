-- PostGIS side of the lookup benchmark: the grid containing a random point
-- inside the extent of the data (GiST index on geom). Run by pgbench with
-- -D min_x, max_x, min_y, max_y (in micro-degrees).
\set lon random(:min_x, :max_x)
\set lat random(:min_y, :max_y)
SELECT code FROM grids
WHERE level = 'grid' AND ST_Contains(geom, ST_SetSRID(ST_MakePoint(:lon / 1e6, :lat / 1e6), 4490));
