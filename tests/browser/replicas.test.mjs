// Replicas in step (issue #14): two `wangge serve` processes on one
// PostgreSQL database. A supervisor's map is open on replica B; a grid worker
// reports an incident through replica A. B learns of the write from the
// database's change table, publishes it, pushes the touched tiles over
// /tiles/events, and the supervisor's map shows the new case without a reload.
// The sample store is moved into a database of this test's own (wangge migrate).

import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {after, before, test} from 'node:test';

import {demoUsers, launchBrowser, loadSample, openSupervisorOnGrid, reportIncident, screenshot, startServer, waitIdle} from './harness.mjs';

const sample = loadSample();
const [workerGrid] = demoUsers.worker.grids;
const serverUrl = process.env.WANGGE_TEST_PG;
const database = `wangge_browser_replicas_${process.pid}`;
const databaseUrl = serverUrl && serverUrl.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);

function run(command, args) {
  const result = spawnSync(command, args, {encoding: 'utf8'});
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

const replicas = {};
before(async () => {
  if (!serverUrl) return;
  run('psql', [serverUrl, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${database}`]);
  run('psql', [databaseUrl, '-q', '-v', 'ON_ERROR_STOP=1', '-c', 'CREATE EXTENSION postgis']);
  run(process.env.WANGGE_BIN, ['migrate', '--from', process.env.WANGGE_SAMPLE_STORE, '--to', databaseUrl]);
  [replicas.a, replicas.b, replicas.browser] = await Promise.all([
    startServer({store: databaseUrl}), startServer({store: databaseUrl}), launchBrowser()]);
});

after(async () => {
  await replicas.browser?.close();
  await Promise.all([replicas.a?.stop(), replicas.b?.stop()]);
  if (serverUrl) run('psql', [serverUrl, '-q', '-c', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`]);
});

test('a case reported through one replica appears on a map connected to another', {timeout: 120000}, async (t) => {
  if (!serverUrl) return t.skip('WANGGE_TEST_PG is not set (scripts/test starts PostgreSQL and sets it)');
  const session = {browser: replicas.browser, server: replicas.b};
  const {page, errors, place, cursor} = await openSupervisorOnGrid(session, sample, workerGrid);

  const id = await reportIncident(replicas.a.url, 'worker', place, '另一台服务器上报的案件');

  // Replica B's map shows the case from its reloaded tile, within seconds.
  await page.waitForFunction((caseId) => window.wanggeMap.querySourceFeatures('incidents', {sourceLayer: 'incidents'})
    .some((feature) => feature.id === caseId), id, {timeout: 20000});
  await waitIdle(page);
  const changes = await (await page.request.get(`${replicas.b.url}/tiles/changes?after=${cursor}`)).json();
  assert.ok(changes.changes.some((change) => change.layer === 'incidents'), JSON.stringify(changes));
  const read = await page.request.get(`${replicas.b.url}/incidents/${id}`);
  assert.equal(read.status(), 200, await read.text());
  assert.equal((await read.json()).description, '另一台服务器上报的案件');
  await screenshot(page, 'replicas-case-from-another-server');
  assert.deepEqual(errors, []);
  await page.close();
});
