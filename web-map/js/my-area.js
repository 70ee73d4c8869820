// "我的网格" of the field view: the signed-in worker's grids highlighted and
// zoomed to, with their special-group households, the visits due this month
// and the open incidents assigned to the worker.

import {apiUrl, fetchCollection, getJSON} from './api.js';
import {bboxOf} from './grid-index.js';
import {finishedStates} from './incidents.js';
import {el} from './panel.js';
import {VisitQueue, pendingList} from './visits.js';

function tagList(tags) {
  if (Array.isArray(tags)) return tags.filter(Boolean);
  return String(tags || '').split(/[;,、|]/).map((tag) => tag.trim()).filter((tag) => tag && tag !== '[]');
}

function unionBounds(boxes) {
  return boxes.filter(Boolean).reduce((box, b) => (box
    ? [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])] : [...b]), null);
}

export function householdAddress(h) {
  return `${h.compound || ''}${h.building || ''}${h.unit || ''}${h.room || ''}`;
}

const myAreaLayers = ['my-area-fill', 'my-area-line'];

export class MyArea {
  // user: from /auth/me.
  constructor(map, user) {
    this.map = map;
    this.user = user;
    this.data = null;
    this.queue = new VisitQueue(user.name);
  }

  get codes() {
    return this.user.grids || [];
  }

  async load() {
    const staff = this.user.staff_id;
    const perGrid = (collection) => Promise.all(this.codes.map((code) => fetchCollection(collection, {grid_code: code})));
    const [grids, households, incidents, visits] = await Promise.all([
      Promise.all(this.codes.map((code) => fetchCollection('grids', {code}))), perGrid('households'), perGrid('incidents'),
      staff ? getJSON(apiUrl('visits/due', {staff})) : null,
    ]);
    this.data = {
      grids: grids.flatMap((fc) => fc.features).map(({properties, geometry}) => ({...properties, bbox: bboxOf(geometry)})),
      special: households.flatMap((fc) => fc.features).map((f) => f.properties).filter((h) => tagList(h.tags).length > 0),
      assigned: incidents.flatMap((fc) => fc.features).map((f) => f.properties)
        .filter((incident) => !finishedStates.has(incident.state) && staff && Number(incident.assignee) === Number(staff)),
      visits,
    };
    return this.data;
  }

  // Highlights the grids (the field overlay's my-area layers) and zooms to them.
  show() {
    const filter = ['in', ['get', 'code'], ['literal', this.codes]];
    for (const layer of myAreaLayers) if (this.map.getLayer(layer)) this.map.setFilter(layer, filter);
    const bounds = unionBounds((this.data?.grids || []).map((grid) => grid.bbox));
    if (bounds) this.map.fitBounds(bounds, {padding: 40, maxZoom: 17, duration: 0});
  }

  // onVisit({id, address}): record a visit; onCase(id): open a case; onDiscard(clientKey): drop a refused queued visit.
  element({onVisit, onCase, onDiscard} = {}) {
    if (this.codes.length === 0) return el('p', {class: 'message'}, '您的账号尚未分配网格。');
    if (!this.data) return el('p', {class: 'message'}, '正在加载我的网格……');
    const {grids, special, assigned, visits} = this.data;
    const addresses = new Map([...special.map((h) => [Number(h.id), householdAddress(h)]),
      ...(visits?.due || []).map((item) => [Number(item.household_id), item.address])]);
    const addressOf = (id) => addresses.get(Number(id)) || `住户 ${id}`;
    const visitButton = (id) => {
      const button = el('button', {type: 'button', class: 'record-visit'}, '走访');
      button.addEventListener('click', () => onVisit?.({id, address: addressOf(id)}));
      return button;
    };
    return el('section', {class: 'my-area'},
      el('h3', {}, '我的网格'),
      el('ul', {class: 'my-grids'}, grids.map((grid) => el('li', {'data-code': grid.code}, `${grid.name}（${grid.code}）`))),
      pendingList(this.queue, addressOf, onDiscard),
      visits ? el('p', {class: 'visit-quota'},
        `本月已走访 ${visits.households_visited} 户，定额 ${visits.quota} 户，还差 ${visits.quota_remaining} 户`) : null,
      visits ? el('h3', {}, `本月待走访 ${visits.due.length} 户（已走访 ${visits.households_visited} 户）`) : null,
      visits && visits.due.length > 0 ? el('ul', {class: 'visits-due'}, visits.due.slice(0, 30).map((item) =>
        el('li', {'data-id': String(item.household_id)}, item.address,
          item.must_visit ? el('span', {class: 'must'}, ' 必访') : null, ' ', visitButton(item.household_id)))) : null,
      el('h3', {}, `特殊群体住户 ${special.length} 户`),
      special.length === 0 ? null : el('ul', {class: 'special-households'}, special.slice(0, 30).map((h) =>
        el('li', {'data-id': String(h.id)}, householdAddress(h), ' ', el('span', {class: 'tags'}, tagList(h.tags).join('、'))))),
      el('h3', {}, `我的待办事件 ${assigned.length} 件`),
      assigned.length === 0 ? null : el('ul', {class: 'assigned-incidents'}, assigned.map((incident) => {
        const item = el('li', {'data-id': String(incident.id), tabindex: '0'}, `#${incident.id} ${incident.category}`);
        item.addEventListener('click', () => onCase?.(incident.id));
        return item;
      })));
  }
}
