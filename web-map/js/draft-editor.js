// Draft layouts in the planner view (DESIGN §4): create or open a draft, edit
// its grids (boundary with vertex editing and snapping, new grid, split,
// merge, shared border), see the check of a boundary while its vertices are
// dragged (live, nothing saved; saving refused while it has errors) and the
// incremental check after every edit, run the
// full validation, compare household counts with the server's target range, and
// publish after confirming the estimated household moves. The server's
// /drafts API does the geometry; this module only asks and shows.
//
// A draft is its changes over the published layout: the map draws the
// unchanged grids from the grid tiles (hiding the changed and deleted ones)
// and the changed ones from the draft. The exact geometry of published grids
// is fetched only around the grid being edited (OGC API Features, by bbox),
// so opening a draft of a whole city costs what the draft changed.

import {ApiError, fetchCollection} from './api.js';
import {checkDraftGrid, createDraft, deleteDraft, draftEdits, getDraft, publishDraft, rememberedDrafts, validateDraft} from './drafts-api.js';
import {nextChildCode} from './grid-codes.js';
import {bboxOf} from './grid-index.js';
import {el} from './panel.js';
import {centreOf, geometryContains, leafGrids, reassign} from './reassignment.js';
import {householdRange, ruleOptions} from './rules.js';
import {drawViolations, reportElement, ruleNames} from './violations.js';

// The purposes a dedicated grid (专属网格) is drawn for.
const dedicatedPurposes = ['学校', '市场', '产业园区', '外来人口聚居区', '医院', '商务楼宇'];

// The grids a planner edits one by one: the leaf grids and the dedicated grids over them.
function editableGrids(features) {
  return features.filter((f) => f.properties.level === 'dedicated').concat(leafGrids(features));
}

// A dedicated grid lies on top: a click there means it.
const onTopFirst = (a, b) => rank(a) - rank(b);
function rank(feature) {
  return {dedicated: 0, subgrid: 1}[feature.properties.level] ?? 2;
}

// Against the household_count rule's range, as the server configures it (GET /rules).
function loadClass(count, rules) {
  if (count < rules.households_min) return 'low';
  return count > rules.households_max ? 'high' : 'ok';
}

const loadText = {low: '偏少', ok: '达标', high: '偏多'};

// The /snap tolerance a saved boundary gets (the server's default), so the
// live check judges the boundary as it would be saved.
const snapToleranceM = 1;

// At most this many violations are named in a refusal or a confirmation.
const namedViolations = 5;

// Above this many grids the panel lists only those in view.
const listLimit = 300;

function intersects(a, b) {
  return Boolean(a && b) && a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

// Bounds of a set of features' bboxes.
function unionOfBoxes(boxes) {
  return boxes.reduce((box, b) => [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])]);
}

// A bbox grown by a share of its larger side on every side.
function grown([west, south, east, north], share) {
  const margin = Math.max(east - west, north - south) * share;
  return [west - margin, south - margin, east + margin, north + margin];
}

// The published grid layers that give way to the draft's changed grids.
const publishedLayers = ['planner-load-fill', 'grid-line', 'grid-label'];

function moveText(move, nameOfGrid) {
  const from = move.from ? nameOfGrid(move.from) : '无网格';
  const to = move.to ? nameOfGrid(move.to) : '无网格';
  return `${move.households} 户从 ${from} 划入 ${to}`;
}

export class DraftEditor {
  // drawing: the map's Drawing; onError(error) reports in the panel.
  constructor(map, drawing, onError) {
    this.map = map;
    this.drawing = drawing;
    this.onError = onError;
    this.root = el('section', {class: 'draft-editor'});
    this.bboxes = new Map();  // code → bbox of the draft's grids
    this.onMoveEnd = null;
    this.draft = null;  // GET /drafts/{id} answer: changed features (updated by edits) and deleted codes
    this.base = new Map();  // code → exact published feature, fetched around the edited grids
    this.baseFilters = new Map();  // published layer → its filter in the style
    this.selected = null;  // code of the selected draft grid
    this.report = null;  // last report (incremental or full)
    this.reportKind = null;  // 'edit' | 'full'
    this.households = null;  // {moves, counts} estimate for the current draft
    this.pendingAction = null;  // name of the drawing in progress
    this.editedGeometry = null;  // () => the polygon being edited (edit boundary)
    // The live check of the boundary being edited: {code, node, report,
    // geometry (the one checked), inFlight (promise), again}.
    this.live = null;
    this.confirmation = null;  // publish preview shown
    this.result = null;  // last publish answer
    this.busy = false;
  }

  get editing() {
    return Boolean(this.pendingAction);
  }

  // --- panel ---------------------------------------------------------------

  element() {
    const root = this.draft ? this.draftSection() : this.listSection();
    this.root.replaceWith(root);
    this.root = root;
    return root;
  }

  refresh() {
    this.element();
  }

  button(label, className, action, {disabled = false} = {}) {
    const node = el('button', {type: 'button', class: className, disabled: disabled || this.busy}, label);
    node.addEventListener('click', () => this.run(action));
    return node;
  }

  // Runs one user action: busy while it lasts, errors into the panel.
  async run(action) {
    this.busy = true;
    this.refresh();
    try {
      await action();
    } catch (error) {
      this.onError(error);
    } finally {
      this.busy = false;
      this.refresh();
    }
  }

  listSection() {
    const ids = rememberedDrafts();
    return el('section', {class: 'draft-editor'},
      el('h3', {}, '网格调整草案'),
      this.result ? this.resultElement() : null,
      el('div', {class: 'buttons'}, this.button('新建草案', 'new-draft', () => this.create())),
      ids.length === 0 ? el('p', {class: 'message'}, '暂无草案。新建草案后可调整网格边界，检查无误后发布。')
        : el('ul', {class: 'draft-list'}, ids.map((id) => el('li', {'data-id': id},
          el('span', {}, `草案 ${id}`), ' ',
          this.button('打开', 'open-draft', () => this.open(id)),
          this.button('删除', 'delete-draft', () => this.discard(id))))));
  }

  // Codes of published grids the draft changed or deleted.
  hiddenCodes() {
    return this.draft ? [...this.draft.features.map((f) => f.properties.code), ...this.draft.deleted] : [];
  }

  // Leaf and dedicated grids in view: the draft's changed ones and the published ones drawn
  // from the tiles (their properties only), plus the selected one; at most listLimit.
  listedGrids() {
    const [[west, south], [east, north]] = this.map.getBounds().toArray();
    const view = [west, south, east, north];
    const hidden = new Set(this.hiddenCodes());
    const listed = new Map();
    for (const f of editableGrids(this.draft.features)) {
      if (f.properties.code === this.selected || intersects(this.bboxes.get(f.properties.code), view)) listed.set(f.properties.code, f);
    }
    const selectedBase = this.base.get(this.selected);
    if (selectedBase && !hidden.has(this.selected)) listed.set(this.selected, selectedBase);
    const layers = ['planner-load-fill', 'dedicated-fill'].filter((id) => this.map.getLayer(id));
    for (const f of layers.length > 0 ? this.map.queryRenderedFeatures({layers}) : []) {
      const {code} = f.properties;
      if (!hidden.has(code) && !listed.has(code)) listed.set(code, {type: 'Feature', geometry: null, properties: {...f.properties}});
    }
    return editableGrids([...listed.values()]).slice(0, listLimit);
  }

  // Sibling grids whose bbox touches the selected grid's: the candidates for
  // merge and shared borders (the server refuses grids of another parent).
  neighbours() {
    const selected = this.feature(this.selected);
    const box = this.bboxes.get(this.selected);
    if (!selected || !box) return [];
    return this.editableInDraft()
      .filter((f) => f.properties.code !== this.selected && f.properties.parent_code === selected.properties.parent_code
        && f.properties.level === selected.properties.level && intersects(this.bboxes.get(f.properties.code), box));
  }

  // The draft's leaf and dedicated grids with known geometry: the changed ones
  // and the fetched published ones the draft kept.
  editableInDraft() {
    const hidden = new Set(this.hiddenCodes());
    const kept = [...this.base.values()].filter((f) => !hidden.has(f.properties.code));
    return editableGrids([...this.draft.features, ...kept]);
  }

  draftSection() {
    const byCode = (a, b) => a.properties.code.localeCompare(b.properties.code);
    const leaves = this.listedGrids().sort(byCode);
    const options = (features, selected) => features.map(({properties: p}) =>
      el('option', {value: p.code, selected: p.code === selected}, `${p.name}（${p.code}）`));
    const select = el('select', {name: 'draft-grid', 'aria-label': '选择网格'},
      el('option', {value: ''}, '— 选择网格（或点击地图）—'), options(leaves, this.selected));
    select.addEventListener('change', () => this.run(() => this.select(select.value || null)));
    const other = el('select', {name: 'draft-other', 'aria-label': '相邻网格'},
      el('option', {value: ''}, '— 相邻网格 —'), options(this.neighbours().sort(byCode), null));
    const none = !this.selected;
    const purpose = el('select', {name: 'dedicated-purpose', 'aria-label': '专属类型'},
      dedicatedPurposes.map((name) => el('option', {value: name}, name)));
    const withOther = (action) => () => {
      if (!other.value) throw new Error('请先选择另一网格');
      return action(other.value);
    };
    return el('section', {class: 'draft-editor', 'data-draft': this.draft.id},
      el('h3', {}, `草案 ${this.draft.id}（基于第 ${this.draft.base_version} 版）`),
      el('div', {class: 'buttons'},
        this.button('关闭草案', 'close-draft', () => this.close()),
        this.button('删除草案', 'delete-draft', () => this.discard(this.draft.id))),
      el('label', {class: 'field'}, '网格', select),
      el('p', {class: 'message draft-changes'}, `已修改 ${this.draft.features.length} 个网格、删除 ${this.draft.deleted.length} 个；列表为当前视野内的网格。`),
      this.editing ? this.drawingHint() : el('div', {class: 'buttons draft-tools'},
        this.button('编辑边界', 'edit-boundary', () => this.editBoundary(), {disabled: none}),
        this.button('新增网格', 'add-grid', () => this.addGrid()),
        this.button('拆分', 'split-grid', () => this.split(), {disabled: none})),
      this.editing ? null : el('div', {class: 'buttons draft-dedicated'}, purpose,
        this.button('新增专属网格', 'add-dedicated-grid', () => this.addGrid(purpose.value))),
      this.editing ? null : el('div', {class: 'buttons draft-pair'}, other,
        this.button('合并入所选网格', 'merge-grids', withOther((absorb) => this.merge(absorb)), {disabled: none}),
        this.button('调整共用边界', 'move-border', withOther((b) => this.moveBorder(b)), {disabled: none})),
      el('div', {class: 'buttons'},
        this.button('全面检查', 'validate-draft', () => this.validate()),
        this.button('发布', 'publish-draft', () => this.preview())),
      this.confirmation ? this.confirmationElement() : null,
      this.reportElement(),
      this.loadTable(leaves));
  }

  drawingHint() {
    const texts = {
      boundary: '拖动顶点修改边界（新顶点会吸附到相邻网格的顶点和边），完成后点击“保存边界”。',
      polygon: '在地图上依次点击新网格的边界点，按回车键或点击起点完成。',
      split: '画一条穿过所选网格的分割线，按回车键完成。',
      border: '画出新的共用边界线（两端落在原边界上），按回车键完成。',
    };
    const boundary = this.pendingAction === 'boundary';
    const save = boundary ? this.button('保存边界', 'save-boundary', () => this.saveBoundary()) : null;
    return el('div', {class: 'drawing-hint'}, el('p', {class: 'message'}, texts[this.pendingAction]),
      boundary && this.live ? this.live.node : null,
      el('div', {class: 'buttons'}, save, this.button('取消', 'cancel-drawing', async () => this.cancelDrawing())));
  }

  reportElement() {
    if (!this.report) return el('div', {class: 'validation-report draft-report'});
    const titles = {full: '全面检查结果', edit: '本次修改的检查结果', changes: '草案修改的检查结果'};
    const title = titles[this.reportKind];
    const shown = el('div', {class: 'validation-report draft-report', 'data-kind': this.reportKind},
      el('h4', {}, title), ...reportElement(this.map, this.report).filter(Boolean));
    // While a boundary is edited the map shows its live check, not the last edit's.
    if (this.live?.report) drawViolations(this.map, this.live.report.violations || []);
    return shown;
  }

  // Households per draft grid against the target range.
  loadTable(leaves) {
    if (!this.households) return null;
    const {counts, rules} = this.households;
    return el('section', {class: 'household-load'},
      el('h4', {}, `住户数（目标 ${householdRange(rules)} 户）`),
      el('table', {class: 'load-table'},
        el('thead', {}, el('tr', {}, el('th', {}, '网格'), el('th', {}, '住户'), el('th', {}, ''))),
        el('tbody', {}, leaves.map(({properties: p}) => {
          const count = counts.get(p.code) ?? p.household_count ?? 0;
          const load = loadClass(count, rules);
          return el('tr', {'data-code': p.code, class: `load-${load}`},
            el('td', {}, p.name), el('td', {class: 'count'}, String(count)), el('td', {class: 'state'}, loadText[load]));
        }))));
  }

  confirmationElement() {
    const {moves, warnings} = this.confirmation;
    const nameOfGrid = (code) => this.gridName(code);
    const total = moves.reduce((sum, move) => sum + move.households, 0);
    return el('section', {class: 'publish-confirmation', role: 'dialog', 'aria-label': '确认发布'},
      el('h4', {}, '确认发布'),
      el('p', {class: 'message publish-total'}, total === 0 ? '发布后没有住户变更所属网格。' : `预计共 ${total} 户变更所属网格：`),
      moves.length === 0 ? null : el('ul', {class: 'publish-moves'}, moves.map((move) => el('li', {}, moveText(move, nameOfGrid)))),
      warnings > 0 ? el('p', {class: 'warning'}, `草案有 ${warnings} 条提示，确认后仍将发布。`) : null,
      el('div', {class: 'buttons'},
        this.button('确认发布', 'confirm-publish', () => this.publish()),
        this.button('取消', 'cancel-publish', async () => { this.confirmation = null; })));
  }

  resultElement() {
    const {moved} = this.result;
    return el('section', {class: 'publish-result', 'data-version': String(this.result.version)},
      el('p', {class: 'message ok'}, `已发布第 ${this.result.version} 版网格（${this.result.grids} 个网格），生效时间 ${this.result.valid_from}。`),
      el('p', {class: 'message'}, `划转：住户 ${moved.households} 户，设施 ${moved.facilities} 处，在办事件 ${moved.incidents} 件。`),
      moved.pairs.length === 0 ? null : el('ul', {class: 'publish-moves'}, moved.pairs.map((pair) => el('li', {}, pair.message))),
      ...staffingElements(this.result.staff),
      el('p', {class: 'message'}, '刷新页面即可看到新的网格布局。'));
  }

  gridName(code) {
    const feature = this.draft?.features.find((f) => f.properties.code === code) || this.base.get(code);
    return feature ? `${feature.properties.name}（${code}）` : code;
  }

  // --- drafts ----------------------------------------------------------------

  async create() {
    const created = await createDraft();
    await this.open(created.id);
  }

  async open(id) {
    this.result = null;
    try {
      this.draft = await getDraft(id);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        await deleteDraft(id).catch(() => {});
        throw new Error(`草案 ${id} 已不存在（服务器重启后草案会丢失）`);
      }
      throw error;
    }
    this.selected = null;
    this.base = new Map();
    this.report = {valid: this.draft.valid, violations: this.draft.violations, summary: summarise(this.draft.violations)};
    this.reportKind = 'changes';
    await this.updateHouseholds();
    this.showDraft();
  }

  close() {
    this.cancelDrawing();
    this.draft = null;
    this.report = null;
    this.households = null;
    this.confirmation = null;
    this.showDraft();
  }

  async discard(id) {
    await deleteDraft(id).catch((error) => {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    });
    if (this.draft && this.draft.id === id) this.close();
  }

  // Leaving the planner view.
  detach() {
    this.cancelDrawing();
    this.watchView(false);
    this.hidePublished([]);
    drawViolations(this.map, []);
  }

  // --- map -------------------------------------------------------------------

  // Draws the draft's changed grids (source `draft`, each with its household
  // count) where the published tiles leave them out.
  showDraft() {
    this.bboxes = new Map([...this.base.values(), ...(this.draft?.features || [])]
      .map((f) => [f.properties.code, bboxOf(f.geometry)]));
    this.watchView(Boolean(this.draft));
    const counts = this.households?.counts || new Map();
    const features = this.draft ? this.draft.features.map((feature) => ({
      ...feature, properties: {...feature.properties, household_count: counts.get(feature.properties.code) ?? 0},
    })) : [];
    this.map.getSource('draft')?.setData({type: 'FeatureCollection', features});
    this.hidePublished(this.hiddenCodes());
    this.highlight();
    if (!this.draft) drawViolations(this.map, []);
    // Base grids snap to base grids: a dedicated grid's edges are no borders of theirs.
    this.drawing.setSnapTargets(this.draft ? leafGrids(this.editableInDraft()) : []);
  }

  // With a city-sized draft the grid list follows the map.
  watchView(on) {
    this.onMoveEnd ??= () => { if (!this.editing && !this.busy) this.refresh(); };
    this.map.off('moveend', this.onMoveEnd);
    if (on) this.map.on('moveend', this.onMoveEnd);
  }

  // The published grids the draft changed or deleted leave the tile layers.
  hidePublished(codes) {
    for (const layer of publishedLayers) {
      if (!this.map.getLayer(layer)) continue;
      if (!this.baseFilters.has(layer)) this.baseFilters.set(layer, this.map.getFilter(layer) ?? null);
      const filter = this.baseFilters.get(layer);
      const hide = ['!', ['in', ['get', 'code'], ['literal', codes]]];
      this.map.setFilter(layer, codes.length === 0 ? filter : filter ? ['all', filter, hide] : hide);
    }
  }

  highlight() {
    const filter = ['==', ['get', 'code'], this.selected || ''];
    for (const layer of ['draft-selected-line', 'grid-selected-line']) {
      if (this.map.getLayer(layer)) this.map.setFilter(layer, filter);
    }
  }

  // A click on the map while a draft is open selects the grid there: a
  // changed one from the draft, else a published one from the tiles.
  onMapClick(point) {
    if (!this.draft || this.editing || !this.map.getLayer('draft-fill')) return false;
    const hidden = new Set(this.hiddenCodes());
    const published = ['dedicated-fill', 'planner-load-fill'].filter((id) => this.map.getLayer(id));
    const [feature] = [
      ...this.map.queryRenderedFeatures(point, {layers: ['draft-fill']}).sort(onTopFirst),
      ...this.map.queryRenderedFeatures(point, {layers: published})
        .filter((f) => !hidden.has(f.properties.code)).sort(onTopFirst),
    ];
    if (!feature) return false;
    this.run(() => this.select(feature.properties.code));
    return true;
  }

  // Selects a grid and fetches the exact published grids around it (for
  // editing, snapping and the neighbour list).
  async select(code) {
    this.selected = code;
    this.highlight();
    if (code && !this.draft.features.some((f) => f.properties.code === code) && !this.base.has(code)) {
      await this.fetchBase({code});
    }
    const selected = code ? this.feature(code) : null;
    if (selected) await this.fetchBase({bbox: grown(bboxOf(selected.geometry), 0.5).join(',')});
    this.showDraft();
  }

  // Published grids matching an OGC API Features query, kept by code.
  async fetchBase(params) {
    const collection = await fetchCollection('grids', params);
    for (const f of collection.features) this.base.set(f.properties.code, f);
    return collection.features;
  }

  feature(code) {
    return this.draft.features.find((f) => f.properties.code === code) || this.base.get(code);
  }

  // Codes under `parent` in the draft: the published children it kept and its changed grids.
  async childCodes(parent) {
    const published = await this.fetchBase({parent_code: parent});
    const hidden = new Set(this.hiddenCodes());
    return [...published.map((f) => f.properties.code).filter((code) => !hidden.has(code)),
      ...this.draft.features.map((f) => f.properties.code), ...this.draft.deleted];
  }

  // --- edits -----------------------------------------------------------------

  // Applies an edit answer: replaces the changed grids, drops the removed ones,
  // shows the incremental check.
  async applyEdit(answer) {
    const byCode = new Map(answer.features.map((f) => [f.properties.code, f]));
    const removed = new Set(answer.removed);
    this.draft.features = this.draft.features.filter((f) => !removed.has(f.properties.code) && !byCode.has(f.properties.code))
      .concat(answer.features);
    const deleted = new Set(this.draft.deleted.filter((code) => !byCode.has(code)));
    for (const code of removed) if (this.base.has(code)) deleted.add(code);
    this.draft.deleted = [...deleted];
    if (this.selected && removed.has(this.selected)) this.selected = null;
    this.report = answer.report;
    this.reportKind = 'edit';
    this.confirmation = null;
    await this.updateHouseholds();
    this.showDraft();
  }

  async draw(action, mode) {
    this.pendingAction = action;
    this.refresh();
    const geometry = await this.drawing.drawShape(mode);
    this.pendingAction = null;
    return geometry;
  }

  cancelDrawing() {
    this.pendingAction = null;
    this.drawing.cancel();
    if (this.live) {
      this.live = null;
      drawViolations(this.map, this.report?.violations || []);
    }
  }

  async editBoundary() {
    const code = this.selected;
    this.live = {code, node: el('div', {class: 'validation-report live-check', 'data-state': 'idle'}), report: null,
      geometry: null, inFlight: null, again: false};
    this.editedGeometry = this.drawing.editPolygon(this.feature(code).geometry, () => this.checkLive());
    this.pendingAction = 'boundary';
  }

  // Asks the server to check the boundary being edited against its
  // neighbours, nothing saved. At most one request is in flight: changes
  // made meanwhile are checked when it answers, with the latest geometry.
  checkLive() {
    const live = this.live;
    if (!live) return;
    if (live.inFlight) {
      live.again = true;
      return;
    }
    live.inFlight = (async () => {
      do {
        live.again = false;
        const geometry = this.editedGeometry();
        live.node.dataset.state = 'checking';
        try {
          const report = await checkDraftGrid(this.draft.id, live.code, geometry, snapToleranceM);
          if (this.live !== live) return;
          Object.assign(live, {report, geometry, error: null});
        } catch (error) {
          if (this.live !== live) return;
          live.error = error;
        }
        this.showLive(live);
      } while (live.again && this.live === live);
    })().finally(() => { live.inFlight = null; });
  }

  showLive(live) {
    const {node, report, error} = live;
    node.dataset.state = error ? 'failed' : String(report.valid);
    if (error) {
      node.replaceChildren(el('p', {class: 'warning'}, `实时检查失败：${error.message}`));
      return;
    }
    node.replaceChildren(el('h4', {}, '实时检查（尚未保存）'), ...reportElement(this.map, report).filter(Boolean));
  }

  // The check of `geometry` as it would be saved: the live one when it is
  // for this very geometry, otherwise a new one.
  async checkBeforeSaving(geometry) {
    const live = this.live;
    if (live?.inFlight) await live.inFlight;
    if (live?.report && JSON.stringify(live.geometry) === JSON.stringify(geometry)) return live.report;
    return checkDraftGrid(this.draft.id, this.selected, geometry, snapToleranceM);
  }

  // Refused while the boundary has errors (their list in the message);
  // warnings are saved once confirmed.
  async saveBoundary() {
    const geometry = this.editedGeometry();
    const report = await this.checkBeforeSaving(geometry);
    const named = (violations) => violations.slice(0, namedViolations).map((v) => `${ruleNames[v.rule] || v.rule}：${v.message}`)
      .join('；') + (violations.length > namedViolations ? `；等共 ${violations.length} 处` : '');
    const errors = report.violations.filter((v) => v.severity === 'error');
    if (errors.length > 0) throw new Error(`边界有错误，未保存：${named(errors)}`);
    if (report.violations.length > 0 && !window.confirm(`边界有 ${report.violations.length} 条提示：${named(report.violations)}。仍要保存吗？`)) return;
    this.cancelDrawing();
    await this.applyEdit(await draftEdits.snapGrid(this.draft.id, this.selected, geometry));
  }

  // A grid drawn on the map, in the community under its centre: a base grid,
  // or with a purpose a dedicated grid (专属网格) laid over the base grids.
  async addGrid(purpose = null) {
    const geometry = await this.draw('polygon', 'polygon');
    if (!geometry) return;
    const centre = centreOf(geometry);
    const around = await this.fetchBase({bbox: [...centre, ...centre].join(','), level: 'community'});
    const hidden = new Set(this.hiddenCodes());
    const community = [...this.draft.features, ...around.filter((f) => !hidden.has(f.properties.code))]
      .find((f) => f.properties.level === 'community' && geometryContains(f.geometry, centre));
    if (!community) throw new Error('新网格的中心不在任何社区内');
    const parent = community.properties.code;
    const code = nextChildCode(parent, await this.childCodes(parent), {dedicated: Boolean(purpose)});
    const grid = purpose
      ? {code, name: `${purpose}专属网格${code.slice(-3)}`, level: 'dedicated', purpose, parent_code: parent, geometry}
      : {code, name: `新网格${code.slice(-3)}`, level: 'grid', parent_code: parent, geometry};
    const answer = await draftEdits.addGrid(this.draft.id, grid);
    this.selected = code;
    await this.applyEdit(answer);
  }

  async split() {
    const code = this.selected;
    const line = await this.draw('split', 'linestring');
    if (!line) return;
    const parent = this.feature(code).properties.parent_code || code.slice(0, -3);
    const newCode = nextChildCode(parent, await this.childCodes(parent));
    await this.applyEdit(await draftEdits.split(this.draft.id, code, line, newCode, `新网格${newCode.slice(-3)}`));
  }

  async merge(absorb) {
    await this.applyEdit(await draftEdits.merge(this.draft.id, this.selected, absorb));
  }

  async moveBorder(other) {
    const a = this.selected;
    const line = await this.draw('border', 'linestring');
    if (!line) return;
    await this.applyEdit(await draftEdits.moveBorder(this.draft.id, a, other, line));
  }

  // --- validation and publishing ---------------------------------------------

  async validate() {
    this.report = await validateDraft(this.draft.id);
    this.reportKind = 'full';
  }

  // Households per draft grid: the published counts plus the estimated moves,
  // read from the households inside the grids the draft changed or deleted
  // (every household that changes grid lies in one of them), placed in the
  // draft's grids around them.
  async updateHouseholds() {
    const unknown = this.draft.deleted.filter((code) => !this.base.has(code));
    if (unknown.length > 0) await Promise.all(unknown.map((code) => this.fetchBase({code})));
    const touched = [...leafGrids(this.draft.features), ...this.draft.deleted.map((code) => this.base.get(code))].filter(Boolean);
    let moves = [];
    const counts = new Map();
    if (touched.length > 0) {
      const bbox = unionOfBoxes(touched.map((f) => bboxOf(f.geometry))).join(',');
      const [households] = await Promise.all([fetchCollection('households', {bbox}), this.fetchBase({bbox})]);
      ({moves} = reassign(leafGrids(this.editableInDraft()), households.features));  // households stay in base grids
    }
    for (const f of this.base.values()) counts.set(f.properties.code, f.properties.household_count ?? 0);
    for (const move of moves) {
      if (move.from) counts.set(move.from, (counts.get(move.from) ?? 0) - move.households);
      if (move.to) counts.set(move.to, (counts.get(move.to) ?? 0) + move.households);
    }
    for (const code of this.draft.deleted) counts.delete(code);
    this.households = {moves, counts, rules: await ruleOptions()};
  }

  async preview() {
    const report = await validateDraft(this.draft.id);
    this.report = report;
    this.reportKind = 'full';
    if (!report.valid) {
      this.confirmation = null;
      throw new Error('草案存在错误，请先修正后再发布');
    }
    this.confirmation = {moves: this.households.moves, warnings: report.violations.length};
  }

  async publish() {
    const confirm = this.confirmation.warnings > 0;
    this.result = await publishDraft(this.draft.id, confirm);
    this.close();
  }
}

function summarise(violations = []) {
  const summary = {};
  for (const violation of violations) summary[violation.rule] = (summary[violation.rule] || 0) + 1;
  return summary;
}

// What a publication did to staffing (staff carried over from grids it gave
// up, grids left without their one A岗), for the planner to follow up.
function staffingElements(staff) {
  if (!staff) return [];
  const out = [];
  if (staff.carried.length > 0) {
    out.push(el('ul', {class: 'publish-staff'}, staff.carried.map((item) => el('li', {}, item.message))));
  }
  if (staff.without_primary_count > 0) {
    out.push(el('p', {class: 'message warning publish-no-primary', role: 'alert'},
      `${staff.without_primary_count} 个网格尚无唯一的A岗人员，请在网格信息中安排人员：`),
    el('ul', {class: 'publish-no-primary-list'}, staff.without_primary.map((item) => el('li', {}, item.message))));
  }
  return out;
}
