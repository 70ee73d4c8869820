// The supervisor's live list of urgent cases nobody accepted in time (issue
// #15; DESIGN §5: 紧急 cases escalate when not accepted in time). It follows
// GET /incidents/escalated/events, which sends the caller's whole list on
// connect and again whenever it changes (a case crossing its time with no
// write, an acceptance), so the notice needs no reload and no polling.
// It floats over the map, outside the side panel, which other tools replace.

import {apiUrl} from './api.js';
import {el} from './panel.js';

function minutes(seconds) {
  return seconds < 3600 ? `${Math.max(1, Math.round(seconds / 60))} 分钟` : `${(seconds / 3600).toFixed(1)} 小时`;
}

export class EscalationNotice {
  // container: where the notice goes (the map's); onOpen(id): opens a case.
  constructor(container, onOpen) {
    this.onOpen = onOpen;
    this.events = null;
    this.list = null;  // the last answer
    this.root = el('aside', {class: 'escalation-notice', 'aria-live': 'polite', 'aria-label': '超时未受理紧急事件', hidden: true});
    container.append(this.root);
  }

  start() {
    this.root.hidden = false;
    if (this.events || typeof EventSource === 'undefined') return;
    this.render(null, '正在连接……');
    // Same origin: the session cookie goes along; EventSource reconnects by itself.
    this.events = new EventSource(apiUrl('incidents/escalated/events'));
    this.events.addEventListener('escalated', (event) => this.render(JSON.parse(event.data)));
    this.events.addEventListener('error', () => {
      if (this.events.readyState !== EventSource.OPEN) this.render(this.list, '实时更新连接中断，正在重新连接……');
    });
  }

  // Hidden in other views; the stream stays so the list is current when the supervisor comes back.
  hide() {
    this.root.hidden = true;
  }

  stop() {
    this.events?.close();
    this.events = null;
    this.root.remove();
  }

  render(answer, notice = null) {
    if (answer) this.list = answer;
    const incidents = this.list ? this.list.incidents : [];
    const count = this.list ? this.list.count : 0;
    this.root.classList.toggle('alert', count > 0);
    this.root.dataset.count = String(count);
    const items = incidents.slice(0, 20).map((incident) => {
      const item = el('li', {'data-id': String(incident.id), tabindex: '0'},
        el('span', {class: 'escalation-id'}, `#${incident.id}`), ' ',
        el('span', {class: 'escalation-category'}, incident.category), ' ',
        el('span', {class: 'escalation-grid'}, incident.grid_code), ' ',
        el('span', {class: 'escalation-overdue'}, `超时 ${minutes(incident.overdue_s)}未受理`));
      item.addEventListener('click', () => this.onOpen(incident.id));
      item.addEventListener('keydown', (event) => event.key === 'Enter' && this.onOpen(incident.id));
      return item;
    });
    this.root.replaceChildren(...[
      el('h3', {}, '超时未受理紧急事件 ', el('span', {class: 'escalation-count'}, `${count} 件`)),
      notice ? el('p', {class: 'message escalation-status'}, notice) : null,
      count === 0 ? el('p', {class: 'message ok escalation-none'}, '当前没有超时未受理的紧急事件。')
        : el('ol', {class: 'escalation-list'}, items),
    ].filter(Boolean));
  }
}
