// What publishing a draft would do to households, estimated in the browser
// before the server publishes (it reports the real moves afterwards): each
// household's grid under the draft, and the households per grid. DOM-free (tested in node).

import {bboxOf} from './grid-index.js';

function ringContains(ring, [x, y]) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function geometryContains(geometry, point) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polygons.some(([outer, ...holes]) => ringContains(outer, point) && !holes.some((hole) => ringContains(hole, point)));
}

// Mean of a polygon's outer ring vertices: a point inside for the convex-ish
// shapes people draw.
export function centreOf(polygon) {
  const ring = polygon.coordinates[0].slice(0, -1);
  return ring.reduce(([x, y], [px, py]) => [x + px / ring.length, y + py / ring.length], [0, 0]);
}

const leafLevels = new Set(['grid', 'subgrid']);
const depth = {subgrid: 0, grid: 1};

export function leafGrids(features) {
  return features.filter((feature) => leafLevels.has(feature.properties.level));
}

// The smallest draft leaf grid containing a point, or null.
export function gridAt(leaves, point) {
  let best = null;
  for (const {feature, bbox} of leaves) {
    const [x, y] = point;
    if (x < bbox[0] || x > bbox[2] || y < bbox[1] || y > bbox[3]) continue;
    if (!geometryContains(feature.geometry, point)) continue;
    if (!best || depth[feature.properties.level] < depth[best.properties.level]) best = feature;
  }
  return best ? best.properties.code : null;
}

// households: GeoJSON point features with properties.grid_code (their
// published grid). Returns {moves: [{from, to, households}], counts: Map code → households}.
export function reassign(draftFeatures, households) {
  const leaves = leafGrids(draftFeatures).map((feature) => ({feature, bbox: bboxOf(feature.geometry)}));
  const moves = new Map();
  const counts = new Map();
  for (const household of households) {
    const to = gridAt(leaves, household.geometry.coordinates);
    if (to) counts.set(to, (counts.get(to) || 0) + 1);
    const from = household.properties.grid_code || null;
    if (to === from) continue;
    const key = `${from}→${to}`;
    const move = moves.get(key) || {from, to, households: 0};
    move.households += 1;
    moves.set(key, move);
  }
  return {moves: [...moves.values()].sort((a, b) => b.households - a.households), counts};
}
