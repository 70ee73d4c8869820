// Drafts in the planner view: create a draft, merge two neighbouring grids,
// see the incremental check and the household counts, run the full
// validation, draw a new grid over a neighbour and see the overlap, then
// publish a clean draft after the confirmation that lists the household moves.
// The server runs on its own copy of the sample store (publishing writes).

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {
  drawSquare, loadSample, openMap, pagePoint, polygonContains, renderedCodes, screenshot, useServerAndBrowser, waitIdle,
} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser({writable: true});

const [keep, absorb] = sample.gridCodes;  // 第1网格 and 第2网格 of the first community share a border
const gridOf = (code) => sample.grids.find((g) => g.properties.code === code);
const householdsIn = (code) => sample.households.filter((h) => polygonContains(gridOf(code).geometry, h.lngLat)).length;

async function discardDraft(page) {
  await page.locator('button.delete-draft').first().click();
  await page.locator('.draft-editor:not([data-draft])').waitFor({timeout: 10000});
}

// Drags with the mouse from one page point to another; `whileDown` runs before the button is let go.
async function drag(page, from, to, whileDown = async () => {}) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, {steps: 8});
  await whileDown();
  await page.mouse.up();
}

async function newDraft(page) {
  await page.locator('button.new-draft').click();
  const editor = page.locator('.draft-editor[data-draft]');
  await editor.waitFor({timeout: 15000});
  await waitIdle(page);
  return editor;
}

test('a drawn grid over its neighbours shows the overlap in the draft', {timeout: 60000}, async () => {
  const {page, errors} = await openMap(session, '#view=planner', {as: 'planner'});
  const editor = await newDraft(page);
  assert.deepEqual(await renderedCodes(page, 'draft-fill'), [], 'a new draft has no changed grids to draw');
  assert.deepEqual(await renderedCodes(page, 'planner-load-fill'), sample.gridCodes, 'the published grids come from the tiles');
  const listed = await editor.locator('select[name="draft-grid"] option').evaluateAll((options) =>
    options.map((o) => o.value).filter(Boolean).sort());
  assert.deepEqual(listed, [...sample.gridCodes, ...sample.dedicated.map((g) => g.properties.code)].sort(),
    'the grids in view are listed, the dedicated ones too');
  assert.ok(await page.locator('#map canvas').isVisible());

  await editor.locator('button.add-grid').click();
  await drawSquare(page, sample.pointIn(sample.gridCodes[4]), 60);
  const report = page.locator('.draft-report[data-kind="edit"]');
  await report.waitFor({timeout: 15000});
  assert.ok(await report.locator('.violations li[data-rule="overlap"]').count() > 0, 'the overlap is listed');
  await waitIdle(page);
  assert.ok(await page.evaluate(() => window.wanggeMap.queryRenderedFeatures({layers: ['violation-fill']}).length > 0),
    'the overlap is drawn');
  const added = await page.locator('select[name="draft-grid"]').inputValue();
  assert.match(added, /^\d{15}$/);
  assert.ok((await renderedCodes(page, 'draft-fill')).includes(added), 'the new grid is drawn');

  // A draft with errors cannot be published.
  await editor.locator('button.publish-draft').click();
  await page.locator('.tool-error', {hasText: '草案存在错误'}).waitFor({timeout: 15000});
  assert.equal(await page.locator('.publish-confirmation').count(), 0);
  await screenshot(page, 'drafts-overlap');
  await discardDraft(page);
  assert.deepEqual(errors, []);
  await page.close();
});

test('split a grid along a drawn line', {timeout: 60000}, async () => {
  const {page, errors} = await openMap(session, '#view=planner', {as: 'planner'});
  const editor = await newDraft(page);
  const code = sample.gridCodes[6];
  await editor.locator('select[name="draft-grid"]').selectOption(code);
  const ring = gridOf(code).geometry.coordinates[0];
  const [west, east] = [Math.min(...ring.map(([x]) => x)), Math.max(...ring.map(([x]) => x))];
  const [south, north] = [Math.min(...ring.map(([, y]) => y)), Math.max(...ring.map(([, y]) => y))];
  const middle = (south + north) / 2;
  const margin = (east - west) * 0.15;

  await editor.locator('button.split-grid').click();
  for (const lngLat of [[west - margin, middle], [east + margin, middle]]) {
    const point = await pagePoint(page, lngLat);
    await page.mouse.click(point.x, point.y);
  }
  await page.keyboard.press('Enter');
  await page.locator('.draft-report[data-kind="edit"]').waitFor({timeout: 15000});
  await waitIdle(page);
  const codes = await renderedCodes(page, 'draft-fill');
  const added = codes.filter((c) => !sample.gridCodes.includes(c));
  assert.equal(added.length, 1, 'the split made one new grid');
  assert.ok(codes.includes(code), 'the split grid keeps its code');
  // The line cuts through the grid's compounds: the live check names them and both halves (rule compound_split).
  const split = page.locator('.draft-report[data-kind="edit"] .violations li[data-rule="compound_split"]', {hasText: added[0]});
  assert.ok(await split.count() > 0, 'compound_split names the new grid');
  assert.match(await split.first().textContent(), new RegExp(`小区或楼栋跨网格 小区 .+ 的住户分属 \\d+ 个网格：.*${code}`));
  await screenshot(page, 'drafts-split');

  assert.deepEqual(errors, []);
  await discardDraft(page);
  await page.close();
});

test('dragging a vertex into a neighbour shows the overlap before saving, and dragging it back clears it', {timeout: 90000}, async () => {
  const {page, errors} = await openMap(session, '#view=planner', {as: 'planner'});
  const editor = await newDraft(page);
  await editor.locator('select[name="draft-grid"]').selectOption(keep);
  // A vertex the two grids share, and a point well inside the neighbour beyond it.
  const ring = gridOf(keep).geometry.coordinates[0];
  const theirs = new Set(gridOf(absorb).geometry.coordinates[0].map((p) => p.join()));
  const shared = ring.slice(0, -1).filter((p) => theirs.has(p.join()));
  const vertex = shared[Math.floor(shared.length / 2)];
  const inside = sample.pointIn(absorb);
  // Close in, so the drag back lands within the snap tolerance (1 m) of where it started.
  await page.evaluate((center) => window.wanggeMap.jumpTo({center, zoom: 18}), vertex);
  await waitIdle(page);
  await editor.locator('button.edit-boundary').click();
  await page.locator('button.save-boundary').waitFor({timeout: 10000});
  await waitIdle(page);

  const overlaps = () => page.evaluate(() => window.wanggeMap.queryRenderedFeatures({layers: ['violation-fill']})
    .filter((f) => f.properties.rule === 'overlap').length);
  const from = await pagePoint(page, vertex);
  const towards = await pagePoint(page, inside);
  const length = Math.hypot(towards.x - from.x, towards.y - from.y);
  const to = {x: from.x + (towards.x - from.x) / length * 60, y: from.y + (towards.y - from.y) / length * 60};
  // Checked while the button is still down, before anything is saved.
  const live = page.locator('.live-check');
  await drag(page, from, to, () => live.locator('li[data-rule="overlap"]').waitFor({timeout: 15000}));
  await page.locator('.live-check[data-state="false"] li[data-rule="overlap"]').waitFor({timeout: 15000});
  await waitIdle(page);
  assert.ok(await overlaps() > 0, 'the overlap is drawn on the map');
  assert.match(await live.textContent(), /重叠/);
  await screenshot(page, 'drafts-live-overlap');

  // Saving is refused with the list.
  await page.locator('button.save-boundary').click();
  await page.locator('.tool-error', {hasText: '边界有错误，未保存'}).waitFor({timeout: 15000});
  assert.match(await page.locator('.tool-error').textContent(), /重叠/);
  assert.equal(await page.locator('button.save-boundary').count(), 1, 'still editing');

  // Dragged back: the overlap goes away, and the boundary saves.
  await drag(page, to, await pagePoint(page, vertex));
  await page.locator('.live-check[data-state="true"]').waitFor({timeout: 15000});
  assert.equal(await live.locator('li[data-rule="overlap"]').count(), 0);
  await waitIdle(page);
  assert.equal(await overlaps(), 0, 'the overlap is no longer drawn');
  // The sample's compounds each span two grids (compound_split warnings): saving asks to confirm them.
  page.once('dialog', (dialog) => dialog.accept());
  await page.locator('button.save-boundary').click();
  await page.locator('.draft-editor .draft-tools').waitFor({timeout: 15000});
  assert.equal(await page.locator('.draft-report').getAttribute('data-kind'), 'edit');
  assert.equal(await page.locator('.draft-report[data-kind="edit"] li[data-rule="overlap"]').count(), 0);
  assert.deepEqual(errors, []);
  await discardDraft(page);
  await page.close();
});

test('merge, validate and publish a draft with the household moves confirmed', {timeout: 60000}, async () => {
  const {page, errors} = await openMap(session, '#view=planner', {as: 'planner'});
  const editor = await newDraft(page);
  await editor.locator('select[name="draft-grid"]').selectOption(keep);
  await editor.locator('select[name="draft-other"]').selectOption(absorb);
  await editor.locator('button.merge-grids').click();
  await page.locator('.draft-report[data-kind="edit"]').waitFor({timeout: 15000});
  await waitIdle(page);
  const drawn = await renderedCodes(page, 'draft-fill');
  assert.ok(drawn.includes(keep) && !drawn.includes(absorb), 'the absorbed grid is gone from the draft');
  const published = await renderedCodes(page, 'planner-load-fill');
  assert.ok(!published.includes(keep) && !published.includes(absorb), 'the tiles no longer draw the merged grids');

  const merged = householdsIn(keep) + householdsIn(absorb);
  const row = page.locator(`.load-table tr[data-code="${keep}"]`);
  assert.equal(await row.locator('.count').textContent(), String(merged), 'households of the merged grid');
  assert.equal(await row.getAttribute('class'), merged > 300 ? 'load-high' : merged < 100 ? 'load-low' : 'load-ok');

  await editor.locator('button.validate-draft').click();
  const full = page.locator('.draft-report[data-kind="full"] [data-valid]');
  await full.waitFor({timeout: 15000});
  assert.equal(await full.getAttribute('data-valid'), 'true', 'a merge of neighbours leaves no errors');

  await page.locator('button.publish-draft').click();
  const confirmation = page.locator('.publish-confirmation');
  await confirmation.waitFor({timeout: 15000});
  const moved = householdsIn(absorb);
  const absorbName = gridOf(absorb).properties.name;
  const keepName = gridOf(keep).properties.name;
  assert.match(await confirmation.textContent(), new RegExp(`预计共 ${moved} 户变更所属网格`));
  assert.match(await confirmation.locator('.publish-moves li').first().textContent(),
    new RegExp(`${moved} 户从 ${absorbName}（${absorb}） 划入 ${keepName}（${keep}）`));
  await screenshot(page, 'drafts-confirm');

  await confirmation.locator('button.confirm-publish').click();
  const result = page.locator('.publish-result');
  await result.waitFor({timeout: 20000});
  assert.match(await result.textContent(), new RegExp(`划转：住户 ${moved} 户`));
  assert.equal(await page.locator('.draft-editor[data-draft]').count(), 0, 'the draft is closed');
  const stillThere = await page.evaluate((code) => fetch(`../collections/grids/items?code=${code}`)
    .then((response) => response.json()).then((page) => page.features.length), absorb);
  assert.equal(stillThere, 0, 'the absorbed grid is no longer current');
  await screenshot(page, 'drafts-published');
  assert.deepEqual(errors, []);
  await page.close();
});
