// The supervisor view's panel tools: the month's per-grid statistics as a
// choropleth (on-time closing rate) and a bar chart, the overdue list, and the
// heat map's filter (time range and category).

import {ApiError, apiUrl, fetchCollection, getJSON} from './api.js';
import {HeatRange} from './heat-range.js';
import {overdueList, fetchOverdue} from './overdue.js';
import {el} from './panel.js';
import {chartRows, statisticsChart} from './stats-chart.js';
import {choroplethColor, choroplethLegend, currentMonth, fetchGridStatistics} from './stats.js';

export class SupervisorTools {
  // user: from /auth/me; openIncident(incident): shows one.
  constructor({map, tiles, user, openIncident}) {
    this.map = map;
    this.user = user;
    this.openIncident = openIncident;
    this.heatRange = tiles.heat ? new HeatRange(map, tiles.heat) : null;
    this.month = currentMonth();
    this.units = null;
    this.overdue = null;
    this.off = false;  // the server offers no statistics
  }

  legend() {
    return choroplethLegend();
  }

  // The areas whose overdue cases are listed: the user's scope, or every street
  // (asked for alone: a city has thousands of grids but few streets).
  async areas() {
    if (this.user.grids && this.user.grids.length > 0) return this.user.grids;
    const streets = await fetchCollection('grids', {level: 'street'});
    return streets.features.map((feature) => feature.properties.code);
  }

  // A server without the workflow routes (404) has no statistics: the view works without them.
  async load() {
    const unlessOff = (promise) => promise.catch((error) => {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    });
    [this.units, this.overdue] = await Promise.all([
      unlessOff(fetchGridStatistics(this.month)), unlessOff(this.areas().then(fetchOverdue))]);
    this.off = this.units === null;
    this.applyToMap();
  }

  applyToMap() {
    if (this.units && this.map.getLayer('supervisor-grid-fill')) {
      this.map.setPaintProperty('supervisor-grid-fill', 'fill-color', choroplethColor(this.units));
    }
  }

  async openById(id) {
    const incident = await getJSON(apiUrl(`incidents/${id}`));
    this.map.jumpTo({center: [incident.lon, incident.lat], zoom: Math.max(this.map.getZoom(), 17)});
    this.openIncident(incident);
  }

  statisticsElement() {
    if (this.off) return el('p', {class: 'message'}, '服务器未开启事件统计。');
    if (!this.units) return el('p', {class: 'message'}, '正在加载统计……');
    return this.units.length === 0 ? el('p', {class: 'message'}, '暂无统计数据。') : statisticsChart(this.units);
  }

  element(onError) {
    const month = el('input', {type: 'month', name: 'stats-month', value: this.month, 'aria-label': '统计月份'});
    let root = null;
    month.addEventListener('change', async () => {
      if (!month.value) return;
      this.month = month.value;
      try {
        this.units = await fetchGridStatistics(this.month);
        this.applyToMap();
        root.replaceWith(this.element(onError));
      } catch (error) {
        onError(error);
      }
    });
    const names = new Map((this.units || []).map((unit) => [unit.key, unit.name]));
    const gridName = (code) => names.get(code) || code;
    const open = (id) => this.openById(id).catch(onError);
    root = el('section', {class: 'supervisor-tools'},
      this.heatRange ? this.heatRange.element(onError) : null,
      el('h3', {}, '网格办结情况 ', month),
      this.units && this.units.length > chartRows ? el('p', {class: 'message'}, `事件最多的 ${chartRows} 个网格：`) : null,
      this.statisticsElement(),
      el('h3', {}, `超时事件${this.overdue ? ` ${this.overdue.length} 件` : ''}`),
      this.overdue ? overdueList(this.overdue, gridName, open) : null);
    return root;
  }
}
