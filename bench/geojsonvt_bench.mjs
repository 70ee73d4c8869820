// The geojson-vt + vt-pbf side of scripts/bench: builds a warm geojson-vt
// index per layer from GeoJSON files, then times getTile + vt-pbf encoding.
// usage: node bench/geojsonvt_bench.mjs LAYER=FILE.geojson ... [-- z/x/y@LAYER ...]
// Prints {"ready","index_ms","rss_mb"} once indexed, then one JSON line per
// tile: {"layer","tile","ms","cpu_ms","bytes"}, medians of 21 encodes. Without
// tiles after "--" it stays loaded and times the z/x/y@LAYER requests read
// one per line from stdin, so scripts/bench can interleave it with the others.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import GeoJSONVT from 'geojson-vt';
import vtpbf from 'vt-pbf';

const separator = process.argv.indexOf('--');
const sources = process.argv.slice(2, separator < 0 ? undefined : separator);
const tiles = separator < 0 ? [] : process.argv.slice(separator + 1);

const indexes = {};
const indexStarted = performance.now();
for (const source of sources) {
  const [layer, file] = source.split('=');
  const started = performance.now();
  const data = JSON.parse(readFileSync(file, 'utf8'));
  // Same extent, buffer and simplification tolerance (2 px of 4096) as wangge;
  // maxZoom 18 so point layers keep every point.
  indexes[layer] = new GeoJSONVT(data, { maxZoom: 18, indexMaxZoom: 5, indexMaxPoints: 100000, extent: 4096, buffer: 64, tolerance: 2 });
  console.error(`geojson-vt: indexed ${layer} (${data.features.length} features) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
console.log(JSON.stringify({ ready: true, index_ms: performance.now() - indexStarted, rss_mb: process.memoryUsage().rss / 2 ** 20 }));

const repetitions = 21;
function timeTile(request) {
  const [zxy, layer] = request.split('@');
  const [z, x, y] = zxy.split('/').map(Number);
  if (!indexes[layer]) throw new Error(`no index for layer ${layer}`);
  // Warm once (geojson-vt slices lazily on first request), then time fresh
  // encodes of the cached tile, as a warm server would; the median, as wangge's.
  indexes[layer].getTile(z, x, y);
  let bytes = 0;
  const times = [];
  const cpuTimes = [];  // the process's CPU time, which other processes do not inflate
  for (let i = 0; i < repetitions; ++i) {
    const cpuStarted = process.cpuUsage();
    const started = performance.now();
    const tile = indexes[layer].getTile(z, x, y);
    bytes = tile ? vtpbf.fromGeojsonVt({ [layer]: tile }, { version: 2, extent: 4096 }).length : 0;
    times.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuStarted);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
  console.log(JSON.stringify({ layer, tile: zxy, ms: median(times), cpu_ms: median(cpuTimes), bytes }));
}

if (tiles.length) {
  tiles.forEach(timeTile);
} else {
  for await (const line of createInterface({ input: process.stdin })) if (line.trim()) timeTile(line.trim());
}
