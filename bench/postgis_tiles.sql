-- PostGIS side of the tile benchmark, in the form martin and pg_tileserv use:
-- ST_AsMVTGeom over an index-filtered ST_TileEnvelope, then ST_AsMVT.
-- Run by pgbench with -D layer-independent variables z, x, y (and for heat:
-- cell (metres), from_epoch, to_epoch). One file per layer is cut from this
-- one by scripts/bench with the marker lines below.

-- layer: grids
SELECT length(ST_AsMVT(q, 'grids', 4096, 'geom')) FROM (
  SELECT code, name, level, parent_code,
         ST_AsMVTGeom(geom3857, ST_TileEnvelope(:z, :x, :y), 4096, 64, true) AS geom
  FROM grids
  WHERE geom3857 && ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096)) q;

-- layer: households
SELECT length(ST_AsMVT(q, 'households', 4096, 'geom')) FROM (
  SELECT id, grid_code, compound, building,
         ST_AsMVTGeom(geom3857, ST_TileEnvelope(:z, :x, :y), 4096, 64, true) AS geom
  FROM households
  WHERE geom3857 && ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096)) q;

-- layer: heat
SELECT length(ST_AsMVT(q, 'heat', 4096, 'geom')) FROM (
  SELECT count(*) AS count,
         ST_AsMVTGeom(ST_SnapToGrid(geom3857, :cell), ST_TileEnvelope(:z, :x, :y), 4096, 64, true) AS geom
  FROM incidents
  WHERE geom3857 && ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096)
    AND reported_at >= to_timestamp(:from_epoch) AND reported_at < to_timestamp(:to_epoch)
  GROUP BY ST_SnapToGrid(geom3857, :cell)) q;
