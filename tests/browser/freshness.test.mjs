// Tile freshness (issue #5): a supervisor watches the map while a grid worker
// reports an incident elsewhere (through the API). The server pushes the
// change over /tiles/events, and the supervisor's map reloads just the
// incident tiles the change touched and shows the new case without a reload.
// The server runs on its own copy of the sample store (the report writes).

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {rangesContain} from '../../web-map/js/tile-refresh.js';
import {demoUsers, loadSample, openSupervisorOnGrid, reportIncident, screenshot, useServerAndBrowser, waitIdle} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser({writable: true});
const [workerGrid] = demoUsers.worker.grids;

function tileOf(url) {
  const [, z, x, y] = url.match(/\/tiles\/incidents\/(\d+)\/(\d+)\/(\d+)\.mvt/).map(Number);
  return {z, x, y};
}

test('a supervisor\'s map reloads just the incident tiles a new report touched', {timeout: 90000}, async () => {
  const {page, errors, place, cursor} = await openSupervisorOnGrid(session, sample, workerGrid);
  const visibleTiles = await page.evaluate(() => window.wanggeMap.style.tileManagers.incidents.getIds().length);
  assert.ok(visibleTiles > 1, 'the test needs several incident tiles in view');

  const reloaded = [];
  page.on('request', (request) => {
    if (/\/tiles\/incidents\/\d+\/\d+\/\d+\.mvt/.test(request.url())) reloaded.push(tileOf(request.url()));
  });
  const id = await reportIncident(session.server.url, 'worker', place);

  // The new case appears on the open map, from the reloaded tile.
  await page.waitForFunction((caseId) => window.wanggeMap.querySourceFeatures('incidents', {sourceLayer: 'incidents'})
    .some((feature) => feature.id === caseId), id, {timeout: 20000});
  await waitIdle(page);

  const changes = await (await page.request.get(`${session.server.url}/tiles/changes?after=${cursor}`)).json();
  const incidentChanges = changes.changes.filter((change) => change.layer === 'incidents');
  assert.equal(incidentChanges.length, 1, JSON.stringify(changes));
  const ranges = incidentChanges[0].tiles;
  assert.ok(reloaded.length >= 1, 'the touched tile was asked again');
  for (const tile of reloaded) assert.ok(rangesContain(ranges, tile), `tile ${JSON.stringify(tile)} was not touched`);
  assert.ok(reloaded.length < visibleTiles, `reloaded ${reloaded.length} of ${visibleTiles} tiles in view`);
  await screenshot(page, 'freshness-new-case');
  assert.deepEqual(errors, []);
  await page.close();
});
