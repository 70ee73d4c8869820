// Shared setup of the browser tests: starts `wangge serve` on the sample store
// (or uses WANGGE_TEST_URL), drives Debian's Chromium through playwright-core,
// and reads the sample community from data/ as the independent expectation.

import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {after, before} from 'node:test';

import {chromium} from 'playwright-core';

import {geometryContains as polygonContains} from '../../web-map/js/reassignment.js';

export const sourceDir = process.env.WANGGE_SOURCE_DIR
  || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotDir = process.env.WANGGE_SCREENSHOT_DIR || path.join(os.tmpdir(), 'wangge-screenshots');

const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--use-gl=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic',
];

// --- the sample community, read straight from data/ ---------------------------

// The rows of a data/ CSV file as objects keyed by its header.
export function readCsv(name) {
  const [header, ...rows] = fs.readFileSync(path.join(sourceDir, 'data', name), 'utf8').trim().split('\n');
  const keys = header.split(',');
  return rows.map((row) => Object.fromEntries(row.split(',').map((value, i) => [keys[i], value])));
}

// The map's own point-in-polygon (tested in modules.test.mjs) picks sample households by grid.
export {polygonContains};

export function loadSample() {
  const grids = JSON.parse(fs.readFileSync(path.join(sourceDir, 'data', 'grids.geojson'), 'utf8')).features;
  const staff = new Map(readCsv('staff.csv').map((member) => [member.id, member]));
  const links = readCsv('staff_grids.csv');
  const householdRows = readCsv('households.csv');
  const households = householdRows.map((h) => [Number(h.lon), Number(h.lat)]);
  return {
    grids,
    householdCount: householdRows.length,
    households: householdRows.map((h) => ({id: Number(h.id), tags: h.tags, lngLat: [Number(h.lon), Number(h.lat)]})),
    incidents: readCsv('incidents.csv').map(({category, state, lon, lat}) => ({category, state, lngLat: [Number(lon), Number(lat)]})),
    gridCodes: grids.filter((g) => g.properties.level === 'grid').map((g) => g.properties.code).sort(),
    // The dedicated grids (专属网格) scripts/load-sample lays over them.
    dedicated: JSON.parse(fs.readFileSync(path.join(sourceDir, 'data', 'dedicated_grids.geojson'), 'utf8')).features,
    staffOf: (code) => links.filter((link) => link.grid_code === code).map((link) => staff.get(link.staff_id).name).sort(),
    // A household location inside the grid: at least 5 m from its border (data/README.md).
    pointIn: (code) => {
      const grid = grids.find((g) => g.properties.code === code);
      return households.find((point) => polygonContains(grid.geometry, point));
    },
  };
}

// --- the server ------------------------------------------------------------------

// Starts `wangge serve --port 0` and resolves with its base URL once it prints
// "wangge: serving N grids on http://HOST:PORT".
// With `writable`, the server gets its own copy of the sample store (tests
// that publish or report must not change what the other tests read).
// `categories`: a category table file instead of data/categories.json.
// `basemap`: serve the sample's basemap (scripts/load-sample writes it next to the store).
// `store`: serve this store (e.g. a postgresql:// address) instead of the sample file.
export async function startServer({writable = false, categories = null, basemap = false, store: given = null} = {}) {
  if (process.env.WANGGE_TEST_URL && !given) return {url: process.env.WANGGE_TEST_URL.replace(/\/$/, ''), stop: async () => {}};
  const binary = process.env.WANGGE_BIN;
  const sampleStore = process.env.WANGGE_SAMPLE_STORE;
  if (!binary || !sampleStore) throw new Error('set WANGGE_BIN and WANGGE_SAMPLE_STORE (ctest does), or WANGGE_TEST_URL');
  const copyDir = writable && !given ? fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-browser-')) : null;
  const store = given || (copyDir ? path.join(copyDir, 'sample.gpkg') : sampleStore);
  if (copyDir) fs.copyFileSync(sampleStore, store);
  const child = spawn(binary, ['serve', '--store', store, '--port', '0',
    '--web', path.join(sourceDir, 'web-map'), '--styles', path.join(sourceDir, 'styles'),
    '--categories', categories || path.join(sourceDir, 'data', 'categories.json'),
    ...(basemap ? ['--basemap', sampleStore.replace(/\.gpkg$/, '.basemap.mbtiles')] : [])],
  {stdio: ['ignore', 'pipe', 'pipe']});
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wangge serve did not start within 20 s:\n${output}`)), 20000);
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(/wangge: serving \d+ grids on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/$/, ''));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wangge serve exited with ${code}:\n${output}`));
    });
  });
  const removeCopy = () => copyDir && fs.rmSync(copyDir, {recursive: true, force: true});
  return {
    url,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(removeCopy());
      child.once('exit', () => resolve(removeCopy()));
      child.kill('SIGTERM');
    }),
  };
}

// One server and one browser for all tests of a file: registers the node:test
// hooks and returns an object whose `server` and `browser` are set before the tests run.
export function useServerAndBrowser(serverOptions = {}) {
  const session = {};
  before(async () => {
    [session.server, session.browser] = await Promise.all([startServer(serverOptions), launchBrowser()]);
  });
  after(async () => {
    await session.browser?.close();
    await session.server?.stop();
  });
  return session;
}

// --- the browser -----------------------------------------------------------------

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: chromiumArgs,
    timeout: 20000,
  });
}

// Resources the map is expected to be refused: the feature tests
// (/tiles/{layer}.json → 404 until tiles exist, /basemap.json → 404 without
// a basemap) and the data that needs a login.
function isExpectedRefusal(message) {
  const url = message.location().url || '';
  return /Failed to load resource/.test(message.text())
    && (/\/tiles\/\w+\.json$/.test(url) || /\/basemap\.json$/.test(url) || /status of 40[13]/.test(message.text()));
}

// The accounts scripts/load-sample --demo-users creates (ctest's sample store has them).
export const demoPassword = 'wangge-demo';
export const demoUsers = {
  admin: {role: 'admin', grids: []},
  planner: {role: 'planner', grids: []},
  supervisor: {role: 'supervisor', grids: ['110105031']},
  worker: {role: 'grid_worker', grids: ['110105031001001'], staffId: 3},
  chengguan: {role: 'department', grids: ['chengguan']},
};

// Reports a case at `place` ([lon, lat]) through the API of the server at
// `url`, signed in as the demo user `username` (a bearer token, as a field
// app would); returns the new case's id.
export async function reportIncident(url, username, place, description = '楼顶私搭乱建') {
  const login = await fetch(`${url}/auth/login`, {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({username, password: demoPassword}),
  });
  if (login.status !== 200) throw new Error(`login of ${username} failed: ${login.status} ${await login.text()}`);
  const {token} = await login.json();
  const reported = await fetch(`${url}/incidents`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', Authorization: `Bearer ${token}`},
    body: JSON.stringify({category: '违法建设', triage: 'general', source: '网格员巡查', description,
      lon: place[0], lat: place[1]}),
  });
  if (reported.status !== 201) throw new Error(`the report failed: ${reported.status} ${await reported.text()}`);
  return (await reported.json()).id;
}

// A supervisor's map of the session's server, centred on a point of `grid`
// at zoom 16, once its tiles have drawn and its change feed has a cursor:
// what the tile-freshness tests then write against.
export async function openSupervisorOnGrid(session, sample, grid) {
  const {page, errors} = await openMap(session, '#view=supervisor', {as: 'supervisor'});
  const place = sample.pointIn(grid);
  await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 16}), place);
  await waitIdle(page);
  const cursor = await page.waitForFunction(() => window.wanggeTileRefresher.lastCursor, null, {timeout: 15000})
    .then((handle) => handle.jsonValue());
  return {page, errors, place, cursor};
}

// Signs the page's browser context in through the API (the session cookie is
// then the context's): the tests of the login form itself use the form.
export async function signIn(page, url, username) {
  const response = await page.request.post(`${url}/auth/login`, {data: {username, password: demoPassword}});
  if (!response.ok()) throw new Error(`login of ${username} failed: ${response.status()} ${await response.text()}`);
}

// Opens the map of the session's server at `hash` (query and/or fragment),
// signed in as `as` (a demo user name; null: signed out, and then the page is
// returned as soon as it loaded, showing the login form), and waits for
// window.wanggeReady. Other options go to browser.newPage.
// Returns the page and the list of console errors seen so far (kept up to date).
export async function openMap({browser, server}, hash = '', {as = 'admin', ...pageOptions} = {}) {
  const page = await browser.newPage({
    viewport: {width: 1280, height: 800}, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...pageOptions,
  });
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !isExpectedRefusal(message)) errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  if (as) await signIn(page, server.url, as);
  await page.goto(`${server.url}/map/${hash}`, {waitUntil: 'load', timeout: 20000});
  if (!as) return {page, errors};
  await page.waitForFunction(() => window.wanggeReady !== undefined, null, {timeout: 10000});
  await page.evaluate(() => window.wanggeReady);
  return {page, errors};
}

// Waits until the current view (after a switch) has loaded and drawn.
export async function waitReady(page) {
  await page.waitForFunction(() => window.wanggeMap !== undefined, null, {timeout: 10000});
  return page.evaluate(() => window.wanggeReady);
}

// Waits until the map has drawn everything after a camera or filter change.
export function waitIdle(page) {
  return page.evaluate(() => new Promise((resolve) => {
    window.wanggeMap.once('idle', resolve);
    window.wanggeMap.triggerRepaint();
  }));
}

// Codes of the features drawn by `layer` in the viewport.
export function renderedCodes(page, layer) {
  return page.evaluate((id) => [...new Set(window.wanggeMap.queryRenderedFeatures({layers: [id]})
    .map((feature) => feature.properties.code))].sort(), layer);
}

// The page position of a lon/lat on the map.
export async function pagePoint(page, lngLat) {
  return page.evaluate((ll) => {
    const {x, y} = window.wanggeMap.project(ll);
    const box = window.wanggeMap.getCanvas().getBoundingClientRect();
    return {x: box.left + x, y: box.top + y};
  }, lngLat);
}

// Clicks the map at a lon/lat.
export async function clickLngLat(page, lngLat) {
  const point = await pagePoint(page, lngLat);
  await page.mouse.click(point.x, point.y);
}

// Draws a square of 2 × `half` pixels around a lon/lat with the active
// terra-draw polygon mode, finishing with Enter.
export async function drawSquare(page, lngLat, half) {
  const centre = await pagePoint(page, lngLat);
  for (const [dx, dy] of [[-half, -half], [half, -half], [half, half], [-half, half]]) {
    await page.mouse.click(centre.x + dx, centre.y + dy);
  }
  await page.keyboard.press('Enter');
}

export async function screenshot(page, name) {
  fs.mkdirSync(screenshotDir, {recursive: true});
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({path: file});
  return file;
}

// The case page (web-map/js/case-actions.js): the action buttons of the open
// case `id` once it shows `state`.
export async function caseButtons(page, id, state) {
  const card = page.locator(`.case-card[data-id="${id}"][data-state="${state}"]`);
  await card.waitFor({timeout: 10000});
  return card.locator('button.case-action').evaluateAll((buttons) => buttons.map((b) => b.dataset.action));
}

// Opens the case page of `incident` ({lon, lat}) by clicking it on the map.
export async function openCaseOnMap(page, incident) {
  await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 20}), [incident.lon, incident.lat]);
  await waitIdle(page);
  await clickLngLat(page, [incident.lon, incident.lat]);
}
