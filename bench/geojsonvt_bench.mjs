// The geojson-vt + vt-pbf side of scripts/bench: builds a warm geojson-vt
// index per layer from GeoJSON files, then times getTile + vt-pbf encoding.
// usage: node bench/geojsonvt_bench.mjs LAYER=FILE.geojson ... -- z/x/y@LAYER ...
// Prints one JSON line per tile: {"layer","tile","ms","bytes"}.
import { readFileSync } from 'node:fs';
import geojsonvt from 'geojson-vt';
import vtpbf from 'vt-pbf';

const separator = process.argv.indexOf('--');
const sources = process.argv.slice(2, separator);
const tiles = process.argv.slice(separator + 1);

const indexes = {};
for (const source of sources) {
  const [layer, file] = source.split('=');
  const started = performance.now();
  const data = JSON.parse(readFileSync(file, 'utf8'));
  // Same extent and buffer as wangge; maxZoom 18 so point layers keep every point.
  indexes[layer] = geojsonvt(data, { maxZoom: 18, indexMaxZoom: 5, indexMaxPoints: 100000, extent: 4096, buffer: 64, tolerance: 3 });
  console.error(`geojson-vt: indexed ${layer} (${data.features.length} features) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const repetitions = 20;
for (const request of tiles) {
  const [zxy, layer] = request.split('@');
  const [z, x, y] = zxy.split('/').map(Number);
  // Warm once (geojson-vt slices lazily on first request), then time fresh
  // encodes of the cached tile, as a warm server would.
  indexes[layer].getTile(z, x, y);
  let bytes = 0;
  const started = performance.now();
  for (let i = 0; i < repetitions; ++i) {
    const tile = indexes[layer].getTile(z, x, y);
    bytes = tile ? vtpbf.fromGeojsonVt({ [layer]: tile }, { version: 2, extent: 4096 }).length : 0;
  }
  const ms = (performance.now() - started) / repetitions;
  console.log(JSON.stringify({ layer, tile: zxy, ms: Number(ms.toFixed(3)), bytes }));
}
