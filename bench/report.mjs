// Renders the raw measurements of scripts/bench (JSON lines) as bench/results.md.
// usage: node bench/report.mjs RAW.jsonl GRIDS HOUSEHOLDS INCIDENTS
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

const [raw, grids, households, incidents] = process.argv.slice(2);
const records = readFileSync(raw, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
const find = (predicate) => records.find(predicate);
const fmt = (value, digits = 2) => (value === undefined || Number.isNaN(value) ? '—' : Number(value).toFixed(digits));
const ratio = (slow, fast) => (slow && fast ? `${(slow / fast).toFixed(1)}×` : '—');

const lines = [];
lines.push('# wangge benchmark');
lines.push('');
lines.push(`Synthetic city: ${grids} grids, ${households} households, ${incidents} incidents (\`wangge generate --seed 1\`).`);
lines.push(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; run ${new Date().toISOString()}.`);
lines.push('All columns come from the same run. Tile times are per tile, single client, warm; "ratio" is the other time divided by wangge in process.');
lines.push('');
lines.push('| tile | wangge in process (ms) | wangge HTTP (req/s, p99 ms) | PostGIS ST_AsMVT (ms) | ratio | geojson-vt + vt-pbf (ms) | ratio |');
lines.push('|---|---|---|---|---|---|---|');
for (const w of records.filter((r) => r.kind === 'tile' && r.impl === 'wangge')) {
  const same = (impl) => find((r) => r.kind === 'tile' && r.impl === impl && r.layer === w.layer && r.tile === w.tile);
  const http = find((r) => r.kind === 'tile_http' && r.layer === w.layer && r.tile === w.tile);
  const pg = same('postgis');
  const vt = same('geojson-vt');
  const label = `${w.layer} z${w.tile.split('/')[0]} (${w.tile})${w.from ? ', 90 days' : ''}`;
  lines.push(`| ${label} | ${fmt(w.ms, 3)} | ${http ? `${fmt(http.rps, 0)}, ${fmt(http.p99_ms)}` : '—'} | ${fmt(pg?.ms)} | ${ratio(pg?.ms, w.ms)} | ${vt ? fmt(vt.ms, 3) : 'n/a'} | ${vt ? ratio(vt.ms, w.ms) : '—'} |`);
}
lines.push('');

const wl = find((r) => r.kind === 'lookup' && r.impl === 'wangge');
const pl = find((r) => r.kind === 'lookup' && r.impl === 'postgis');
const hl = find((r) => r.kind === 'lookup_http');
const wv = find((r) => r.kind === 'validate' && r.impl === 'wangge');
const pv = find((r) => r.kind === 'validate' && r.impl === 'postgis');
const index = find((r) => r.kind === 'tile_index');
const load = find((r) => r.kind === 'load');
lines.push('| what | wangge | PostGIS | ratio |');
lines.push('|---|---|---|---|');
lines.push(`| /lookup in process (lookups/s, all cores) | ${fmt(wl?.per_second, 0)} | ${fmt(pl?.tps, 0)} (ST_Contains, 1 client) | ${ratio(wl?.per_second, pl?.tps)} |`);
lines.push(`| /lookup over HTTP (req/s, p99 ms; wrk -t2 -c32) | ${hl ? `${fmt(hl.rps, 0)}, ${fmt(hl.p99_ms)}` : '—'} | — | — |`);
lines.push(`| validate ${grids} grids (s, whole command incl. reading the store) | ${fmt(wv?.ms / 1000)} (engine ${fmt(wv?.engine_ms / 1000)}) | ${fmt(pv?.ms / 1000)} | ${ratio(pv?.ms, wv?.ms)} |`);
lines.push(`| load the store at start (s) / RSS (MB) | ${fmt(load?.ms / 1000)} / ${fmt(load?.rss_mb, 0)} | — | — |`);
if (index) lines.push(`| tile index build (s) / its memory (MB) | ${fmt(index.build_ms / 1000)} / ${fmt(index.index_rss_mb, 0)} | — | — |`);
lines.push('');
console.log(lines.join('\n'));
