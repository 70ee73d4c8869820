// The local basemap under the public page's grid outlines, when the server
// offers one at /basemap.json (`wangge serve --basemap`). Feature-detected:
// no answer (or anything unusable) means no basemap, never an error. The
// answer may be a MapLibre style (version 8: its sources and layers are used,
// but not its labels: the page has no glyphs server and draws its own grid
// names with the local CJK font) or a TileJSON (raster tiles drawn as they
// are; vector tiles drawn as plain fills and lines).

import {apiUrl, getJSON} from './api.js';

function absolute(template, base) {
  // URL() percent-encodes the {z}/{x}/{y} braces; MapLibre needs them literal.
  return new URL(template, base).href.replaceAll('%7B', '{').replaceAll('%7D', '}');
}

function absoluteSource(spec, base) {
  const out = {...spec};
  if (Array.isArray(out.tiles)) out.tiles = out.tiles.map((t) => absolute(t, base));
  if (typeof out.url === 'string') out.url = absolute(out.url, base);
  return out;
}

const rasterFormats = ['png', 'jpg', 'jpeg', 'webp'];

function fromTileJSON(tilejson, base) {
  const tiles = tilejson.tiles.map((t) => absolute(t, base));
  const attribution = tilejson.attribution;
  const vectorLayers = tilejson.vector_layers || [];
  if (rasterFormats.includes(tilejson.format) || vectorLayers.length === 0) {
    return {
      sources: {basemap: {type: 'raster', tiles, tileSize: tilejson.tileSize || 256, attribution,
        minzoom: tilejson.minzoom ?? 0, maxzoom: tilejson.maxzoom ?? 18}},
      layers: [{id: 'basemap', type: 'raster', source: 'basemap'}],
    };
  }
  const source = {type: 'vector', tiles, attribution, minzoom: tilejson.minzoom ?? 0, maxzoom: tilejson.maxzoom ?? 14};
  const layers = [];
  for (const {id} of vectorLayers) {
    layers.push({id: `basemap-${id}-fill`, type: 'fill', source: 'basemap', 'source-layer': id,
      filter: ['==', ['geometry-type'], 'Polygon'], paint: {'fill-color': '#e4ddcc', 'fill-outline-color': '#cfc6b0'}});
    layers.push({id: `basemap-${id}-line`, type: 'line', source: 'basemap', 'source-layer': id,
      filter: ['==', ['geometry-type'], 'LineString'], paint: {'line-color': '#ffffff', 'line-width': 2}});
  }
  return {sources: {basemap: source}, layers};
}

function fromStyle(style, base) {
  const sources = {};
  for (const [name, spec] of Object.entries(style.sources || {})) sources[`basemap:${name}`] = absoluteSource(spec, base);
  const layers = (style.layers || [])
    .filter((layer) => layer.type !== 'background' && layer.type !== 'symbol')
    .map((layer) => ({...layer, id: `basemap:${layer.id}`, source: `basemap:${layer.source}`}));
  return {sources, layers};
}

// {sources, layers} to draw under the grids, or null without a basemap.
export async function loadBasemap() {
  const url = apiUrl('basemap.json');
  let answer;
  try {
    answer = await getJSON(url);
  } catch {
    return null;  // not offered (404) or not reachable: the grids alone
  }
  if (answer && answer.version === 8 && Array.isArray(answer.layers)) return fromStyle(answer, url);
  if (answer && Array.isArray(answer.tiles) && answer.tiles.length > 0) return fromTileJSON(answer, url);
  return null;
}
