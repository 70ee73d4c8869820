// Styles: styles/base.json is a complete MapLibre style; each view adds an
// overlay (styles/<view>.json: {name, hide, sources, layers, legend}) whose
// layers are inserted before the base layer named in metadata["wangge:before"]
// (on top otherwise). Switching views removes one overlay and adds the next, so
// sources and their loaded data stay.

import {ApiError, getJSON, apiUrl} from './api.js';
import {ruleOptions, withHouseholdRange} from './rules.js';
import {adaptLayer, sourceSpec, useTiles} from './sources.js';

export const viewNames = ['planner', 'supervisor', 'field', 'department'];

// The styles, the planner's household colours set to the server's rule range
// (returned as `rules` for the texts that name it), and the basemap (null without one).
export async function loadStyles() {
  const [rules, basemap, base, ...overlays] = await Promise.all(
    [ruleOptions(), loadBasemap(), ...['base', ...viewNames].map((name) => getJSON(apiUrl(`styles/${name}.json`)))]);
  const byView = Object.fromEntries(viewNames.map((name, i) => [name, overlays[i]]));
  byView.planner = withHouseholdRange(byView.planner, rules);
  return {base, basemap, overlays: byView, rules};
}

// The basemap under the grids, when the server has one: GET /basemap.json
// answers for `serve --basemap FILE.mbtiles` (vector: styles/basemap.json's
// layers; raster: its one raster layer) and for an online raster source
// configured with `serve --basemap-url` (docs/basemap.md). Never a network
// source by default: the map must work without internet.
async function loadBasemap() {
  let tilejson;
  try {
    tilejson = await getJSON(apiUrl('basemap.json'));
  } catch (error) {
    if (error instanceof ApiError) return null;  // 404 no_basemap: none configured
    throw error;
  }
  const style = await getJSON(apiUrl('styles/basemap.json'));
  return {tilejson, style};
}

// Adds the basemap source and layers under metadata["wangge:before"]; the
// source takes the TileJSON itself, so its attribution reaches MapLibre's
// attribution control. `rasterUrl` (the map's ?basemap= parameter, an XYZ
// template) is a raster source chosen by the user for this page only.
function withBasemap(style, basemap, rasterUrl) {
  let source;
  let layers;
  let before;
  if (basemap) {
    const vector = basemap.tilejson.format === 'pbf';
    source = {...(vector ? {type: 'vector'} : {type: 'raster', tileSize: 256}), url: apiUrl('basemap.json').href};
    layers = vector ? basemap.style.layers : basemap.style.metadata['wangge:raster-layers'];
    before = basemap.style.metadata['wangge:before'];
  } else if (rasterUrl) {
    source = {type: 'raster', tiles: [rasterUrl], tileSize: 256};
    layers = [{id: 'basemap-raster', type: 'raster', source: 'basemap', paint: {'raster-opacity': 0.6}}];
  } else {
    return style;
  }
  style.sources.basemap = source;
  const beforeIndex = style.layers.findIndex((layer) => layer.id === before);
  const at = beforeIndex >= 0 ? beforeIndex : style.layers.findIndex((layer) => layer.type === 'background') + 1;
  style.layers.splice(at, 0, ...structuredClone(layers));
  return style;
}

export function initialStyle({base, basemap}, tiles, rasterUrl) {
  return withBasemap(useTiles(structuredClone(base), tiles), basemap, rasterUrl);
}

export class ViewStyler {
  constructor(map, tiles) {
    this.map = map;
    this.tiles = tiles;
    this.overlay = null;
    this.addedLayers = [];
  }

  // Replaces the current overlay by `overlay`; returns the ids of the layers added.
  apply(overlay) {
    this.clear();
    for (const [name, spec] of Object.entries(overlay.sources || {})) {
      if (!this.map.getSource(name)) this.map.addSource(name, sourceSpec(name, spec, this.tiles));
    }
    for (const layer of overlay.layers || []) {
      // Tile-only sources (heat) appear when the server offers them, and their
      // layers are left out otherwise.
      if (!this.map.getSource(layer.source) && this.tiles[layer.source]) {
        this.map.addSource(layer.source, sourceSpec(layer.source, null, this.tiles));
      }
      if (!this.map.getSource(layer.source)) continue;
      const before = layer.metadata && layer.metadata['wangge:before'];
      this.map.addLayer(adaptLayer(layer, this.tiles), before && this.map.getLayer(before) ? before : undefined);
      this.addedLayers.push(layer.id);
    }
    for (const id of overlay.hide || []) {
      if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', 'none');
    }
    this.overlay = overlay;
    return this.addedLayers;
  }

  clear() {
    for (const id of this.addedLayers) this.map.removeLayer(id);
    this.addedLayers = [];
    for (const id of (this.overlay && this.overlay.hide) || []) {
      if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', 'visible');
    }
    this.overlay = null;
  }
}
