// The residents' page (public.html, no login): find one's grid by tapping the
// map (GET /lookup) or by a compound, building or grid name
// (GET /public/grids/search), then its public contact card with the grid's
// outline and QR code (GET /public/grids/{code}). #grid=CODE opens a grid's
// card directly: the QR code on the posted card links here.

import * as maplibregl from 'maplibre-gl';

import {apiUrl, getJSON, lookup, userMessage} from './api.js';
import {dutyNames, levelNames} from './labels.js';
import {mapLocale} from './map-locale.js';
import {el} from './panel.js';
import {loadBasemap} from './public-basemap.js';
import {detectTiles, sourceLayerName, vectorSourceSpec} from './sources.js';

const localFonts = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";
const defaultCamera = {center: [116.46, 39.92], zoom: 14};
const empty = {type: 'FeatureCollection', features: []};

const card = document.getElementById('card');
const results = document.querySelector('.public-results');

function showMessage(text, {error = false} = {}) {
  card.replaceChildren(el('p', {class: error ? 'message error' : 'message'}, text));
}

// The grid outlines: public vector tiles when the server has them, else the
// public grids collection.
async function gridLayers() {
  const tiles = await detectTiles(['grids']);
  const source = tiles.grids ? vectorSourceSpec('grids', tiles.grids) : {type: 'geojson', data: empty};
  const layer = tiles.grids ? {'source-layer': sourceLayerName('grids', tiles.grids)} : {};
  // One label per grid: the tiles' label points when they have them (a polygon cut at tile edges has several pieces).
  const labelPoints = (tiles.grids?.vector_layers || []).find((l) => /_labels$/.test(l.id));
  const labelLayer = labelPoints ? {'source-layer': labelPoints.id} : layer;
  const finest = ['in', ['get', 'level'], ['literal', ['grid', 'subgrid']]];
  return {
    source,
    usesTiles: Boolean(tiles.grids),
    layers: [
      {id: 'grid-fill', type: 'fill', source: 'grids', ...layer, filter: finest,
        paint: {'fill-color': '#3568a8', 'fill-opacity': 0.06}},
      {id: 'grid-line', type: 'line', source: 'grids', ...layer, filter: finest,
        paint: {'line-color': '#3568a8', 'line-width': 1.2}},
      {id: 'community-line', type: 'line', source: 'grids', ...layer, filter: ['==', ['get', 'level'], 'community'],
        paint: {'line-color': '#c0392b', 'line-width': 2.5}},
      {id: 'selected-fill', type: 'fill', source: 'selected', paint: {'fill-color': '#ff9800', 'fill-opacity': 0.25}},
      // No glyphs URL: MapLibre draws the names with the local CJK font (as the main map does).
      {id: 'grid-label', type: 'symbol', source: 'grids', ...labelLayer, minzoom: 14, filter: finest,
        layout: {'text-field': ['get', 'name'], 'text-font': ['Noto Sans CJK SC'], 'text-size': 12, 'text-max-width': 8},
        paint: {'text-color': '#17324f', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5}},
      {id: 'selected-line', type: 'line', source: 'selected', paint: {'line-color': '#ef6c00', 'line-width': 3.5}},
    ],
  };
}

async function buildStyle() {
  const [grids, basemap] = await Promise.all([gridLayers(), loadBasemap()]);
  const style = {
    version: 8,
    name: '网格公示',
    sources: {...(basemap?.sources || {}), grids: grids.source, selected: {type: 'geojson', data: empty}},
    layers: [{id: 'background', type: 'background', paint: {'background-color': '#f3f0e8'}},
      ...(basemap?.layers || []), ...grids.layers],
  };
  return {style, usesTiles: grids.usesTiles, hasBasemap: Boolean(basemap)};
}

function gridCodeFromHash() {
  const match = /(?:^#|&)grid=(\d+)/.exec(location.hash);
  return match ? match[1] : null;
}

function renderCard(grid) {
  const chain = [grid.street?.name, grid.community?.name].filter(Boolean).join(' › ');
  const staff = grid.staff.length === 0
    ? el('p', {class: 'message'}, '本网格暂未公布网格员。')
    : el('ul', {class: 'staff'}, grid.staff.map((person) => el('li', {class: 'staff-member'},
      el('span', {class: 'staff-name'}, person.name),
      el('span', {class: `duty ${person.duty}`}, dutyNames[person.duty] || person.duty),
      el('span', {class: 'role'}, person.role),
      person.phone ? el('a', {class: 'phone', href: `tel:${person.phone}`}, person.phone) : null,
      person.duty_days ? el('span', {class: 'duty-days'}, `值班：${person.duty_days}`) : null)));
  card.replaceChildren(el('article', {class: 'grid-card', 'data-code': grid.code},
    el('h2', {}, grid.name),
    el('p', {class: 'code'}, `${levelNames[grid.level] || '网格'}编码：${grid.code}`),
    chain ? el('p', {class: 'chain'}, chain) : null,
    el('h3', {}, '网格员联系方式'),
    staff,
    el('div', {class: 'qr'},
      el('img', {src: apiUrl(grid.qr).href, alt: `${grid.name}联系卡二维码`, width: 132, height: 132}),
      el('p', {}, '扫描二维码，在手机上打开本网格联系卡。'))));
}

async function showGrid(map, code, {fit = true} = {}) {
  showMessage('正在读取网格信息…');
  let grid;
  try {
    grid = await getJSON(apiUrl(`public/grids/${encodeURIComponent(code)}`));
  } catch (error) {
    showMessage(userMessage(error), {error: true});
    return;
  }
  renderCard(grid);
  map.getSource('selected').setData({type: 'Feature', properties: {code: grid.code}, geometry: grid.geometry});
  if (fit) {
    const [x0, y0, x1, y1] = grid.bbox;
    map.fitBounds([[x0, y0], [x1, y1]], {padding: 30, maxZoom: 17, duration: 0});
  }
  history.replaceState(null, '', `#grid=${grid.code}`);
}

async function onTap(map, lngLat) {
  showMessage('正在查找该位置所在网格…');
  try {
    const found = await lookup(lngLat.lng, lngLat.lat);
    if (!found) {
      showMessage('该位置不在任何网格内，请点击您住处所在的位置。');
      return;
    }
    await showGrid(map, found.grid.code, {fit: false});
  } catch (error) {
    showMessage(userMessage(error), {error: true});
  }
}

function renderResults(map, answer) {
  results.hidden = false;
  if (answer.results.length === 0) {
    results.replaceChildren(el('li', {class: 'empty'}, '没有找到匹配的小区、楼栋或网格，请换个名称试试。'));
    return;
  }
  const kinds = {compound: '小区', building: '楼栋', grid: '网格'};
  results.replaceChildren(...answer.results.map((place) => el('li', {class: `result ${place.kind}`},
    el('div', {class: 'place'}, `${place.label}（${kinds[place.kind]}）`),
    place.grids.map((grid) => {
      const button = el('button', {type: 'button', 'data-code': grid.code}, `${grid.name}（${grid.code}）`);
      button.addEventListener('click', () => {
        results.hidden = true;
        showGrid(map, grid.code);
      });
      return button;
    }))));
}

async function onSearch(map, query) {
  const text = query.trim();
  if (!text) {
    results.hidden = false;
    results.replaceChildren(el('li', {class: 'empty'}, '请输入小区、楼栋或网格名称。'));
    return;
  }
  try {
    const answer = await getJSON(apiUrl('public/grids/search', {q: text}));
    const only = answer.results.length === 1 && answer.results[0].grids.length === 1;
    if (only) {
      results.hidden = true;
      await showGrid(map, answer.results[0].grids[0].code);
    } else {
      renderResults(map, answer);
    }
  } catch (error) {
    results.hidden = false;
    results.replaceChildren(el('li', {class: 'empty error'}, userMessage(error)));
  }
}

async function fitToGrids(map, usesTiles) {
  if (usesTiles) {
    const tilejson = await getJSON(apiUrl('tiles/grids.json'));
    if (Array.isArray(tilejson.bounds)) {
      const [x0, y0, x1, y1] = tilejson.bounds;
      map.fitBounds([[x0, y0], [x1, y1]], {padding: 20, duration: 0});
    }
    return;
  }
  const page = await getJSON(apiUrl('collections/grids/items', {limit: 10000}));
  map.getSource('grids').setData(page);
  const xs = [];
  const ys = [];
  const walk = (c) => (typeof c[0] === 'number' ? (xs.push(c[0]), ys.push(c[1])) : c.forEach(walk));
  for (const feature of page.features) walk(feature.geometry.coordinates);
  if (xs.length) map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], {padding: 20, duration: 0});
}

async function start() {
  showMessage('正在加载地图…');
  let built;
  try {
    built = await buildStyle();
  } catch (error) {
    showMessage(userMessage(error), {error: true});
    return;
  }
  const map = new maplibregl.Map({
    container: 'map', style: built.style, ...defaultCamera, localIdeographFontFamily: localFonts,
    attributionControl: {compact: true}, locale: mapLocale, dragRotate: false, pitchWithRotate: false,
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({showCompass: false}), 'top-left');
  map.addControl(new maplibregl.ScaleControl({unit: 'metric', maxWidth: 100}), 'bottom-left');
  window.wanggeMap = map;
  await new Promise((resolve) => map.once('load', resolve));
  map.on('click', (event) => onTap(map, event.lngLat));
  document.querySelector('.public-search').addEventListener('submit', (event) => {
    event.preventDefault();
    onSearch(map, new FormData(event.target).get('q') || '');
  });
  const code = gridCodeFromHash();
  try {
    if (code) {
      if (!built.usesTiles) await fitToGrids(map, false);
      await showGrid(map, code);
    } else {
      await fitToGrids(map, built.usesTiles);
      showMessage('点击地图上您住处的位置，或在上方输入小区、楼栋名称。');
    }
  } catch (error) {
    showMessage(userMessage(error), {error: true});
  }
  document.body.dataset.basemap = built.hasBasemap ? 'on' : 'off';
}

window.wanggeReady = start();
