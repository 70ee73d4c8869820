// One terra-draw instance per map for every drawing tool of the planner view:
// draw a polygon or a line, or edit a polygon's vertices, each as a Promise.
// New vertices snap to the vertices and edges of the snap targets (the
// neighbouring grids) within a few pixels; the server's /snap then makes
// shared borders exact.

import {TerraDraw, TerraDrawLineStringMode, TerraDrawPolygonMode, TerraDrawSelectMode} from 'terra-draw';
import {TerraDrawMapLibreGLAdapter} from 'terra-draw-maplibre-gl-adapter';

import {bboxOf} from './grid-index.js';

const snapPixels = 10;

function nearestOnSegment(p, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2));
  return {x: a.x + t * dx, y: a.y + t * dy, t};
}

export class Drawing {
  constructor(map) {
    this.map = map;
    this.targets = [];  // {rings, bbox}
    this.draw = null;
    this.pending = null;  // {resolve, reject} of the current drawing
    this.edited = null;  // {id, onChange} of the polygon up for editing
  }

  get active() {
    return Boolean(this.draw && this.draw.enabled && this.draw.getMode() !== 'static');
  }

  // features: GeoJSON polygons whose vertices and edges attract new vertices.
  setSnapTargets(features) {
    this.targets = features.filter((f) => f.geometry).map((f) => ({
      rings: (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates).flat(),
      bbox: bboxOf(f.geometry),
    }));
  }

  // The snapped [lng, lat] for a pointer event, or undefined.
  snap(event) {
    const here = this.map.project([event.lng, event.lat]);
    const corner = this.map.unproject([here.x + snapPixels, here.y + snapPixels]);
    const reach = Math.max(Math.abs(corner.lng - event.lng), Math.abs(corner.lat - event.lat));
    let vertex = null;
    let edge = null;
    for (const {rings, bbox} of this.targets) {
      if (event.lng < bbox[0] - reach || event.lng > bbox[2] + reach || event.lat < bbox[1] - reach || event.lat > bbox[3] + reach) continue;
      for (const ring of rings) {
        let previous = null;
        for (const coordinate of ring) {
          const point = this.map.project(coordinate);
          const distance = Math.hypot(point.x - here.x, point.y - here.y);
          if (distance <= snapPixels && (!vertex || distance < vertex.distance)) vertex = {distance, coordinate};
          if (previous) {
            const foot = nearestOnSegment(here, previous.point, point);
            const footDistance = Math.hypot(foot.x - here.x, foot.y - here.y);
            if (footDistance <= snapPixels && (!edge || footDistance < edge.distance)) {
              const lngLat = this.map.unproject([foot.x, foot.y]);
              edge = {distance: footDistance, coordinate: [lngLat.lng, lngLat.lat]};
            }
          }
          previous = {point};
        }
      }
    }
    return (vertex || edge)?.coordinate;
  }

  ensureStarted() {
    if (!this.draw) {
      const snapping = {toCoordinate: true, toCustom: (event) => this.snap(event)};
      this.draw = new TerraDraw({
        adapter: new TerraDrawMapLibreGLAdapter({map: this.map}),
        modes: [
          new TerraDrawPolygonMode({snapping}),
          new TerraDrawLineStringMode({snapping}),
          new TerraDrawSelectMode({flags: {polygon: {feature: {coordinates: {draggable: true, midpoints: true, deletable: true}}}}}),
        ],
      });
      // Every vertex or midpoint drag of the edited polygon, as it happens.
      this.draw.on('change', (ids, type) => {
        if (this.edited && type === 'update' && ids.includes(this.edited.id)) this.edited.onChange();
      });
      this.draw.on('finish', (id, context) => {
        if (!this.pending || (context && context.action && context.action !== 'draw')) return;
        const feature = this.draw.getSnapshotFeature(id);
        const {resolve} = this.pending;
        this.pending = null;
        this.draw.setMode('static');
        resolve(feature.geometry);
      });
    }
    if (!this.draw.enabled) this.draw.start();
  }

  // Resolves with the GeoJSON geometry drawn in `mode` ('polygon' | 'linestring');
  // null when cancelled.
  drawShape(mode) {
    this.cancel();
    this.ensureStarted();
    this.draw.setMode(mode);
    return new Promise((resolve, reject) => { this.pending = {resolve, reject}; });
  }

  // Puts a polygon up for vertex editing; returns () => its edited geometry.
  // onChange() is called on every change of it while it is dragged.
  editPolygon(geometry, onChange = () => {}) {
    this.cancel();
    this.ensureStarted();
    this.draw.clear();
    // terra-draw refuses coordinates with more than 9 decimals (≈ 0.1 mm).
    const rounded = (ring) => ring.map(([x, y]) => [Number(x.toFixed(9)), Number(y.toFixed(9))]);
    const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates[0];
    const polygon = {type: 'Polygon', coordinates: rings.map(rounded)};
    const [result] = this.draw.addFeatures([{type: 'Feature', geometry: polygon, properties: {mode: 'polygon'}}]);
    if (!result || !result.valid) throw new Error(`无法编辑该网格的边界（${result?.reason || '几何无效'}）`);
    this.draw.setMode('select');
    this.draw.selectFeature(result.id);
    this.edited = {id: result.id, onChange};
    return () => this.draw.getSnapshotFeature(result.id)?.geometry || polygon;
  }

  // Ends any drawing or editing and clears what terra-draw shows.
  cancel() {
    this.edited = null;
    if (this.pending) {
      this.pending.resolve(null);
      this.pending = null;
    }
    if (this.draw && this.draw.enabled) {
      this.draw.setMode('static');
      this.draw.clear();
    }
  }

  stop() {
    this.cancel();
    if (this.draw && this.draw.enabled) this.draw.stop();
  }
}
