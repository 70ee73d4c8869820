// Draft layouts in the planner view (DESIGN §4): create or open a draft, edit
// its grids (boundary with vertex editing and snapping, new grid, split,
// merge, shared border), see the incremental check after every edit, run the
// full validation, compare household counts with the 100–300 target, and
// publish after confirming the estimated household moves. The server's
// /drafts API does the geometry; this module only asks and shows.

import {ApiError, fetchCollection} from './api.js';
import {createDraft, deleteDraft, draftEdits, getDraft, publishDraft, rememberedDrafts, validateDraft} from './drafts-api.js';
import {nextChildCode} from './grid-codes.js';
import {bboxOf} from './grid-index.js';
import {el} from './panel.js';
import {centreOf, geometryContains, layoutChanges, leafGrids, reassign} from './reassignment.js';
import {drawViolations, reportElement} from './violations.js';

// The household_count rule's target range (DESIGN §4).
const householdTarget = {min: 100, max: 300};

function loadClass(count) {
  if (count < householdTarget.min) return 'low';
  return count > householdTarget.max ? 'high' : 'ok';
}

const loadText = {low: '偏少', ok: '达标', high: '偏多'};

// Above this many grids the panel lists only those in view.
const listLimit = 300;

function intersects(a, b) {
  return Boolean(a && b) && a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

// Bounds of a set of features' bboxes.
function unionOfBoxes(boxes) {
  return boxes.reduce((box, b) => [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])]);
}

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
    this.draft = null;  // GET /drafts/{id} answer, features updated by edits
    this.selected = null;  // code of the selected draft grid
    this.report = null;  // last report (incremental or full)
    this.reportKind = null;  // 'edit' | 'full'
    this.published = null;  // FeatureCollection of the published grids (for the comparison)
    this.households = null;  // {moves, counts} estimate for the current draft
    this.pendingAction = null;  // name of the drawing in progress
    this.editedGeometry = null;  // () => the polygon being edited (edit boundary)
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

  // The draft's grids the panel lists: all of a small layout; of a city, those
  // in view (the list follows the map) plus the selected one.
  listedLeaves() {
    const leaves = leafGrids(this.draft.features);
    if (leaves.length <= listLimit) return leaves;
    const [[west, south], [east, north]] = this.map.getBounds().toArray();
    return leaves.filter((f) => f.properties.code === this.selected || intersects(this.bboxes.get(f.properties.code), [west, south, east, north]))
      .slice(0, listLimit);
  }

  // Grids whose bbox touches the selected grid's: the candidates for merge and shared borders.
  neighbours() {
    const box = this.bboxes.get(this.selected);
    if (!box) return [];
    return leafGrids(this.draft.features)
      .filter((f) => f.properties.code !== this.selected && intersects(this.bboxes.get(f.properties.code), box));
  }

  draftSection() {
    const byCode = (a, b) => a.properties.code.localeCompare(b.properties.code);
    const leaves = this.listedLeaves().sort(byCode);
    const options = (features, selected) => features.map(({properties: p}) =>
      el('option', {value: p.code, selected: p.code === selected}, `${p.name}（${p.code}）`));
    const select = el('select', {name: 'draft-grid', 'aria-label': '选择网格'},
      el('option', {value: ''}, '— 选择网格（或点击地图）—'), options(leaves, this.selected));
    select.addEventListener('change', () => this.select(select.value || null));
    const other = el('select', {name: 'draft-other', 'aria-label': '相邻网格'},
      el('option', {value: ''}, '— 相邻网格 —'), options(this.neighbours().sort(byCode), null));
    const none = !this.selected;
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
      leaves.length < leafGrids(this.draft.features).length ? el('p', {class: 'message'}, '网格较多，仅列出当前视野内的网格。') : null,
      this.editing ? this.drawingHint() : el('div', {class: 'buttons draft-tools'},
        this.button('编辑边界', 'edit-boundary', () => this.editBoundary(), {disabled: none}),
        this.button('新增网格', 'add-grid', () => this.addGrid()),
        this.button('拆分', 'split-grid', () => this.split(), {disabled: none})),
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
    const save = this.pendingAction === 'boundary' ? this.button('保存边界', 'save-boundary', () => this.saveBoundary()) : null;
    return el('div', {class: 'drawing-hint'}, el('p', {class: 'message'}, texts[this.pendingAction]),
      el('div', {class: 'buttons'}, save, this.button('取消', 'cancel-drawing', async () => this.cancelDrawing())));
  }

  reportElement() {
    if (!this.report) return el('div', {class: 'validation-report draft-report'});
    const title = this.reportKind === 'full' ? '全面检查结果' : '本次修改的检查结果';
    return el('div', {class: 'validation-report draft-report', 'data-kind': this.reportKind},
      el('h4', {}, title), ...reportElement(this.map, this.report).filter(Boolean));
  }

  // Households per draft grid against the target range.
  loadTable(leaves) {
    if (!this.households) return null;
    const {counts} = this.households;
    return el('section', {class: 'household-load'},
      el('h4', {}, `住户数（目标 ${householdTarget.min}–${householdTarget.max} 户）`),
      el('table', {class: 'load-table'},
        el('thead', {}, el('tr', {}, el('th', {}, '网格'), el('th', {}, '住户'), el('th', {}, ''))),
        el('tbody', {}, leaves.map(({properties: p}) => {
          const count = counts.get(p.code) ?? 0;
          const load = loadClass(count);
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
      el('p', {class: 'message'}, '刷新页面即可看到新的网格布局。'));
  }

  gridName(code) {
    const feature = this.draft?.features.find((f) => f.properties.code === code)
      || this.published?.features.find((f) => f.properties.code === code);
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
    this.report = {valid: this.draft.valid, violations: this.draft.violations, summary: summarise(this.draft.violations)};
    this.reportKind = 'full';
    this.published ??= await fetchCollection('grids');
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
    this.dimPublished(false);
    drawViolations(this.map, []);
  }

  // --- map -------------------------------------------------------------------

  // Draws the draft (source `draft`, each grid with its household count) over
  // the published layout, which is dimmed while a draft is open.
  showDraft() {
    this.bboxes = new Map((this.draft?.features || []).map((f) => [f.properties.code, bboxOf(f.geometry)]));
    this.watchView(Boolean(this.draft) && leafGrids(this.draft.features).length > listLimit);
    const counts = this.households?.counts || new Map();
    const features = this.draft ? this.draft.features.map((feature) => ({
      ...feature, properties: {...feature.properties, household_count: counts.get(feature.properties.code) ?? 0},
    })) : [];
    this.map.getSource('draft')?.setData({type: 'FeatureCollection', features});
    this.dimPublished(Boolean(this.draft));
    this.highlight();
    if (!this.draft) drawViolations(this.map, []);
    this.drawing.setSnapTargets(this.draft ? leafGrids(this.draft.features) : []);
  }

  // With a city-sized draft the grid list follows the map.
  watchView(on) {
    this.onMoveEnd ??= () => { if (!this.editing && !this.busy) this.refresh(); };
    this.map.off('moveend', this.onMoveEnd);
    if (on) this.map.on('moveend', this.onMoveEnd);
  }

  // The published layout's fill and labels give way to the draft's.
  dimPublished(dim) {
    for (const layer of ['planner-load-fill', 'grid-label']) {
      if (this.map.getLayer(layer)) this.map.setLayoutProperty(layer, 'visibility', dim ? 'none' : 'visible');
    }
  }

  highlight() {
    if (this.map.getLayer('draft-selected-line')) {
      this.map.setFilter('draft-selected-line', ['==', ['get', 'code'], this.selected || '']);
    }
  }

  // A click on the map while a draft is open selects the draft grid there.
  onMapClick(point) {
    if (!this.draft || this.editing || !this.map.getLayer('draft-fill')) return false;
    const [feature] = this.map.queryRenderedFeatures(point, {layers: ['draft-fill']})
      .sort((a, b) => (a.properties.level === 'subgrid' ? -1 : 0) - (b.properties.level === 'subgrid' ? -1 : 0));
    if (!feature) return false;
    this.select(feature.properties.code);
    return true;
  }

  select(code) {
    this.selected = code;
    this.highlight();
    this.refresh();
  }

  feature(code) {
    return this.draft.features.find((f) => f.properties.code === code);
  }

  // --- edits -----------------------------------------------------------------

  // Applies an edit answer: replaces the changed grids, drops the removed ones,
  // shows the incremental check.
  async applyEdit(answer) {
    const byCode = new Map(answer.features.map((f) => [f.properties.code, f]));
    const removed = new Set(answer.removed);
    this.draft.features = this.draft.features.filter((f) => !removed.has(f.properties.code) && !byCode.has(f.properties.code))
      .concat(answer.features);
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
  }

  async editBoundary() {
    this.editedGeometry = this.drawing.editPolygon(this.feature(this.selected).geometry);
    this.pendingAction = 'boundary';
  }

  async saveBoundary() {
    const geometry = this.editedGeometry();
    this.cancelDrawing();
    await this.applyEdit(await draftEdits.snapGrid(this.draft.id, this.selected, geometry));
  }

  async addGrid() {
    const geometry = await this.draw('polygon', 'polygon');
    if (!geometry) return;
    const centre = centreOf(geometry);
    const community = this.draft.features.find((f) => f.properties.level === 'community' && geometryContains(f.geometry, centre));
    if (!community) throw new Error('新网格的中心不在任何社区内');
    const parent = community.properties.code;
    const code = nextChildCode(parent, this.draft.features.map((f) => f.properties.code));
    const answer = await draftEdits.addGrid(this.draft.id, {code, name: `新网格${code.slice(-3)}`, level: 'grid', parent_code: parent, geometry});
    this.selected = code;
    await this.applyEdit(answer);
  }

  async split() {
    const code = this.selected;
    const line = await this.draw('split', 'linestring');
    if (!line) return;
    const parent = this.feature(code).properties.parent_code || code.slice(0, -3);
    const newCode = nextChildCode(parent, this.draft.features.map((f) => f.properties.code));
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
  // read from the households inside the grids the draft changes (every
  // household that changes grid lies in one of them).
  async updateHouseholds() {
    const {changed, removed} = layoutChanges(this.draft.features, this.published.features);
    const counts = new Map(leafGrids(this.published.features).map((f) => [f.properties.code, f.properties.household_count ?? 0]));
    let moves = [];
    const touched = [...changed.map((code) => this.feature(code)), ...removed.map((code) =>
      this.published.features.find((f) => f.properties.code === code))].filter(Boolean);
    if (touched.length > 0) {
      const bbox = unionOfBoxes(touched.map((f) => bboxOf(f.geometry)));
      const households = await fetchCollection('households', {bbox: bbox.join(',')});
      ({moves} = reassign(this.draft.features, households.features));
      for (const move of moves) {
        if (move.from) counts.set(move.from, (counts.get(move.from) ?? 0) - move.households);
        if (move.to) counts.set(move.to, (counts.get(move.to) ?? 0) + move.households);
      }
    }
    for (const code of removed) counts.delete(code);
    this.households = {moves, counts};
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
