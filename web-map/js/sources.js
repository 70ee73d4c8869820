// Where each map source's data comes from: vector tiles when the server offers
// /tiles/{layer}.json, GeoJSON from the OGC API otherwise. Styles are written
// for GeoJSON; switching a source to tiles only changes its spec and adds
// `source-layer` to the layers that draw it.

import {apiUrl, fetchCollection, tileJSON} from './api.js';
import {chinaDate} from './stats.js';

// Sources backed by a server collection / tile layer of the same name.
export const dataSources = ['grids', 'households', 'facilities', 'incidents'];

// Asks the server once which layers it serves as vector tiles. The first layer
// (grids) is asked alone: a server without it has no tiles, so the others are
// not probed. Returns {layer: tilejson} for those that answered.
export async function detectTiles([first, ...others]) {
  if (!first) return {};
  const firstTileJSON = await tileJSON(first);
  if (!firstTileJSON) return {};
  const answers = await Promise.all(others.map(async (layer) => [layer, await tileJSON(layer)]));
  return Object.fromEntries([[first, firstTileJSON], ...answers].filter(([, tilejson]) => tilejson));
}

function absoluteTemplate(template, base) {
  // URL() percent-encodes the {z}/{x}/{y} braces; MapLibre needs them literal.
  return new URL(template, base).href.replaceAll('%7B', '{').replaceAll('%7D', '}');
}

// Local (+08:00) date `days` before today, as YYYY-MM-DD.
function daysAgo(days) {
  return chinaDate(Date.now() - days * 86400000);
}

// The heat tiles' filter: incidents reported in the last `days` days, of one
// category (its Chinese name) or, when empty, of all.
export const defaultHeatDays = 90;
export function heatQuery(days, category = '') {
  return category ? {from: daysAgo(days), category} : {from: daysAgo(days)};
}

// Query parameters added to a layer's tile URLs by default.
function defaultQuery(layer) {
  return layer === 'heat' ? heatQuery(defaultHeatDays) : {};
}

function withQuery(template, params) {
  const query = new URLSearchParams(params).toString();
  if (!query) return template;
  return `${template}${template.includes('?') ? '&' : '?'}${query}`;
}

export function vectorSourceSpec(layer, tilejson, params = defaultQuery(layer)) {
  const base = apiUrl(`tiles/${layer}.json`);
  const spec = {
    type: 'vector',
    tiles: tilejson.tiles.map((template) => withQuery(absoluteTemplate(template, base), params)),
    minzoom: tilejson.minzoom ?? 0,
    maxzoom: tilejson.maxzoom ?? 14,
  };
  if (Array.isArray(tilejson.bounds)) spec.bounds = tilejson.bounds;
  return spec;
}

// Name of the MVT layer inside a tile: the TileJSON vector layer of that name,
// else its first one.
export function sourceLayerName(layer, tilejson) {
  const layers = tilejson.vector_layers || [];
  const match = layers.find((vectorLayer) => vectorLayer.id === layer) || layers[0];
  return match && match.id ? match.id : layer;
}

// MVT layer a style layer reads. A polygon cut at tile edges would get one
// label per piece, so symbol layers read the tiles' label point layer (id
// ending in `_labels`, e.g. grid_labels: one point per feature) when there is one.
function sourceLayerFor(styleLayer, tilejson) {
  const labels = (tilejson.vector_layers || []).find((layer) => /_labels$/.test(layer.id));
  return styleLayer.type === 'symbol' && labels ? labels.id : sourceLayerName(styleLayer.source, tilejson);
}

// Same for a single layer added later (view overlays).
export function adaptLayer(styleLayer, tiles) {
  const tilejson = tiles[styleLayer.source];
  return tilejson ? {...styleLayer, 'source-layer': sourceLayerFor(styleLayer, tilejson)} : styleLayer;
}

// Rewrites a style (in place) so the given sources use vector tiles.
export function useTiles(style, tiles) {
  for (const [layer, tilejson] of Object.entries(tiles)) {
    if (style.sources[layer]) style.sources[layer] = vectorSourceSpec(layer, tilejson);
  }
  style.layers = style.layers.map((styleLayer) => adaptLayer(styleLayer, tiles));
  return style;
}

export function sourceSpec(name, spec, tiles) {
  return tiles[name] ? vectorSourceSpec(name, tiles[name]) : spec;
}

// Fills a GeoJSON source from its collection. Returns a status:
// 'tiles' (nothing to load), 'loaded', 'login' when the server wants a login,
// or 'missing' when it has no such collection.
export async function loadGeoJSONSource(map, name, {transform = (fc) => fc, maxFeatures} = {}) {
  const source = map.getSource(name);
  if (!source) return {status: 'missing'};
  if (source.type !== 'geojson') return {status: 'tiles'};
  try {
    const collection = transform(await fetchCollection(name, {}, {maxFeatures}));
    await source.setData(collection);
    return {status: 'loaded', collection};
  } catch (error) {
    if (error.status === 401 || error.status === 403) return {status: 'login'};
    if (error.status === 404) return {status: 'missing'};
    throw error;
  }
}
