// Visits at the door (走访, issue #15) in the field view: the form a grid
// worker fills in at a household (kind, the 五必访/特殊人群 reason, the 民情日记
// note, an incident the visit raised), and the queue that keeps visits
// recorded without network on the phone until they can be sent.
//
// The kinds and their reasons come from the server (GET /visits/kinds, which
// POST /visits checks against); the last list is kept for use offline. Every
// visit carries the phone's time and a key of its own: a visit sent twice
// (the answer lost on the way) is stored once, and the server gives the
// stored one back.

import {ApiError, apiUrl, getJSON, sendJSON, userMessage} from './api.js';
import {el} from './panel.js';

const kindsKey = 'wangge.visitKinds';

// ISO 8601 without milliseconds (the server's format).
export function isoSeconds(date = new Date()) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

// Whether a failed request never reached the server (no network, timeout): worth sending again later.
function unsent(error) {
  return error instanceof ApiError && error.status === 0;
}

// Visits waiting on this phone for the network, per user, in localStorage
// (it survives a reload or a closed browser).
export class VisitQueue {
  constructor(userName) {
    this.key = `wangge.pendingVisits.${userName}`;
    this.sending = null;  // the flush under way
  }

  items() {
    try {
      const items = JSON.parse(localStorage.getItem(this.key) || '[]');
      return Array.isArray(items) ? items : [];
    } catch {
      return [];
    }
  }

  save(items) {
    localStorage.setItem(this.key, JSON.stringify(items));
  }

  add(visit) {
    this.save([...this.items(), {visit, error: null}]);
  }

  // Sends every queued visit once; resolves with how many reached the store.
  // A visit the server refuses stays with its Chinese reason for the worker
  // to see; one that cannot be sent yet stops the round.
  flush() {
    this.sending ??= this.sendAll().finally(() => { this.sending = null; });
    return this.sending;
  }

  async sendAll() {
    let sent = 0;
    for (const {visit} of this.items()) {
      let error = null;
      try {
        await sendJSON('visits', visit);
        sent += 1;
      } catch (caught) {
        if (unsent(caught)) break;
        error = userMessage(caught);
      }
      const rest = this.items().filter((item) => item.visit.client_key !== visit.client_key);
      this.save(error ? [...rest, {visit, error}] : rest);
    }
    return sent;
  }

  discard(clientKey) {
    this.save(this.items().filter((item) => item.visit.client_key !== clientKey));
  }
}

// The kinds of GET /visits/kinds, or the list kept from the last time when offline.
export async function fetchVisitKinds() {
  try {
    const {kinds} = await getJSON(apiUrl('visits/kinds'));
    localStorage.setItem(kindsKey, JSON.stringify(kinds));
    return kinds;
  } catch (error) {
    const kept = localStorage.getItem(kindsKey);
    if (unsent(error) && kept) return JSON.parse(kept);
    throw error;
  }
}

// household: {id, address}, or facility: {id, name} (a shop, 网吧 or other
// venue: only the kinds without a reason); incidents: the worker's open cases
// [{id, category}] to link; onDone(result): result.visit (stored) or
// result.queued (kept on the phone); onCancel().
export function visitForm({household = null, facility = null, incidents = [], queue, onDone, onCancel}) {
  const failure = el('p', {class: 'message error form-error', role: 'alert', hidden: true});
  const fail = (text) => {
    failure.textContent = text;
    failure.hidden = false;
  };
  const kind = el('select', {name: 'kind', 'aria-label': '走访类型'}, el('option', {value: ''}, '正在加载走访类型……'));
  const reason = el('select', {name: 'reason', 'aria-label': '走访原因'});
  const reasonLabel = el('label', {class: 'visit-reason', hidden: true}, '原因', reason);
  const note = el('textarea', {name: 'note', rows: 4, maxlength: 2000, placeholder: '民情日记：走访情况、居民诉求'});
  const incident = el('select', {name: 'incident_id', 'aria-label': '关联事件'},
    el('option', {value: ''}, '无'),
    incidents.map((item) => el('option', {value: String(item.id)}, `#${item.id} ${item.category || ''}`)));
  const submit = el('button', {type: 'submit', class: 'submit-visit'}, '保存走访');
  const cancel = el('button', {type: 'button', class: 'cancel-visit'}, '取消');
  cancel.addEventListener('click', onCancel);

  let kinds = [];
  const showReasons = () => {
    const chosen = kinds.find((k) => k.name === kind.value);
    const reasons = chosen ? chosen.reasons : [];
    reason.replaceChildren(el('option', {value: ''}, '请选择原因'), ...reasons.map((r) => el('option', {value: r}, r)));
    reasonLabel.hidden = reasons.length === 0;
  };
  kind.addEventListener('change', showReasons);
  fetchVisitKinds().then((list) => {
    kinds = facility ? list.filter((k) => k.reasons.length === 0) : list;
    kind.replaceChildren(el('option', {value: ''}, '请选择走访类型'), ...kinds.map((k) => el('option', {value: k.name}, k.name)));
    kind.dataset.loaded = 'true';
  }).catch((error) => fail(`走访类型加载失败：${userMessage(error)}`));

  const target = household
    ? {'data-household': String(household.id)} : {'data-facility': String(facility.id)};
  const form = el('form', {class: 'card visit-form', novalidate: true, ...target},
    el('h2', {}, household ? '记录走访' : '记录场所走访'),
    el('p', {class: 'visit-address'}, household ? household.address || `住户 ${household.id}` : facility.name || `场所 ${facility.id}`),
    el('label', {}, '类型', kind),
    reasonLabel,
    el('label', {}, '民情日记', note),
    incidents.length > 0 ? el('label', {}, '关联事件', incident) : null,
    failure,
    el('div', {class: 'buttons'}, submit, cancel));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!kind.value) return fail('请选择走访类型。');
    if (!reasonLabel.hidden && !reason.value) return fail('请选择走访原因。');
    const visit = {kind: kind.value, note: note.value.trim(), at: isoSeconds(), client_key: newKey()};
    if (household) visit.household_id = Number(household.id);
    else visit.facility_id = Number(facility.id);
    if (!reasonLabel.hidden) visit.reason = reason.value;
    if (incident.value) visit.incident_id = Number(incident.value);
    submit.disabled = true;
    try {
      onDone({visit: await sendJSON('visits', visit)});
    } catch (error) {
      if (!unsent(error)) {
        fail(`保存失败：${userMessage(error)}`);
        submit.disabled = false;
        return undefined;
      }
      queue.add(visit);  // no network: kept on the phone, sent when it is back
      onDone({queued: visit});
    }
    return undefined;
  });
  return form;
}

// The queued visits for the panel: 待发送, or the server's reason for refusing one.
export function pendingList(queue, addressOf, onDiscard) {
  const items = queue.items();
  if (items.length === 0) return null;
  return el('section', {class: 'pending-visits'},
    el('h3', {}, `待发送走访 ${items.length} 条`),
    el('ul', {}, items.map(({visit, error}) => {
      const discard = error ? el('button', {type: 'button', class: 'discard-visit'}, '删除') : null;
      discard?.addEventListener('click', () => onDiscard(visit.client_key));
      const where = visit.facility_id ? `场所 ${visit.facility_id}` : addressOf(visit.household_id);
      return el('li', {class: 'visit-pending', 'data-household': String(visit.household_id ?? '')},
        `${where} ${visit.kind} `,
        el('span', {class: error ? 'visit-refused' : 'visit-waiting'}, error ? `发送失败：${error}` : '待发送'),
        discard);
    })));
}
