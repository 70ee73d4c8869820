// The overdue list of the supervisor view: open incidents past their deadline
// (GET /incidents/overdue) in the user's areas, most overdue first.

import {apiUrl, getJSON} from './api.js';
import {el} from './panel.js';

export async function fetchOverdue(areas) {
  const answers = await Promise.all(areas.map((area) => getJSON(apiUrl('incidents/overdue', {area}))));
  const byId = new Map();
  for (const answer of answers) for (const incident of answer.incidents) byId.set(incident.id, incident);
  return [...byId.values()].sort((a, b) => (b.clock.used_s - b.clock.allowed_s - b.clock.extended_s)
    - (a.clock.used_s - a.clock.allowed_s - a.clock.extended_s));
}

function hoursOver(clock) {
  return Math.max(0, (clock.used_s - clock.allowed_s - clock.extended_s) / 3600);
}

// incidents: from fetchOverdue; gridName(code) → name; onOpen(id) when one is
// chosen. Lists the `limit` most overdue.
export function overdueList(incidents, gridName, onOpen, limit = 50) {
  if (incidents.length === 0) return el('p', {class: 'message ok overdue-none'}, '当前没有超时事件。');
  return el('ol', {class: 'overdue-list', 'aria-label': '超时事件'}, incidents.slice(0, limit).map((incident) => {
    const item = el('li', {'data-id': String(incident.id), tabindex: '0'},
      el('span', {class: 'overdue-id'}, `#${incident.id}`), ' ',
      el('span', {class: 'overdue-grid'}, gridName(incident.grid_code)), ' ',
      el('span', {class: 'overdue-hours'}, `超时 ${hoursOver(incident.clock).toFixed(1)} 小时`));
    item.addEventListener('click', () => onOpen(incident.id));
    item.addEventListener('keydown', (event) => event.key === 'Enter' && onOpen(incident.id));
    return item;
  }));
}
