// The side panel: grid contact card, "where am I" answer, incident card and
// messages. Built with textContent only, so data never becomes markup.

import {dutyNames, incidentStateNames, levelNames, lightNames, nameOf, triageNames} from './labels.js';

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export class Panel {
  constructor(root) {
    this.root = root;
  }

  show(...content) {
    this.root.replaceChildren(...content.filter((node) => node !== null && node !== undefined));
  }

  message(text, kind = 'info') {
    this.show(el('p', {class: `message ${kind}`, role: kind === 'error' ? 'alert' : null}, text));
  }

  // properties: a grids feature's properties; parents: [{code, name, level}] from the top.
  grid(properties, parents = []) {
    this.show(el('article', {class: 'card grid-card', 'data-code': properties.code},
      el('h2', {}, properties.name || properties.code),
      el('p', {class: 'code'}, `${nameOf(levelNames, properties.level)}编码 ${properties.code}`),
      properties.level === 'dedicated' ? el('p', {class: 'purpose'}, `专属类型：${properties.purpose || '未填写'}`) : null,
      chainList(parents),
      Number.isFinite(properties.household_count)
        ? el('p', {class: 'households'}, `住户 ${properties.household_count} 户`) : null,
      staffSection('网格人员', properties.staff)));
  }

  // answer: the JSON of GET /lookup, or null when the point is in no grid.
  lookup(answer, lngLat) {
    const where = el('p', {class: 'coords'}, `经度 ${lngLat.lng.toFixed(6)}，纬度 ${lngLat.lat.toFixed(6)}`);
    if (!answer) {
      this.show(el('article', {class: 'card lookup-card'},
        el('h2', {}, '不在任何网格内'), where,
        el('p', {class: 'message'}, '该位置不属于本系统管理的网格。')));
      return;
    }
    const distance = Number(answer.distance_to_boundary_m);
    this.show(el('article', {class: 'card lookup-card', 'data-code': answer.grid.code},
      el('h2', {}, `所在网格：${answer.grid.name}`),
      el('p', {class: 'code'}, `网格编码 ${answer.grid.code}`),
      answer.near_boundary ? el('p', {class: 'warning', role: 'alert'},
        `距网格边界不足20米${Number.isFinite(distance) ? `（约 ${distance.toFixed(1)} 米）` : ''}，请核对所属网格`) : null,
      chainList(lookupChain(answer)),
      where,
      staffSection('本网格人员', answer.staff),
      answer.dedicated ? dedicatedSection(answer.dedicated) : null));
  }

  incident(properties) {
    const row = (label, value) => (value ? [el('dt', {}, label), el('dd', {}, value)] : []);
    this.show(el('article', {class: 'card incident-card'},
      el('h2', {}, properties.category || '事件'),
      el('dl', {},
        row('状态', nameOf(incidentStateNames, properties.state)),
        row('分级', nameOf(triageNames, properties.triage)),
        row('时限', properties.light ? lightNames[properties.light] : null),
        row('来源', properties.source),
        row('网格', properties.grid_code),
        row('上报时间', formatTime(properties.reported_at)),
        row('处置时限', formatTime(properties.deadline)),
        row('描述', properties.description))));
  }
}

// The dedicated grid (专属网格) over a looked-up point: its cases go to its own staff first.
function dedicatedSection(dedicated) {
  return el('section', {class: 'dedicated', 'data-code': dedicated.code},
    el('h3', {}, `专属网格：${dedicated.name}${dedicated.purpose ? `（${dedicated.purpose}）` : ''}`),
    el('p', {class: 'message'}, '此处上报的一般事件优先派给专属网格人员。'),
    staffSection('专属网格人员', dedicated.staff));
}

// A time (ISO 8601 text or seconds) as China Standard Time; null for none.
export function formatTime(value) {
  if (!value) return null;
  const date = new Date(typeof value === 'number' ? value * 1000 : value);
  return Number.isNaN(date.getTime()) ? String(value)
    : date.toLocaleString('zh-CN', {timeZone: 'Asia/Shanghai', hour12: false});
}

// The /lookup answer's chain from street down to grid.
function lookupChain(answer) {
  if (Array.isArray(answer.chain) && answer.chain.length > 0) return answer.chain;
  return [['street', answer.street], ['community', answer.community], ['grid', answer.grid]]
    .filter(([, item]) => item).map(([level, item]) => ({level, ...item}));
}

function chainList(chain) {
  if (!chain.length) return null;
  return el('ol', {class: 'chain', 'aria-label': '所属层级'},
    chain.map((item) => el('li', {'data-level': item.level},
      el('span', {class: 'level'}, nameOf(levelNames, item.level)), ' ',
      el('span', {class: 'name'}, item.name || item.code))));
}

function staffSection(title, staff) {
  const members = Array.isArray(staff) ? staff : [];
  return el('section', {class: 'staff'},
    el('h3', {}, title),
    members.length === 0 ? el('p', {class: 'message'}, '暂无人员信息')
      : el('ul', {class: 'staff-list'}, members.map((member) => el('li', {class: 'staff-member'},
        el('span', {class: 'staff-name'}, member.name),
        el('span', {class: 'staff-role'}, member.role),
        member.duty ? el('span', {class: 'staff-duty'}, nameOf(dutyNames, member.duty)) : null,
        member.phone ? el('a', {class: 'staff-phone', href: `tel:${member.phone}`}, member.phone) : null,
        member.duty_days ? el('span', {class: 'staff-duty-days'}, `值班：${member.duty_days}`) : null))));
}
