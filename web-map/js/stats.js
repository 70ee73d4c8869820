// Per-grid monthly statistics (GET /stats, DESIGN §5) as map colours: each
// grid is coloured by its on-time closing rate; grids without closed cases
// stay grey. DOM-free (tested in node).

import {apiUrl, getJSON} from './api.js';

export const rateClasses = [
  {min: 0.95, color: '#2e7d32', label: '按时办结率 ≥95%'},
  {min: 0.8, color: '#9ccc65', label: '按时办结率 80%–95%'},
  {min: 0.6, color: '#ffb300', label: '按时办结率 60%–80%'},
  {min: 0, color: '#e53935', label: '按时办结率 <60%'},
];
export const noRateColor = '#e0e0e0';

// The day of `now` (ms) in Beijing time, as YYYY-MM-DD.
export function chinaDate(now = Date.now()) {
  return new Date(now).toLocaleDateString('sv-SE', {timeZone: 'Asia/Shanghai'});
}

// This month in Beijing time, as YYYY-MM.
export function currentMonth(now = Date.now()) {
  return chinaDate(now).slice(0, 7);
}

export async function fetchGridStatistics(month) {
  const body = await getJSON(apiUrl('stats', {month, level: 'grid'}));
  return body.grids || [];
}

export function rateColor(rate) {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return noRateColor;
  return rateClasses.find((entry) => rate >= entry.min).color;
}

// fill-color of the grids: a match on the grid code.
export function choroplethColor(units) {
  const pairs = units.flatMap((unit) => [unit.key, rateColor(unit.on_time_rate)]);
  return pairs.length === 0 ? noRateColor : ['match', ['get', 'code'], ...pairs, noRateColor];
}

export function choroplethLegend() {
  return [...rateClasses.map(({color, label}) => ({shape: 'fill', color, label, layer: 'supervisor-grid-fill'})),
    {shape: 'fill', color: noRateColor, label: '本月无办结事件', layer: 'supervisor-grid-fill'}];
}

export function percent(rate) {
  return rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)}%`;
}
