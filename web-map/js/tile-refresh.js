// Keeps vector tiles fresh: follows the server's change feed (/tiles/events,
// server-sent events) and has MapLibre reload just the tiles a publish or an
// incident write touched. Tiles are revalidated with their ETag on reload
// (Cache-Control: no-cache), so an untouched tile costs a 304 at most.
//
// A change names, per zoom, the inclusive tile ranges it touched:
//   {layer, version, bounds, tiles: [[z, minX, minY, maxX, maxY], …]}
// MapLibre's refreshTiles() reloads the matching tiles in view; tiles kept for
// panning back (out of view) are dropped from its cache so they load afresh.

import {apiUrl} from './api.js';

// More tiles than this in one change and zoom: reload what is in view instead
// of listing them (a whole-district publish at zoom 18).
const maxListedTiles = 4096;

// The tiles of `ranges` at zoom z, or null when there are too many to list.
export function tilesAtZoom(ranges, z) {
  const ids = [];
  for (const [rangeZ, minX, minY, maxX, maxY] of ranges) {
    if (rangeZ !== z) continue;
    if ((maxX - minX + 1) * (maxY - minY + 1) + ids.length > maxListedTiles) return null;
    for (let x = minX; x <= maxX; x++) {
      for (let y = minY; y <= maxY; y++) ids.push({z, x, y});
    }
  }
  return ids;
}

export function rangesContain(ranges, {z, x, y}) {
  return ranges.some(([rangeZ, minX, minY, maxX, maxY]) =>
    rangeZ === z && minX <= x && x <= maxX && minY <= y && y <= maxY);
}

export class TileRefresher {
  // layers: the tile layers the map draws (source id = layer name).
  constructor(map, layers) {
    this.map = map;
    this.layers = new Set(layers);
    this.events = null;
    this.lastCursor = null;
  }

  start() {
    if (this.events || this.layers.size === 0 || typeof EventSource === 'undefined') return;
    // Same origin: the session cookie goes along. EventSource reconnects by
    // itself and sends Last-Event-ID, so nothing is missed between streams.
    this.events = new EventSource(apiUrl('tiles/events'));
    this.events.addEventListener('ready', (event) => { this.lastCursor = JSON.parse(event.data).cursor; });
    this.events.addEventListener('tiles', (event) => this.apply(JSON.parse(event.data)));
    this.events.addEventListener('reset', (event) => {
      this.lastCursor = JSON.parse(event.data).cursor;
      for (const layer of this.layers) this.reloadAll(layer);
    });
  }

  stop() {
    this.events?.close();
    this.events = null;
  }

  apply({cursor, changes}) {
    this.lastCursor = cursor;
    const byLayer = new Map();
    for (const change of changes) {
      if (!this.layers.has(change.layer) || !this.map.getSource(change.layer)) continue;
      if (!byLayer.has(change.layer)) byLayer.set(change.layer, []);
      byLayer.get(change.layer).push(...change.tiles);
    }
    for (const [layer, ranges] of byLayer) this.refresh(layer, ranges);
  }

  // The zooms whose tiles may be in view: MapLibre shows tiles of the map's
  // zoom (the source's maxzoom when zoomed in further) and keeps parents and
  // children around while it loads.
  zoomsInView(layer) {
    const maxzoom = this.map.getSource(layer).maxzoom ?? 22;
    const zoom = this.map.getZoom();
    const zooms = [];
    for (let z = Math.min(Math.floor(zoom), maxzoom) - 2; z <= Math.min(Math.ceil(zoom) + 1, maxzoom); z++) {
      if (z >= 0) zooms.push(z);
    }
    return zooms;
  }

  refresh(layer, ranges) {
    this.dropOutOfView(layer, ranges);
    const ids = [];
    for (const z of this.zoomsInView(layer)) {
      const atZoom = tilesAtZoom(ranges, z);
      if (atZoom === null) {
        this.reloadAll(layer);
        return;
      }
      ids.push(...atZoom);
    }
    if (ids.length > 0) this.map.refreshTiles(layer, ids);
  }

  reloadAll(layer) {
    if (this.map.getSource(layer)) this.map.refreshTiles(layer);
  }

  // MapLibre keeps tiles that left the view for a while and shows them again
  // without asking the server; refreshTiles() reaches only tiles in view. Its
  // tile manager has no public way to drop cached tiles, so this uses the
  // cache's filter() (MapLibre 6.17, pinned in package-lock.json); without
  // it, those tiles stay until MapLibre evicts them.
  dropOutOfView(layer, ranges) {
    const cache = this.map.style?.tileManagers?.[layer]?._outOfViewCache;
    if (typeof cache?.filter !== 'function') return;
    cache.filter((tile) => !rangesContain(ranges, tile.tileID.canonical));
  }
}
