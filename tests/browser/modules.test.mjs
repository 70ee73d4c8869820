// Unit tests of the web map's DOM-free modules, run by node directly.

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {nextChildCode} from '../../web-map/js/grid-codes.js';
import {GridIndex} from '../../web-map/js/grid-index.js';
import {trafficLight, withTrafficLights} from '../../web-map/js/incidents.js';
import {reassign} from '../../web-map/js/reassignment.js';
import {chooseView, viewsFor} from '../../web-map/js/roles.js';
import {circlePolygon, percent} from '../../web-map/js/service-circles.js';
import {heatQuery} from '../../web-map/js/sources.js';
import {choroplethColor, currentMonth, rateColor} from '../../web-map/js/stats.js';
import {loadSample} from './harness.mjs';

const hour = 3600 * 1000;
const dispatched = Date.parse('2026-11-20T08:00:00+08:00');
const incident = (state = 'dispatched') => ({
  state, dispatched_at: '2026-11-20T08:00:00+08:00', deadline: '2026-11-20T18:00:00+08:00',  // 10 h allowed
});

test('the traffic light turns yellow at 80 % of the allowed time and red past the deadline', () => {
  assert.equal(trafficLight(incident(), dispatched + 7.99 * hour), 'green');
  assert.equal(trafficLight(incident(), dispatched + 8 * hour), 'yellow');
  assert.equal(trafficLight(incident(), dispatched + 10 * hour), 'yellow');
  assert.equal(trafficLight(incident(), dispatched + 10.01 * hour), 'red');
});

test('finished or undispatched cases have no traffic light', () => {
  for (const state of ['closed', 'verified', 'voided']) assert.equal(trafficLight(incident(state), dispatched), null);
  assert.equal(trafficLight({state: 'reported', dispatched_at: null, deadline: null}, dispatched), null);
  assert.equal(trafficLight({state: 'filed', dispatched_at: 'not a time', deadline: '2026-11-20T18:00:00+08:00'}), null);
});

test('timestamps may be ISO 8601 text or epoch seconds', () => {
  const seconds = {state: 'in_progress', dispatched_at: dispatched / 1000, deadline: dispatched / 1000 + 36000};
  assert.equal(trafficLight(seconds, dispatched + 9 * hour), 'yellow');
  const collection = withTrafficLights({features: [{properties: incident()}, {properties: incident('closed')}]},
    dispatched + 11 * hour);
  assert.deepEqual(collection.features.map((f) => f.properties.light), ['red', undefined]);
});

test('the grid index finds grids by code prefix and name, and names their parents', () => {
  const sample = loadSample();
  const index = new GridIndex({features: sample.grids});
  const grid = sample.grids.find((g) => g.properties.level === 'grid').properties;
  assert.equal(index.search(grid.code)[0].code, grid.code, 'an exact code comes first');
  assert.equal(index.search(grid.name)[0].code, grid.code, 'an exact name comes first');
  const community = sample.grids.find((g) => g.properties.level === 'community').properties;
  const children = index.search(community.code, 100).map((g) => g.code);
  assert.ok(children.length > 1 && children.every((code) => code.startsWith(community.code)));
  assert.deepEqual(index.search('第', 3).length, 3, 'results are capped');
  assert.deepEqual(index.search('   '), []);
  assert.deepEqual(index.parents(grid.code).map((g) => g.level), ['street', 'community']);
  const [west, south, east, north] = index.bounds();
  assert.ok(west < 116.46 && east > 116.46 && south < 39.92 && north > 39.92, 'the sample lies around 116.46, 39.92');
});

test('a light sent by the server is kept', () => {
  const collection = withTrafficLights({features: [{properties: {...incident(), light: 'green'}}]}, dispatched + 11 * hour);
  assert.equal(collection.features[0].properties.light, 'green');
});

test('each role gets its views; a view the role lacks falls back to its first', () => {
  assert.deepEqual(viewsFor({role: 'planner'}), ['planner']);
  assert.deepEqual(viewsFor({role: 'grid_worker'}), ['field']);
  assert.deepEqual(viewsFor({role: 'department'}), ['department'], 'a department account: its cases only');
  assert.deepEqual(viewsFor({role: 'admin'}), ['planner', 'supervisor', 'field']);
  assert.deepEqual(viewsFor({role: 'unknown'}), []);
  assert.deepEqual(viewsFor(null), []);
  assert.equal(chooseView('planner', ['field']), 'field');
  assert.equal(chooseView('supervisor', ['planner', 'supervisor', 'field']), 'supervisor');
  assert.equal(chooseView('planner', []), null);
});

test('the choropleth colours grids by on-time rate class; no closed cases is grey', () => {
  assert.equal(rateColor(1), '#2e7d32');
  assert.equal(rateColor(0.95), '#2e7d32');
  assert.equal(rateColor(0.9), '#9ccc65');
  assert.equal(rateColor(0.6), '#ffb300');
  assert.equal(rateColor(0), '#e53935');
  assert.equal(rateColor(null), '#e0e0e0');
  assert.deepEqual(choroplethColor([{key: 'A', on_time_rate: 1}, {key: 'B', on_time_rate: null}]),
    ['match', ['get', 'code'], 'A', '#2e7d32', 'B', '#e0e0e0', '#e0e0e0']);
  assert.equal(choroplethColor([]), '#e0e0e0');
  assert.equal(currentMonth(Date.parse('2026-11-30T17:00:00Z')), '2026-12', 'months are Beijing time');
});

test('new grid codes follow the highest serial under the parent', () => {
  assert.equal(nextChildCode('110105031001', ['110105031001001', '110105031001007', '110105031002009']), '110105031001008');
  assert.equal(nextChildCode('110105031003', ['110105031001001']), '110105031003001');
  // Dedicated grids (专属网格) are numbered 901 on, apart from the base grids.
  const withSchool = ['110105031002001', '110105031002005', '110105031002901'];
  assert.equal(nextChildCode('110105031002', withSchool), '110105031002006');
  assert.equal(nextChildCode('110105031002', withSchool, {dedicated: true}), '110105031002902');
  assert.equal(nextChildCode('110105031001', ['110105031001001'], {dedicated: true}), '110105031001901');
});

test('publishing estimates: households moved between grids', () => {
  const square = (x0, y0, x1, y1) => ({type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]});
  const grid = (code, geometry, level = 'grid') => ({type: 'Feature', geometry, properties: {code, level}});
  // The draft moves the A|B border from x = 1 to x = 1.5.
  const draft = [grid('C', square(0, 0, 2, 1), 'community'), grid('A', square(0, 0, 1.5, 1)), grid('B', square(1.5, 0, 2, 1))];
  const household = (x, code) => ({type: 'Feature', geometry: {type: 'Point', coordinates: [x, 0.5]}, properties: {grid_code: code}});
  const {moves, counts} = reassign(draft, [household(0.5, 'A'), household(1.2, 'B'), household(1.3, 'B'), household(1.8, 'B')]);
  assert.deepEqual(moves, [{from: 'B', to: 'A', households: 2}]);
  assert.deepEqual(Object.fromEntries(counts), {A: 3, B: 1});
  const outside = reassign(draft, [household(5, 'A')]);
  assert.deepEqual(outside.moves, [{from: 'A', to: null, households: 1}], 'a household left outside every grid');
});

test('the heat tile filter: a time window, and a category only when one is chosen', () => {
  const dayAgo = (days) => new Date(Date.now() - days * 86400000).toLocaleDateString('sv-SE', {timeZone: 'Asia/Shanghai'});
  // heatQuery reads the clock too: should midnight (+08:00) fall between its reading and ours, try again.
  for (;;) {
    const [today, weekAgo] = [dayAgo(0), dayAgo(7)];
    const queries = [heatQuery(7), heatQuery(7, ''), heatQuery(0, '环境卫生')];
    if (dayAgo(0) !== today) continue;
    assert.deepEqual(queries[0], {from: weekAgo});
    assert.deepEqual(queries[1], {from: weekAgo});
    assert.deepEqual(queries[2], {from: today, category: '环境卫生'});
    break;
  }
});

test('a walking circle is drawn at its radius in metres, and shares as percentages', () => {
  // 0.001° at 39.9° N: 85.4 m east, 111.0 m north (the CGCS2000 ellipsoid's radii of curvature).
  const ring = circlePolygon(116.4, 39.9, 500).coordinates[0];
  assert.equal(ring.length, 65);
  assert.deepEqual(ring[0], ring[64]);
  assert.ok(Math.abs((ring[0][0] - 116.4) * 85395 - 500) < 1, `east ${ring[0]}`);
  assert.ok(Math.abs((ring[16][1] - 39.9) * 111034 - 500) < 1, `north ${ring[16]}`);
  assert.equal(percent(0.8), '80.0%');
  assert.equal(percent(null), '—');
});
