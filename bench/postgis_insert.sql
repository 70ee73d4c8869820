-- PostGIS side of the single-write benchmark: one durable INSERT of an
-- incident at a random point into the 1M-row incidents table, maintaining its
-- GiST index (geom3857) and the reported_at index. Run by pgbench with
-- -D min_x, max_x, min_y, max_y (in micro-degrees), one client, default
-- synchronous_commit (acknowledged = on disk, as wangge's writes).
\set lon random(:min_x, :max_x)
\set lat random(:min_y, :max_y)
INSERT INTO incidents (geom, geom3857, category, source, triage, state, description, reported_at)
SELECT p, ST_Transform(p, 3857), '环境卫生', '网格员巡查', 'general', 'reported', '负载测试', '2026-12-05T09:00:00+08:00'
FROM (SELECT ST_SetSRID(ST_MakePoint(:lon / 1e6, :lat / 1e6), 4490) AS p) AS point;
