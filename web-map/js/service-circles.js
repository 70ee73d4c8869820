// 15分钟生活圈 (issue #16): in the planner and supervisor views, pick a
// service kind to see the area no facility of it reaches (a hatched fill
// under the grid lines), the facilities of the kind with their walking
// circles, and the grids' shares of covered households, worst first.
// The numbers come from GET /service-circles, the areas from
// /service-circles/uncovered.geojson; kinds and distances from
// /service-circles/kinds (the server's rules config).

import {apiUrl, getJSON} from './api.js';
import {el} from './panel.js';

const uncoveredSource = 'service-uncovered';
const facilitySource = 'service-facilities';
const circleSource = 'service-circle-rings';
export const serviceCircleLayers = ['service-uncovered-fill', 'service-circle-line', 'service-facility-points'];
const tableRows = 30;
// How the server walked the distances (the answer's `method`).
const methodNames = {network: '沿街道步行', straight: '直线距离'};
const circleSides = 64;

// Metres per degree on the CGCS2000 ellipsoid at `lat` (as the server's service/circles.cpp).
function metresPerDegree(lat) {
  const a = 6378137.0;
  const f = 1 / 298.257222101;
  const e2 = f * (2 - f);
  const phi = lat * Math.PI / 180;
  const w2 = 1 - e2 * Math.sin(phi) ** 2;
  return {x: a / Math.sqrt(w2) * Math.cos(phi) * Math.PI / 180, y: a * (1 - e2) / (w2 * Math.sqrt(w2)) * Math.PI / 180};
}

// The walking circle around a facility as a polygon.
export function circlePolygon(lon, lat, radiusM) {
  const scale = metresPerDegree(lat);
  const ring = [];
  for (let i = 0; i <= circleSides; i += 1) {
    const angle = 2 * Math.PI * (i % circleSides) / circleSides;
    ring.push([lon + radiusM * Math.cos(angle) / scale.x, lat + radiusM * Math.sin(angle) / scale.y]);
  }
  return {type: 'Polygon', coordinates: [ring]};
}

export function percent(share) {
  return share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)}%`;
}

// Diagonal hatching for the uncovered area, drawn once per map.
function hatchImage() {
  const size = 8;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const on = (x + y) % size < 2;
      data.set(on ? [200, 40, 40, 200] : [200, 40, 40, 40], (y * size + x) * 4);
    }
  }
  return {width: size, height: size, data};
}

export class ServiceCircles {
  constructor(map, onError) {
    this.map = map;
    this.onError = onError;
    this.kinds = null;
    this.kind = '';
    this.shares = null;
    this.root = null;
    this.kindsLoading = null;
  }

  async loadKinds() {
    this.kinds ??= (await getJSON(apiUrl('service-circles/kinds'))).kinds;
    return this.kinds;
  }

  // Shows kind `id` ('' hides the layers); resolves once the data is on the map.
  async choose(id) {
    this.kind = id;
    if (!id) {
      this.shares = null;
      this.hide();
      this.render();
      return;
    }
    const [shares, uncovered] = await Promise.all([
      getJSON(apiUrl('service-circles', {kind: id})),
      getJSON(apiUrl('service-circles/uncovered.geojson', {kind: id}))]);
    if (this.kind !== id) return;  // chosen again meanwhile
    this.shares = shares;
    const facilities = {type: 'FeatureCollection', features: shares.facilities.map((f) => ({
      type: 'Feature', properties: {id: f.id, name: f.name}, geometry: {type: 'Point', coordinates: [f.lon, f.lat]}}))};
    const circles = {type: 'FeatureCollection', features: shares.facilities.map((f) => ({
      type: 'Feature', properties: {id: f.id}, geometry: circlePolygon(f.lon, f.lat, shares.kind.distance_m)}))};
    this.show(uncovered, facilities, circles);
    this.render();
  }

  // Adds (or refills) the sources and layers: the uncovered fill under the grid lines.
  show(uncovered, facilities, circles) {
    const map = this.map;
    for (const [name, data] of [[uncoveredSource, uncovered], [facilitySource, facilities], [circleSource, circles]]) {
      if (map.getSource(name)) map.getSource(name).setData(data);
      else map.addSource(name, {type: 'geojson', data});
    }
    if (!map.hasImage('service-hatch')) map.addImage('service-hatch', hatchImage());
    const layers = [
      [{id: 'service-uncovered-fill', type: 'fill', source: uncoveredSource,
        paint: {'fill-pattern': 'service-hatch', 'fill-opacity': 0.8}}, 'grid-line'],
      [{id: 'service-circle-line', type: 'line', source: circleSource,
        paint: {'line-color': '#2b7a3d', 'line-width': 1.5, 'line-dasharray': [2, 2]}}, 'grid-label'],
      [{id: 'service-facility-points', type: 'circle', source: facilitySource,
        paint: {'circle-radius': 6, 'circle-color': '#2b7a3d', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2}},
      'grid-label'],
    ];
    // Moved into place again each time: a view's overlay may have been inserted there since.
    for (const [layer, before] of layers) {
      const at = map.getLayer(before) ? before : undefined;
      if (map.getLayer(layer.id)) map.moveLayer(layer.id, at);
      else map.addLayer(layer, at);
    }
  }

  hide() {
    for (const id of serviceCircleLayers) {
      if (this.map.getLayer(id)) this.map.removeLayer(id);
    }
  }

  // After a view switch back: the layers again, if a kind is chosen.
  reapply() {
    if (this.kind) this.choose(this.kind).catch(this.onError);
  }

  table() {
    const shares = this.shares;
    if (!shares) return null;
    const rows = shares.grids.slice(0, tableRows).map((grid) => el('tr', {'data-code': grid.code},
      el('td', {}, grid.name || grid.code),
      el('td', {class: 'count'}, `${grid.covered}/${grid.households}`),
      el('td', {class: 'count share'}, percent(grid.share))));
    return el('div', {class: 'service-shares'},
      el('p', {class: 'message service-total'},
        `${shares.kind.name}（${methodNames[shares.method]} ${shares.kind.distance_m} 米内）：` +
        `覆盖 ${shares.total.covered}/${shares.total.households} 户，覆盖率 ${percent(shares.total.share)}；` +
        `阴影为未覆盖区域，绿色虚线为服务半径${shares.method === 'network' ? '（直线，沿街道步行所及不超出此圈）' : ''}。`),
      shares.grids.length > tableRows ? el('p', {class: 'message'}, `覆盖率最低的 ${tableRows} 个网格：`) : null,
      el('table', {class: 'load-table service-table'},
        el('thead', {}, el('tr', {}, el('th', {}, '网格'), el('th', {class: 'count'}, '覆盖户数'),
          el('th', {class: 'count'}, '覆盖率'))),
        el('tbody', {}, rows)));
  }

  render() {
    const shown = this.root;
    if (!shown) return;
    shown.replaceWith(this.element());  // element() makes the new one this.root
  }

  // The panel section; the kinds load on first display.
  element() {
    const select = el('select', {name: 'service-kind', 'aria-label': '服务类型'},
      el('option', {value: ''}, '不显示'),
      (this.kinds || []).map((kind) => el('option', {value: kind.id, selected: kind.id === this.kind},
        `${kind.name}（${kind.distance_m}米）`)));
    select.addEventListener('change', () => this.choose(select.value).catch(this.onError));
    this.root = el('section', {class: 'service-circles'},
      el('h3', {}, '15分钟生活圈 ', select),
      this.kinds ? null : el('p', {class: 'message'}, '正在加载服务类型……'),
      this.table());
    if (!this.kinds) {
      this.kindsLoading ??= this.loadKinds();
      this.kindsLoading.then(() => this.render()).catch(this.onError);
    }
    return this.root;
  }
}
