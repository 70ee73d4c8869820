// Styles: styles/base.json is a complete MapLibre style; each view adds an
// overlay (styles/<view>.json: {name, hide, sources, layers, legend}) whose
// layers are inserted before the base layer named in metadata["wangge:before"]
// (on top otherwise). Switching views removes one overlay and adds the next, so
// sources and their loaded data stay.

import {getJSON, apiUrl} from './api.js';
import {ruleOptions, withHouseholdRange} from './rules.js';
import {adaptLayer, sourceSpec, useTiles} from './sources.js';

export const viewNames = ['planner', 'supervisor', 'field', 'department'];

// The styles, the planner's household colours set to the server's rule range
// (returned as `rules` for the texts that name it).
export async function loadStyles() {
  const [rules, base, ...overlays] = await Promise.all(
    [ruleOptions(), ...['base', ...viewNames].map((name) => getJSON(apiUrl(`styles/${name}.json`)))]);
  const byView = Object.fromEntries(viewNames.map((name, i) => [name, overlays[i]]));
  byView.planner = withHouseholdRange(byView.planner, rules);
  return {base, overlays: byView, rules};
}

// Optional raster basemap (off by default: the map must work without internet).
function withBasemap(style, basemapUrl) {
  if (!basemapUrl) return style;
  style.sources.basemap = {type: 'raster', tiles: [basemapUrl], tileSize: 256};
  const backgroundIndex = style.layers.findIndex((layer) => layer.type === 'background');
  style.layers.splice(backgroundIndex + 1, 0,
    {id: 'basemap', type: 'raster', source: 'basemap', paint: {'raster-opacity': 0.6}});
  return style;
}

export function initialStyle(base, tiles, basemapUrl) {
  return withBasemap(useTiles(structuredClone(base), tiles), basemapUrl);
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
