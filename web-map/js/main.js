// Entry point of the web map: builds the map from styles/, fills its sources,
// and wires the views (规划 / 指挥 / 网格员), search, legend and URL hash.
//
// The map starts once somebody is signed in (login-form.js); the view
// switcher offers only the views of the user's role (roles.js).
//
// Test hook (read-only): window.wanggeMap is the maplibregl.Map; window.wanggeReady
// is a Promise that resolves once the current view's data is loaded and drawn
// (it is replaced by a new Promise on every view switch), to App.status().
// window.wanggeTileRefresher is the TileRefresher (tile-refresh.js) following /tiles/events.

import * as maplibregl from 'maplibre-gl';

import {renderAccount} from './account.js';
import {openCase as showCase} from './case-actions.js';
import {fetchCollection, gridByCode, loginRequiredEvent, lookup, userMessage} from './api.js';
import {departmentCasesElement} from './department-cases.js';
import {DraftEditor} from './draft-editor.js';
import {Drawing} from './drawing.js';
import {EscalationNotice} from './escalations.js';
import {GridIndex} from './grid-index.js';
import {HouseholdEditor, monthlyChangesElement} from './household-editor.js';
import {IncidentReporter} from './incident-report.js';
import {readHash, writeHash} from './hash.js';
import {finishedStates, withTrafficLights} from './incidents.js';
import {viewTitles} from './labels.js';
import {renderLegend} from './legend.js';
import {askForLogin} from './login-form.js';
import {mapLocale} from './map-locale.js';
import {MyArea, householdAddress} from './my-area.js';
import {organisationDetails, organisationsElement} from './organisations.js';
import {Panel, el} from './panel.js';
import {PlannerTools} from './planner.js';
import {StaffEditor} from './staff-editor.js';
import {printLinks} from './print-links.js';
import {RosterUpload} from './roster-upload.js';
import {chooseView, viewsFor} from './roles.js';
import {householdRange} from './rules.js';
import {setupSearch} from './search.js';
import {ServiceCircles} from './service-circles.js';
import {currentUser} from './session.js';
import {dataSources, detectTiles, loadGeoJSONSource} from './sources.js';
import {ViewStyler, initialStyle, loadStyles} from './style.js';
import {currentMonth} from './stats.js';
import {SupervisorTools} from './supervisor-tools.js';
import {TileRefresher} from './tile-refresh.js';
import {fetchVisitKinds, visitForm} from './visits.js';

// The views with the 15分钟生活圈 control (service-circles.js).
const circleViews = new Set(['planner', 'supervisor']);

const localFonts = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";
const defaultCamera = {center: [116.46, 39.92], zoom: 14};  // the sample community, before data arrives

// Sources loaded as GeoJSON when tiles are not offered; points are capped
// because large cities need the tiles anyway.
const geojsonLoads = {
  grids: {},
  households: {maxFeatures: 50000},
  facilities: {maxFeatures: 50000},
  incidents: {maxFeatures: 50000, transform: (fc) => withTrafficLights(fc)},
};

// Per view, from the server's rule options (GET /rules).
const viewIntro = {
  planner: (rules) => `点击网格查看网格人员和住户数。网格颜色表示住户数是否在${householdRange(rules)}户的范围内。可检查网格边界、绘制草图网格（不保存），或新建草案调整网格并发布。`,
  supervisor: () => '点击事件查看详情，点击网格查看网格人员。事件颜色表示处置时限（绿：时限内，黄：已用80%以上，红：超时）；网格颜色表示本月按时办结率。',
  field: () => '点击地图上的位置，或使用“我的位置”，查询所在网格及网格员。',
  department: () => '以下是派遣至本部门的案件。请在时限内报到，处置后提交处置反馈，由社区核查结案。',
};

function waitIdle(map) {
  return new Promise((resolve) => {
    map.once('idle', resolve);
    map.triggerRepaint();
  });
}

class App {
  constructor({map, styles, tiles, panel, legendRoot, user}) {
    this.map = map;
    this.user = user;
    this.allowedViews = viewsFor(user);
    this.styles = styles;
    this.tiles = tiles;
    this.panel = panel;
    this.legendRoot = legendRoot;
    this.styler = new ViewStyler(map, tiles);
    this.sourceLoads = {};  // name → Promise of its first load
    this.sourceStatus = {};  // name → 'loaded' | 'tiles' | 'login' | 'missing'
    this.incidents = null;  // the incidents FeatureCollection once loaded as GeoJSON
    this.openIncidentsOnly = false;
    this.drawing = new Drawing(map);
    this.plannerTools = null;  // created on the first visit of the planner view
    this.draftEditor = null;  // likewise
    this.rosterUpload = null;  // likewise
    this.supervisorTools = null;  // created on the first visit of the supervisor view
    this.escalations = null;  // likewise: the live notice of urgent cases not accepted in time
    this.myArea = null;  // created on the first visit of the field view
    this.reporter = null;  // likewise
    this.householdEditor = null;  // likewise
    this.lastLookup = null;  // the point looked up last (field view), offered as a report's place
    this.view = null;
    this.selectedGrid = null;
    this.gridIndexPromise = null;
  }

  // Loads one source's data once (GeoJSON only; tiles load themselves).
  ensureSource(name) {
    this.sourceLoads[name] ??= loadGeoJSONSource(this.map, name, geojsonLoads[name] || {}).then((result) => {
      this.sourceStatus[name] = result.status;
      if (name === 'incidents' && result.collection) this.incidents = result.collection;
      if (name === 'grids' && result.collection) this.gridIndexPromise = Promise.resolve(new GridIndex(result.collection));
    });
    return this.sourceLoads[name];
  }

  // Extent of the data: of all grids when loaded as GeoJSON, else of the top
  // level only (a few polygons), else the TileJSON bounds.
  async dataBounds() {
    if (this.sourceStatus.grids === 'loaded') return (await this.gridIndex()).bounds();
    const streets = new GridIndex(await fetchCollection('grids', {level: 'street'}));
    return streets.bounds() || this.tiles.grids?.bounds;
  }

  gridIndex() {
    // With grid tiles the tree is read from the collection on first use.
    this.gridIndexPromise ??= fetchCollection('grids').then((fc) => new GridIndex(fc));
    return this.gridIndexPromise;
  }

  async setView(requested) {
    const name = chooseView(requested, this.allowedViews);
    if (!name) {
      this.panel.message('您的账号没有可用的地图视图，请联系管理员。', 'error');
      return this.status();
    }
    if (this.view === 'planner' && name !== 'planner') {
      this.plannerTools?.detach();
      this.draftEditor?.detach();
    }
    if (this.reporter) this.reporter.picking = false;
    if (this.householdEditor) this.householdEditor.picking = false;
    if (name !== 'supervisor') this.escalations?.hide();
    if (!circleViews.has(name)) this.serviceCircles?.hide();
    this.view = name;
    this.createViewTools(name);
    const overlay = this.styles.overlays[name];
    this.styler.apply(overlay);
    this.filterIncidents();
    if (!this.selectedGrid) this.showIntro();  // at once; again below when the view's data is in
    document.querySelectorAll('.views button').forEach((button) =>
      button.setAttribute('aria-selected', String(button.dataset.view === name)));
    document.body.dataset.view = name;
    document.title = `网格化管理地图 · ${viewTitles[name]}`;
    await Promise.all([
      ...Object.keys(overlay.sources || {}).filter((source) => dataSources.includes(source)).map((source) => this.ensureSource(source)),
      this.loadViewTools(name)]);
    if (this.view !== name) return this.status();  // switched again meanwhile
    if (!this.selectedGrid) this.showIntro();
    this.renderLegend();
    this.saveHash();
    await waitIdle(this.map);
    return this.status();
  }

  // The view's own tools, made on its first visit.
  createViewTools(name) {
    if (circleViews.has(name)) this.serviceCircles ??= new ServiceCircles(this.map, (error) => this.showError(error));
    if (name === 'planner') {
      this.plannerTools ??= new PlannerTools(this.map, this.drawing, () => this.gridIndex());
      this.draftEditor ??= new DraftEditor(this.map, this.drawing, (error) => this.showError(error));
      this.rosterUpload ??= new RosterUpload((id) => this.draftEditor.run(() => this.draftEditor.open(id)));
    } else if (name === 'supervisor') {
      this.supervisorTools ??= new SupervisorTools({
        map: this.map, tiles: this.tiles, user: this.user,
        openIncident: (incident) => this.openCase(incident),
      });
      this.escalations ??= new EscalationNotice(this.map.getContainer(),
        (id) => this.supervisorTools.openById(id).catch((error) => this.showError(error)));
    } else if (name === 'field') {
      this.myArea ??= new MyArea(this.map, this.user);
      this.reporter ??= new IncidentReporter({
        user: this.user,
        show: (...content) => this.panel.show(...content),
        markPoint: (lngLat) => this.markPoint(lngLat),
        onReported: (incident, card) => this.afterReport(incident, card),
        onCancel: () => this.showIntro(),
      });
      this.householdEditor ??= new HouseholdEditor({
        show: (...content) => this.panel.show(...content),
        markPoint: (lngLat) => this.markPoint(lngLat),
        onSaved: (household, text) => this.afterHouseholdChange(household, text),
        onCancel: () => this.showIntro(),
      });
    }
  }

  // The view's own data (statistics, my area) and its map state once the overlay is (re)applied.
  async loadViewTools(name) {
    if (circleViews.has(name)) this.serviceCircles.reapply();
    if (name === 'planner') {
      this.draftEditor.showDraft();
    } else if (name === 'supervisor') {
      this.escalations.start();
      if (this.supervisorTools.units) this.supervisorTools.applyToMap();
      else await this.supervisorTools.load();
    } else if (name === 'field') {
      if (!this.myArea.data && this.myArea.codes.length > 0) await this.myArea.load();
      this.myArea.show();
      fetchVisitKinds().catch(() => null);  // kept for a visit recorded without network later
      this.sendPendingVisits().catch((error) => this.showError(error));
    }
  }

  showError(error) {
    this.panel.root.querySelector('.tool-error')?.remove();
    this.panel.root.prepend(el('p', {class: 'message error tool-error', role: 'alert'}, `操作失败：${userMessage(error)}`));
  }

  // What window.wanggeReady resolves to: the view, the user, the layers served
  // as tiles, and how each GeoJSON source loaded ('loaded' | 'tiles' | 'login' | 'missing').
  status() {
    return {
      view: this.view, user: this.user ? {name: this.user.name, role: this.user.role} : null,
      views: this.allowedViews, tiles: Object.keys(this.tiles), sources: {...this.sourceStatus},
    };
  }

  showIntro() {
    const content = [el('h2', {}, `${viewTitles[this.view]}视图`),
      el('p', {class: `message ${this.view}-intro`}, viewIntro[this.view](this.styles.rules))];
    if (this.view === 'field' && 'geolocation' in navigator) {
      const button = el('button', {type: 'button', class: 'locate'}, '我的位置');
      button.addEventListener('click', () => navigator.geolocation.getCurrentPosition(
        (position) => {
          const lngLat = {lng: position.coords.longitude, lat: position.coords.latitude};
          this.map.jumpTo({center: lngLat, zoom: Math.max(this.map.getZoom(), 16)});
          this.lookupAt(lngLat).catch((error) => this.panel.message(`查询失败：${userMessage(error)}`, 'error'));
        },
        // Browsers offer geolocation only on https:// or localhost.
        () => this.panel.message('无法获取当前位置，请在地图上点击您的位置。', 'error')));
      content.push(button);
    }
    if (this.view === 'field') {
      content.push(this.reporter.button(this.lastLookup));
      if (this.keepsHouseholds()) content.push(this.householdEditor.addButton());
      content.push(this.myAreaElement());
    }
    if (this.view === 'planner') {
      content.push(this.plannerTools.element(), this.draftEditor.element(), this.rosterUpload.element());
    }
    if (this.view === 'supervisor' && this.map.getLayer('incidents')) {
      const toggle = el('input', {type: 'checkbox', name: 'open-only', checked: this.openIncidentsOnly});
      toggle.addEventListener('change', () => {
        this.openIncidentsOnly = toggle.checked;
        this.filterIncidents();
      });
      content.push(el('label', {class: 'toggle'}, toggle, '只显示未办结事件'), this.incidentSummary());
    }
    if (this.view === 'supervisor') content.push(this.supervisorTools.element((error) => this.showError(error)));
    if (this.view === 'supervisor' && this.keepsHouseholds()) content.push(monthlyChangesElement(currentMonth()));
    if (circleViews.has(this.view)) content.push(this.serviceCircles.element());
    this.panel.show(...content);
    if (this.view === 'department') this.showDepartmentCases().catch((error) => this.showError(error));
  }

  // 我的网格 with its actions: a visit from the due list, a case page from the worker's cases.
  myAreaElement() {
    return this.myArea.element({
      onVisit: (household) => this.openVisitForm(household),
      onCase: (id) => this.openCase({id}),
      onDiscard: (clientKey) => {
        this.myArea.queue.discard(clientKey);
        this.showIntro();
      },
    });
  }

  // Open cases by traffic light, from the loaded incidents (GeoJSON mode only:
  // with tiles the client never holds them all).
  incidentSummary() {
    if (this.sourceStatus.incidents === 'login') return el('p', {class: 'message warning'}, '事件数据需要登录后查看。');
    const incidents = this.incidents;
    if (!incidents) return null;
    const counts = {red: 0, yellow: 0, green: 0, waiting: 0, finished: 0};
    for (const {properties} of incidents.features) {
      if (properties.light) counts[properties.light] += 1;
      else if (finishedStates.has(properties.state)) counts.finished += 1;
      else counts.waiting += 1;
    }
    const row = (key, label) => [el('dt', {class: `light-${key}`}, label), el('dd', {'data-count': key}, `${counts[key]} 件`)];
    return el('section', {class: 'incident-summary'},
      el('h3', {}, `事件 ${incidents.features.length} 件`),
      el('dl', {}, row('red', '已超时'), row('yellow', '临近时限'), row('green', '时限内'),
        row('waiting', '待派遣'), row('finished', '已办结')));
  }

  filterIncidents() {
    if (!this.map.getLayer('incidents')) return;
    this.map.setFilter('incidents', this.openIncidentsOnly
      ? ['!', ['in', ['get', 'state'], ['literal', [...finishedStates]]]] : null);
  }

  renderLegend() {
    const items = [...this.styles.base.metadata['wangge:legend'], ...(this.styles.overlays[this.view].legend || []),
      ...(this.view === 'supervisor' ? this.supervisorTools.legend() : [])];
    renderLegend(this.legendRoot, this.map, items, this.sourceStatus);
  }

  saveHash() {
    writeHash({view: this.view, grid: this.selectedGrid, map: this.map});
  }

  highlightGrid(code) {
    this.selectedGrid = code || null;
    const filter = ['==', ['get', 'code'], code || ''];
    this.map.setFilter('grid-selected-fill', filter);
    this.map.setFilter('grid-selected-line', filter);
    this.saveHash();
  }

  // The staff panel of the grid card: planners assign AB岗, planners and
  // supervisors mark leave (the server decides; this only hides dead buttons).
  staffEditor() {
    const role = this.user?.role;
    if (this.view === 'planner' && (role === 'planner' || role === 'admin')) {
      return new StaffEditor({canAssign: true, canSetLeave: true});
    }
    if (this.view === 'supervisor' && (role === 'supervisor' || role === 'admin')) {
      return new StaffEditor({canAssign: false, canSetLeave: true});
    }
    return null;
  }

  // Selects a grid and shows its contact card (staff come from the API in both
  // GeoJSON and tile modes: tiles carry no nested properties).
  async selectGrid(code, {fit = false} = {}) {
    this.highlightGrid(code);
    const [feature, index] = await Promise.all([gridByCode(code), this.gridIndex()]);
    if (this.selectedGrid !== code) return;  // a later click won
    if (!feature) {
      this.panel.message(`未找到编码为 ${code} 的网格`, 'error');
      return;
    }
    this.panel.grid(feature.properties, index.parents(code));
    const prints = ['planner', 'supervisor'].includes(this.view) ? printLinks(feature.properties, index.parents(code)) : null;
    if (prints) this.panel.root.append(prints);
    const staffEditor = this.staffEditor();
    if (staffEditor) this.panel.root.append(staffEditor.element(code));
    if (this.user) this.panel.root.append(organisationsElement(code));
    const bbox = index.get(code)?.bbox;
    if (fit && bbox) this.map.fitBounds(bbox, {padding: 40, maxZoom: 17, duration: 0});
  }

  // Draws the tapped point (field view).
  markPoint(lngLat) {
    const point = {type: 'Feature', geometry: {type: 'Point', coordinates: [lngLat.lng, lngLat.lat]}, properties: {}};
    this.map.getSource('lookup')?.setData({type: 'FeatureCollection', features: [point]});
  }

  async lookupAt(lngLat) {
    this.markPoint(lngLat);
    this.lastLookup = lngLat;
    const answer = await lookup(lngLat.lng, lngLat.lat);
    this.highlightGrid(answer ? answer.grid.code : null);
    this.panel.lookup(answer, lngLat);
    if (this.view === 'field' && answer) this.panel.root.append(this.reporter.hereButton(lngLat));
  }

  // A case reported in the field view: its grid highlighted, the incident data
  // and the worker's list read again, and its card shown above the list.
  async afterReport(incident, card) {
    this.highlightGrid(incident.grid_code || null);
    try {
      await Promise.all([this.refreshSource('incidents'), this.myArea.codes.length > 0 ? this.myArea.load() : null]);
    } catch (error) {
      this.panel.show(card);
      this.showError(error);
      return;
    }
    if (this.view === 'field') this.panel.show(card, this.reporter.button(this.lastLookup), this.myAreaElement());
  }

  // Reloads a source if the map has it: GeoJSON is fetched again, tiles are
  // requested again (the browser may keep a tile for its max-age of 60 s).
  async refreshSource(name) {
    const source = this.map.getSource(name);
    if (!source || !this.sourceLoads[name]) return;
    if (source.type !== 'geojson') {
      source.setTiles(source.tiles);
      return;
    }
    delete this.sourceLoads[name];
    await this.ensureSource(name);
  }

  // Grid workers, supervisors and admins keep household records (the server checks each grid).
  keepsHouseholds() {
    return ['grid_worker', 'supervisor', 'admin'].includes(this.user?.role);
  }

  // After a household was added, edited or moved out: the map's households and
  // the due list read again, the change confirmed above the field panel.
  async afterHouseholdChange(household, text) {
    this.highlightGrid(household.properties.grid_code || null);
    try {
      await Promise.all([this.refreshSource('households'), this.myArea.codes.length > 0 ? this.myArea.load() : null]);
    } catch (error) {
      this.showError(error);
    }
    if (this.view !== 'field') return;
    this.showIntro();
    this.panel.root.prepend(el('p', {class: 'message ok household-saved', role: 'status', 'data-id': String(household.id)}, text));
  }

  // The household under a tap (a finger is wide: a few pixels around it), or null.
  householdAt(point) {
    if (!this.map.getLayer('households')) return null;
    const r = 8;
    const feature = this.map.queryRenderedFeatures([[point.x - r, point.y - r], [point.x + r, point.y + r]],
      {layers: ['households']}).find((f) => !(f.properties.point_count > 1));  // not a cluster of a zoomed-out tile
    // GeoJSON carries the id as a property, a tile as the feature's id.
    return feature ? {...feature.properties, id: feature.properties.id ?? feature.id} : null;
  }

  // The facility or organisation under a tap (field view), or null.
  facilityAt(point) {
    const layers = ['organisations', 'facilities'].filter((id) => this.map.getLayer(id));
    if (layers.length === 0) return null;
    const r = 8;
    const feature = this.map.queryRenderedFeatures([[point.x - r, point.y - r], [point.x + r, point.y + r]],
      {layers}).find((f) => !(f.properties.point_count > 1));
    return feature ? {...feature.properties, id: feature.properties.id ?? feature.id} : null;
  }

  // The tapped facility (a shop, 网吧, a venue) or organisation (物业, 党支部…)
  // under the lookup card, with 记录走访.
  facilityCard(facility) {
    const record = el('button', {type: 'button', class: 'record-visit'}, '记录场所走访');
    record.addEventListener('click', () => this.panel.show(visitForm({
      facility, queue: this.myArea.queue,
      onDone: (result) => this.afterVisit(result),
      onCancel: () => this.showIntro(),
    })));
    return el('article', {class: 'card facility-card', 'data-id': String(facility.id)},
      el('h2', {}, facility.name || `场所 ${facility.id}`),
      facility.kind ? el('p', {class: 'kind'}, facility.kind) : null,
      ...organisationDetails(facility),
      el('div', {class: 'buttons'}, record));
  }

  // The tapped household under the lookup card (field view), with 记录走访.
  householdCard(household) {
    const address = householdAddress(household);
    const record = el('button', {type: 'button', class: 'record-visit'}, '记录走访');
    record.addEventListener('click', () => this.openVisitForm({id: household.id, address}));
    return el('article', {class: 'card household-card', 'data-id': String(household.id)},
      el('h2', {}, address || `住户 ${household.id}`),
      household.grid_code ? el('p', {class: 'code'}, `网格编码 ${household.grid_code}`) : null,
      household.tags ? el('p', {class: 'tags'}, String(household.tags)) : null,
      el('div', {class: 'buttons'}, this.user?.staff_id ? record : null,
        ...(this.keepsHouseholds() ? this.householdEditor.cardButtons(household.id) : [])));
  }

  // The visit form for a household; back to the field panel once stored or queued.
  openVisitForm(household) {
    const incidents = this.myArea?.data?.assigned || [];
    this.panel.show(visitForm({
      household, incidents, queue: this.myArea.queue,
      onDone: (result) => this.afterVisit(result),
      onCancel: () => this.showIntro(),
    }));
  }

  async afterVisit({visit, queued}) {
    try {
      if (this.myArea.codes.length > 0) await this.myArea.load();
    } catch (error) {
      if (!queued) this.showError(error);
    }
    if (this.view !== 'field') return;
    this.showIntro();
    const text = visit ? '走访已保存。' : '网络不可用，走访已保存在手机上，联网后自动发送。';
    this.panel.root.prepend(el('p', {class: `message ${visit ? 'ok' : 'warning'} visit-saved`, role: 'status'}, text));
  }

  // Sends the visits kept on the phone (on start and whenever the network is back), then shows the new counts.
  async sendPendingVisits() {
    if (!this.myArea || this.myArea.queue.items().length === 0) return;
    await this.myArea.queue.flush();
    if (this.myArea.codes.length > 0) await this.myArea.load().catch(() => null);
    if (this.view === 'field' && this.panel.root.querySelector('.my-area')) this.showIntro();
  }

  // A department account's cases below the intro (its one scope code is its department).
  async showDepartmentCases() {
    const code = this.user?.grids?.[0];
    if (!code) return;
    const list = await departmentCasesElement(code, (id) => this.openCase({id}));
    // The intro is shown twice on a view's first visit: one list, the newest.
    if (this.view !== 'department' || this.selectedGrid || !this.panel.root.querySelector('.department-intro')) return;
    this.panel.root.querySelector('.department-cases')?.remove();
    this.panel.root.append(list);
  }

  // The case page of an incident: its card at once, then its history and the caller's actions.
  async openCase(incident) {
    this.panel.incident(incident);
    if (incident.id === undefined || incident.id === null) return;
    try {
      await showCase(incident.id, (...content) => this.panel.show(...content));
    } catch (error) {
      this.showError(error);
    }
  }

  // The smallest grid under a clicked point.
  gridAt(point) {
    const layers = this.map.getStyle().layers
      .filter((layer) => layer.source === 'grids' && layer.type === 'fill').map((layer) => layer.id);
    const rank = {dedicated: -1, subgrid: 0, grid: 1, community: 2, street: 3};  // a dedicated grid lies on top
    const features = this.map.queryRenderedFeatures(point, {layers})
      .sort((a, b) => (rank[a.properties.level] ?? 9) - (rank[b.properties.level] ?? 9));
    return features[0] ? features[0].properties.code : null;
  }

  async onClick(event) {
    if (this.view === 'planner' && (this.drawing.active || this.draftEditor.editing)) return undefined;  // terra-draw has the clicks
    if (this.view === 'planner' && this.draftEditor.onMapClick(event.point)) return undefined;
    if (this.view === 'field' && this.reporter.picking) return this.reporter.pickAt(event.lngLat);
    if (this.view === 'field' && this.householdEditor.picking) return this.householdEditor.pickAt(event.lngLat);
    if (this.view === 'field') {
      const household = this.householdAt(event.point);
      const facility = household ? null : this.facilityAt(event.point);
      await this.lookupAt(event.lngLat);
      if (household && (this.user?.staff_id || this.keepsHouseholds())) this.panel.root.append(this.householdCard(household));
      if (facility && this.user?.staff_id) this.panel.root.append(this.facilityCard(facility));
      return undefined;
    }
    if (this.view === 'supervisor' && this.map.getLayer('incidents')) {
      const [incident] = this.map.queryRenderedFeatures(event.point, {layers: ['incidents']});
      if (incident) return this.openCase({...incident.properties, id: incident.properties.id ?? incident.id});
    }
    const code = this.gridAt(event.point);
    if (code) return this.selectGrid(code);
    this.highlightGrid(null);
    this.showIntro();
  }

  // 401/403 from protected tile sources (households, incidents, heat) is expected
  // when nobody is logged in; anything else is a real error.
  onMapError(event) {
    const status = event.error && event.error.status;
    if ((status === 401 || status === 403) && event.sourceId) {
      if (this.sourceStatus[event.sourceId] !== 'login') {
        this.sourceStatus[event.sourceId] = 'login';
        this.renderLegend();
      }
      return;
    }
    console.error(event.error || event);
  }
}

function showFatal(panel, error) {
  panel.message(`地图加载失败：${userMessage(error)}`, 'error');
  throw error;
}

// Hides the views the user may not use; shows who is signed in.
function setupAccount(user, panel) {
  const allowed = viewsFor(user);
  document.querySelectorAll('.views button').forEach((button) => { button.hidden = !allowed.includes(button.dataset.view); });
  renderAccount(document.getElementById('account'), user, (error) => panel.message(`退出失败：${userMessage(error)}`, 'error'));
}

// A request refused for want of a session (expired, or ended elsewhere): sign
// in again, then reload to fetch everything with the new session.
function watchSession() {
  let asking = false;
  window.addEventListener(loginRequiredEvent, async () => {
    if (asking) return;
    asking = true;
    await askForLogin(document.getElementById('login'), {reason: '登录已过期，请重新登录。'});
    location.reload();
  });
}

async function start() {
  const panel = new Panel(document.getElementById('panel'));
  const user = (await currentUser()) || (await askForLogin(document.getElementById('login')));
  setupAccount(user, panel);
  watchSession();
  const hash = readHash();
  const query = new URLSearchParams(location.search);
  // ?tiles=off forces GeoJSON even where the server offers tiles (comparison, debugging).
  const tileLayers = query.get('tiles') === 'off' ? [] : [...dataSources, 'heat'];
  const [styles, tiles] = await Promise.all([loadStyles(), detectTiles(tileLayers)]);

  const map = new maplibregl.Map({
    container: 'map',
    style: initialStyle(styles, tiles, query.get('basemap')),
    ...(hash.camera || defaultCamera),
    localIdeographFontFamily: localFonts,
    attributionControl: {compact: true},
    locale: mapLocale,
  });
  window.wanggeMap = map;
  map.addControl(new maplibregl.NavigationControl({showCompass: false}), 'top-left');
  map.addControl(new maplibregl.ScaleControl({unit: 'metric', maxWidth: 120}), 'bottom-left');
  await new Promise((resolve) => map.once('load', resolve));

  const app = new App({map, styles, tiles, panel, legendRoot: document.getElementById('legend'), user});
  map.on('error', (event) => app.onMapError(event));
  // Tiles a publish or an incident write touched reload as soon as the server says so.
  window.wanggeTileRefresher = new TileRefresher(map, Object.keys(tiles));
  window.wanggeTileRefresher.start();
  await Promise.all(['grids', 'households', 'facilities'].map((name) => app.ensureSource(name)));
  if (app.sourceStatus.grids === 'missing') throw new Error('服务器没有网格数据');
  if (!hash.camera) {
    const bounds = await app.dataBounds();
    if (bounds) map.fitBounds(bounds, {padding: 30, duration: 0});
  }

  map.on('click', (event) => app.onClick(event).catch((error) => panel.message(`查询失败：${userMessage(error)}`, 'error')));
  map.on('moveend', () => app.saveHash());
  // The clickable layers of every view (delegated events skip absent layers).
  for (const layer of ['grid-fill', 'planner-load-fill', 'supervisor-grid-fill', 'incidents']) {
    map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
  }
  setupSearch(document.querySelector('form.search'), () => app.gridIndex(),
    (grid) => app.selectGrid(grid.code, {fit: true}).catch((error) => panel.message(userMessage(error), 'error')));
  document.querySelectorAll('.views button').forEach((button) => button.addEventListener('click', () => {
    window.wanggeReady = app.setView(button.dataset.view);
  }));

  // A hash edited by hand (or a pasted link) is applied; our own updates use
  // history.replaceState, which fires no hashchange.
  window.addEventListener('hashchange', () => {
    const next = readHash();
    if (next.camera) map.jumpTo(next.camera);
    if (next.view !== app.view) window.wanggeReady = app.setView(next.view);
    if (next.grid && next.grid !== app.selectedGrid) app.selectGrid(next.grid).catch((error) => panel.message(userMessage(error), 'error'));
  });

  // Visits recorded without network go out as soon as it is back.
  window.addEventListener('online', () => app.sendPendingVisits().catch((error) => app.showError(error)));

  await app.setView(hash.view);
  if (hash.grid) await app.selectGrid(hash.grid);
  return app.status();
}

const panelRoot = document.getElementById('panel');
window.wanggeReady = start().catch((error) => showFatal(new Panel(panelRoot), error));
