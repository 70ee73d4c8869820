// Drafts at city size over HTTP, through the routes the planner's map uses
// (web-map/js/drafts-api.js): opening a draft (POST /drafts, then
// GET /drafts/{id}) and one boundary edit validated against its neighbours
// (POST /drafts/{id}/snap with the grid moved by one vertex, as "保存边界"
// sends it), answered with the incremental check, preceded by the live check
// the map asks while the vertex is dragged (POST /drafts/{id}/grids/{code}/check,
// nothing saved). Prints one JSON line: medians over the rounds, the largest
// edit and check times, the bytes of the opened draft.
// usage: node bench/drafts_bench.mjs BASE-URL "Authorization: Bearer …" [ROUNDS] [EDITS-PER-ROUND]

const [base, header, roundsArg = '5', editsArg = '10'] = process.argv.slice(2);
const [headerName, ...headerValue] = header.split(': ');
const auth = {[headerName]: headerValue.join(': ')};

async function call(method, path, body) {
  const response = await fetch(`${base}/${path}`, {
    method,
    headers: {...auth, ...(body ? {'Content-Type': 'application/json'} : {})},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
  return {bytes: Buffer.byteLength(text), json: text ? JSON.parse(text) : null};
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

// Leaf grids spread over the first 2000 (every 37th), edited in turn.
const {json: page} = await call('GET', 'collections/grids/items?level=grid&limit=2000');
const grids = page.features.filter((_, i) => i % 37 === 0);
if (grids.length === 0) throw new Error('no grids to edit');

// The grid's outer ring with its first vertex moved 2 % of the way to the
// ring's centre: a small drag, snapped and checked by the server.
function dragged(feature) {
  const polygon = feature.geometry.type === 'Polygon' ? feature.geometry.coordinates : feature.geometry.coordinates[0];
  const ring = polygon[0].map(([x, y]) => [x, y]);
  const n = ring.length - 1;
  const [cx, cy] = ring.slice(0, n).reduce(([sx, sy], [x, y]) => [sx + x / n, sy + y / n], [0, 0]);
  ring[0] = [ring[0][0] + (cx - ring[0][0]) * 0.02, ring[0][1] + (cy - ring[0][1]) * 0.02];
  ring[n] = ring[0];
  return {type: 'Polygon', coordinates: [ring]};
}

const open = [];
const edit = [];
const engine = [];
const check = [];
let openBytes = 0;
let violations = 0;
let next = 0;
for (let round = 0; round < Number(roundsArg); ++round) {
  const started = performance.now();
  const {json: created} = await call('POST', 'drafts', {});
  const {bytes} = await call('GET', `drafts/${created.id}`);
  open.push(performance.now() - started);
  openBytes = bytes;
  for (let k = 0; k < Number(editsArg); ++k) {
    const grid = grids[next++ % grids.length];
    const checking = performance.now();
    await call('POST', `drafts/${created.id}/grids/${grid.properties.code}/check`, {geometry: dragged(grid), tolerance_m: 1});
    check.push(performance.now() - checking);
    const before = performance.now();
    const {json: answer} = await call('POST', `drafts/${created.id}/snap`, {code: grid.properties.code, geometry: dragged(grid)});
    edit.push(performance.now() - before);
    engine.push(answer.report.elapsed_ms);
    violations += answer.report.violations.length;
  }
  await call('DELETE', `drafts/${created.id}`);
}
console.log(JSON.stringify({
  open_ms: median(open), open_bytes: openBytes, edit_ms: median(edit), edit_max_ms: Math.max(...edit),
  edit_engine_ms: median(engine), check_ms: median(check), check_max_ms: Math.max(...check), edits: edit.length, violations,
}));
