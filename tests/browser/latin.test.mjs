// No English reaches a user (issue 19 item 4): walks the planner, supervisor
// and field views (sign-in form, panels, grid card, layout check, a draft, an
// incident form, failed requests) and fails on any Latin-script sentence a
// user can read: the page's visible text, the title / aria-label /
// placeholder / alt attributes (tooltips and screen readers) and the
// browser's validation messages. A "sentence" is a run of two or more Latin
// words; codes, numbers, units and the proper nouns below are allowed.

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {clickLngLat, loadSample, openMap, useServerAndBrowser, waitIdle} from './harness.mjs';

const sample = loadSample();
const session = useServerAndBrowser();

// Proper nouns that may appear as they are (product and data credits).
const allowed = ['MapLibre', 'OpenStreetMap contributors', 'OpenStreetMap'];

// Two or more Latin words separated by spaces (and punctuation before a space).
const sentence = /[A-Za-z]+(?:['’][A-Za-z]+)?(?:[,.;:!?]?[ \u00a0]+[A-Za-z]+(?:['’][A-Za-z]+)?)+/g;

export function latinSentences(texts) {
  const found = [];
  for (const text of texts) {
    let rest = text || '';
    for (const noun of allowed) rest = rest.replaceAll(noun, ' ');
    for (const match of rest.matchAll(sentence)) found.push(match[0]);
  }
  return found;
}

test('the detector finds the English the issue names and passes Chinese with codes', () => {
  assert.deepEqual(latinSentences(['Failed to fetch', '缩小', 'Zoom in']), ['Failed to fetch', 'Zoom in']);
  assert.deepEqual(latinSentences(['Please fill out this field.']), ['Please fill out this field']);
  assert.deepEqual(latinSentences(['502 Bad Gateway']), ['Bad Gateway']);
  assert.deepEqual(latinSentences(['网格 110105031001001（A岗）住户 110 户，100 m', 'MapLibre | © OpenStreetMap contributors',
    'planner', 'GeoJSON', '5 km']), []);
});

// Everything the user can read on the page now.
function readable(page) {
  return page.evaluate(() => {
    const texts = [document.title, document.body.innerText];
    for (const node of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
      for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
        if (node.hasAttribute(name)) texts.push(node.getAttribute(name));
      }
    }
    for (const node of document.querySelectorAll('input, select, textarea')) {
      if (node.validationMessage) texts.push(node.validationMessage);
    }
    return texts;
  });
}

async function expectChinese(page, where) {
  const english = latinSentences(await readable(page));
  assert.deepEqual(english, [], `English shown in ${where}`);
}

test('the sign-in form explains empty fields and a wrong password in Chinese', {timeout: 60000}, async () => {
  const {page} = await openMap(session, '#view=planner', {as: null});
  const form = page.locator('form.login-form');
  await form.waitFor({timeout: 10000});
  await expectChinese(page, 'the sign-in form');
  await form.locator('button[type="submit"]').click();
  await page.locator('.login-status.error', {hasText: '请输入用户名'}).waitFor({timeout: 10000});
  await expectChinese(page, 'the sign-in form submitted empty');
  await form.locator('input[name="username"]').fill('planner');
  await form.locator('button[type="submit"]').click();
  await page.locator('.login-status.error', {hasText: '请输入密码'}).waitFor({timeout: 10000});
  await form.locator('input[name="password"]').fill('not-the-password');
  await form.locator('button[type="submit"]').click();
  await page.locator('.login-status.error', {hasText: '用户名或密码错误'}).waitFor({timeout: 10000});
  await expectChinese(page, 'the sign-in form after a wrong password');
  await page.close();
});

test('the planner view, grid card, layout check and a draft are all Chinese', {timeout: 90000}, async () => {
  const {page} = await openMap(session, '#view=planner', {as: 'planner'});
  await expectChinese(page, 'the planner view');
  // The controls' tooltips come from MapLibre's locale option.
  assert.equal(await page.locator('.maplibregl-ctrl-zoom-in').getAttribute('title'), '放大');
  assert.equal(await page.locator('.maplibregl-canvas').getAttribute('aria-label'), '地图');
  assert.match(await page.locator('.maplibregl-ctrl-scale').textContent(), /\d+\s*(米|公里)/);

  await page.locator('button.check-layout').click();
  await page.locator('.validation-report [data-valid]').waitFor({timeout: 15000});
  await expectChinese(page, 'the layout check');

  // A failed request (no answer at all) is explained in Chinese, not as "Failed to fetch".
  await page.route('**/validate', (route) => route.abort('failed'));
  await page.locator('button.check-layout').click();
  await page.locator('.validation-report .error', {hasText: '无法连接服务器'}).waitFor({timeout: 15000});
  await expectChinese(page, 'a failed layout check');
  // A proxy's HTML error page (502 Bad Gateway) is named by its status.
  await page.unroute('**/validate');
  await page.route('**/validate', (route) => route.fulfill({
    status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>',
  }));
  await page.locator('button.check-layout').click();
  await page.locator('.validation-report .error', {hasText: '网关错误'}).waitFor({timeout: 15000});
  await expectChinese(page, 'a layout check answered by a proxy error page');
  await page.unroute('**/validate');

  // A draft: merge two neighbours, the edit's check, the full check and the household table.
  await page.locator('button.new-draft').click();
  const editor = page.locator('.draft-editor[data-draft]');
  await editor.waitFor({timeout: 15000});
  await waitIdle(page);
  await expectChinese(page, 'a new draft');
  await editor.locator('select[name="draft-grid"]').selectOption(sample.gridCodes[0]);
  await editor.locator('select[name="draft-other"]').selectOption(sample.gridCodes[1]);
  await editor.locator('button.merge-grids').click();
  await page.locator('.draft-report[data-kind="edit"]').waitFor({timeout: 15000});
  await page.locator('.load-table').waitFor({timeout: 15000});
  await expectChinese(page, 'a merge in the draft');
  assert.match(await page.locator('.household-load h4').textContent(), /目标 100–300 户/, 'the range comes from the server');
  await editor.locator('button.validate-draft').click();
  await page.locator('.draft-report[data-kind="full"] [data-valid]').waitFor({timeout: 15000});
  await expectChinese(page, 'the full check of a draft');
  await page.locator('button.delete-draft').first().click();
  await page.locator('.draft-editor:not([data-draft])').waitFor({timeout: 10000});

  // Last: the grid card replaces the view's tools in the panel.
  await clickLngLat(page, sample.pointIn(sample.gridCodes[3]));
  await page.locator(`.grid-card[data-code="${sample.gridCodes[3]}"]`).waitFor({timeout: 10000});
  await expectChinese(page, 'the grid card');
  await page.close();
});

test('the supervisor view is Chinese', {timeout: 60000}, async () => {
  const {page} = await openMap(session, '#view=supervisor', {as: 'supervisor'});
  await page.locator('.stats-chart').waitFor({timeout: 15000});
  await expectChinese(page, 'the supervisor view');
  await page.close();
});

test('the field view, its lookup card and incident form are Chinese, also when a lookup fails', {timeout: 60000}, async () => {
  const {page} = await openMap(session, '#view=field', {as: 'worker'});
  await expectChinese(page, 'the field view');
  const place = sample.pointIn('110105031001001');
  await page.locator('button.report-incident').click();
  await page.locator('.incident-picking').waitFor({timeout: 10000});
  await clickLngLat(page, place);
  const form = page.locator('form.incident-form');
  await form.waitFor({timeout: 10000});
  await form.locator('button.submit-report').click();
  await form.locator('.form-error', {hasText: '请选择事件类别'}).waitFor({timeout: 10000});
  await expectChinese(page, 'the incident form submitted empty');
  await form.locator('button.cancel-report').click();
  await form.waitFor({state: 'detached', timeout: 10000});

  await clickLngLat(page, place);
  await page.locator('.lookup-card').waitFor({timeout: 10000});
  await expectChinese(page, 'the lookup card');

  await page.route('**/lookup?*', (route) => route.fulfill({
    status: 504, contentType: 'text/html', body: '<html><body>504 Gateway Time-out</body></html>',
  }));
  await clickLngLat(page, place);
  await page.locator('.message.error', {hasText: '网关超时'}).waitFor({timeout: 10000});
  await expectChinese(page, 'a lookup answered by a proxy timeout page');
  await page.unroute('**/lookup?*');

  await page.close();
});
