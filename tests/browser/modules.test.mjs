// Unit tests of the web map's DOM-free modules, run by node directly.

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {GridIndex} from '../../web-map/js/grid-index.js';
import {trafficLight, withTrafficLights} from '../../web-map/js/incidents.js';
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
