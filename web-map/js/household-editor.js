// 住户信息维护 (实时采集、动态管理; src/http/household_routes.hpp): a grid
// worker adds a household at a point of the map, edits one, or moves it out
// (迁出); the server checks the fields and the worker's grids and keeps every
// change as a version (变更记录). A new move-in becomes a 五必访 on the
// worker's due list. Also the month's change list (新增、迁出、标签变化) that
// the community reports at the start of the next month.

import {apiUrl, getJSON, sendJSON, userMessage} from './api.js';
import {householdAddress} from './my-area.js';
import {el, formatTime} from './panel.js';
import {chinaDate as today} from './stats.js';
import {fetchVisitKinds} from './visits.js';

const fieldNames = {
  compound: '小区', building: '楼栋', unit: '单元', room: '室', location: '位置', grid_code: '所属网格',
  members: '人数', tags: '标签', head_name: '户主姓名', id_number: '身份证号', phone: '联系电话',
  moved_in: '入住日期', moved_out: '迁出日期',
};
const addressFields = ['compound', 'building', 'unit', 'room'];
const personalFields = ['head_name', 'id_number', 'phone'];

function button(label, className, onClick, type = 'button') {
  const node = el('button', {type, class: className}, label);
  if (onClick) node.addEventListener('click', onClick);
  return node;
}

function failureLine() {
  const failure = el('p', {class: 'message error form-error', role: 'alert', hidden: true});
  const fail = (text) => {
    failure.textContent = text;
    failure.hidden = false;
  };
  return {failure, fail};
}

// The special groups the server knows (the reasons of the visit kinds), as tag choices.
async function knownTags() {
  const kinds = await fetchVisitKinds();
  return [...new Set(kinds.flatMap((kind) => kind.reasons || []))];
}

function tagPicker(chosen) {
  const box = el('fieldset', {class: 'tag-picker'}, el('legend', {}, '标签（特殊人群）'));
  const other = el('input', {name: 'other_tags', placeholder: '其他标签，用顿号分隔'});
  const boxes = new Map();
  knownTags().then((tags) => {
    for (const tag of tags) {
      const input = el('input', {type: 'checkbox', value: tag, checked: chosen.includes(tag)});
      boxes.set(tag, input);
      box.insertBefore(el('label', {class: 'tag'}, input, tag), other.parentNode);
    }
    other.value = chosen.filter((tag) => !boxes.has(tag)).join('、');
  }).catch(() => {
    other.value = chosen.join('、');  // offline: the tags as free text
  });
  box.append(el('label', {}, '其他', other));
  const value = () => [...[...boxes].filter(([, input]) => input.checked).map(([tag]) => tag),
    ...other.value.split(/[、,，;；]/).map((tag) => tag.trim()).filter(Boolean)];
  return {element: box, value};
}

// The form of a new household (at lngLat) or of an edit (household: the
// record as GET /collections/households/items/{id} gives it, personal fields masked).
export function householdForm({lngLat = null, household = null, onDone, onCancel}) {
  const {failure, fail} = failureLine();
  const initial = household ? household.properties : {members: 1, tags: [], moved_in: today()};
  const input = (name, attributes = {}) => el('input', {name, value: initial[name] ?? '', ...attributes});
  const inputs = {
    compound: input('compound', {required: true, maxlength: 50}),
    building: input('building', {maxlength: 50}),
    unit: input('unit', {maxlength: 50}),
    room: input('room', {maxlength: 50}),
    members: input('members', {type: 'number', min: 1, max: 99, inputmode: 'numeric'}),
    moved_in: input('moved_in', {type: 'date', max: today()}),
  };
  // Masked values are never sent back: an empty field leaves the stored value.
  for (const name of personalFields) {
    inputs[name] = el('input', {name, maxlength: 50,
      placeholder: household && initial[name] ? `现为 ${initial[name]}，不修改请留空` : ''});
  }
  inputs.phone.type = 'tel';
  const tags = tagPicker(Array.isArray(initial.tags) ? initial.tags : []);
  const submit = button(household ? '保存修改' : '保存住户', 'submit-household', null, 'submit');
  const label = (name) => el('label', {}, fieldNames[name], inputs[name]);
  const form = el('form', {class: 'card household-form', novalidate: true, 'data-id': household ? String(household.id) : ''},
    el('h2', {}, household ? `修改住户信息（编号 ${household.id}）` : '新增住户'),
    lngLat ? el('p', {class: 'coords'}, `经度 ${lngLat.lng.toFixed(6)}，纬度 ${lngLat.lat.toFixed(6)}`) : null,
    ...addressFields.map(label), label('members'), tags.element, ...personalFields.map(label), label('moved_in'),
    failure,
    el('div', {class: 'buttons'}, submit, button('取消', 'cancel-household', onCancel)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!inputs.compound.value.trim()) return fail('请填写小区名称。');
    const members = Number(inputs.members.value);
    if (!Number.isInteger(members) || members < 1 || members > 99) return fail('人数应为 1 至 99 的整数。');
    const body = {};
    for (const name of addressFields) {
      const value = inputs[name].value.trim();
      if (!household || value !== (initial[name] ?? '')) body[name] = value;
    }
    if (!household || members !== initial.members) body.members = members;
    for (const name of personalFields) {
      if (inputs[name].value.trim()) body[name] = inputs[name].value.trim();
    }
    const chosenTags = tags.value();
    if (!household || JSON.stringify(chosenTags) !== JSON.stringify(initial.tags || [])) body.tags = chosenTags;
    if (inputs.moved_in.value && (!household || inputs.moved_in.value !== initial.moved_in)) body.moved_in = inputs.moved_in.value;
    if (lngLat) Object.assign(body, {lon: lngLat.lng, lat: lngLat.lat});
    if (household && Object.keys(body).length === 0) return fail('没有需要保存的修改。');
    submit.disabled = true;
    try {
      const saved = household
        ? await sendJSON(`households/${household.id}`, body, 'PATCH')
        : await sendJSON('households', body);
      onDone(saved, household ? '住户信息已保存。' : '住户已新增。');
    } catch (error) {
      fail(`保存失败：${userMessage(error)}`);
      submit.disabled = false;
    }
    return undefined;
  });
  return form;
}

// 迁出: the date (today unless given) and a confirmation.
export function moveOutForm({household, onDone, onCancel}) {
  const {failure, fail} = failureLine();
  const date = el('input', {type: 'date', name: 'date', value: today(), max: today()});
  const submit = button('确认迁出', 'submit-move-out', null, 'submit');
  const form = el('form', {class: 'card move-out-form', novalidate: true, 'data-id': String(household.id)},
    el('h2', {}, '住户迁出'),
    el('p', {}, householdAddress(household.properties) || `住户 ${household.id}`),
    el('p', {class: 'message warning'}, '迁出后该户不再计入网格住户数和走访任务，变更记录仍然保留。'),
    el('label', {}, '迁出日期', date),
    failure,
    el('div', {class: 'buttons'}, submit, button('取消', 'cancel-move-out', onCancel)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      onDone(await sendJSON(`households/${household.id}/move-out`, {date: date.value || today()}), '住户已迁出。');
    } catch (error) {
      fail(`迁出失败：${userMessage(error)}`);
      submit.disabled = false;
    }
  });
  return form;
}

function tagsText(tags) {
  return Array.isArray(tags) && tags.length > 0 ? tags.join('、') : '无';
}

// 变更记录: the household's versions, newest first.
export async function historyElement(id, onBack) {
  const {versions} = await getJSON(apiUrl(`households/${id}/history`));
  const items = [...versions].reverse().map((version) => {
    const changed = version.changed.map((name) => fieldNames[name] || name).join('、');
    let detail = version.kind === 'edited' ? `修改：${changed}` : version.kind_zh;
    if (version.changed.includes('tags')) detail += `（标签 ${tagsText(version.before.tags)} → ${tagsText(version.after.tags)}）`;
    return el('li', {'data-kind': version.kind},
      el('span', {class: 'when'}, formatTime(version.at)), ' ', el('span', {class: 'who'}, version.user), ' ', detail);
  });
  return el('article', {class: 'card household-history', 'data-id': String(id)},
    el('h2', {}, `变更记录（住户 ${id}）`),
    items.length > 0 ? el('ol', {}, items) : el('p', {class: 'message'}, '暂无变更记录。'),
    el('div', {class: 'buttons'}, button('返回', 'back', onBack)));
}

function changeLine(line, extra) {
  const p = line.household.properties;
  return el('li', {'data-id': String(p.id)},
    el('span', {class: 'address'}, householdAddress(p) || `住户 ${p.id}`), ' ',
    el('span', {class: 'code'}, p.grid_code), ' ',
    el('span', {class: 'when'}, formatTime(line.at)), ' ', el('span', {class: 'who'}, line.user),
    extra ? ` ${extra(line)}` : '');
}

// 住户变更: the month's list of the caller's grids, with the workbook to download.
export function monthlyChangesElement(month) {
  const root = el('section', {class: 'household-changes'}, el('h3', {}, '住户变更（月报）'));
  const picker = el('input', {type: 'month', name: 'changes-month', value: month, 'aria-label': '月份'});
  const result = el('div', {class: 'result'});
  const download = el('a', {class: 'download', href: apiUrl('stats/report.xlsx', {month}), download: ''},
    '下载月报（含住户变更）');
  const load = async () => {
    download.href = apiUrl('stats/report.xlsx', {month: picker.value});
    result.replaceChildren(el('p', {class: 'message'}, '正在加载……'));
    try {
      const list = await getJSON(apiUrl('households/changes', {month: picker.value}));
      const section = (key, title, extra) => el('div', {class: `changes-${key}`},
        el('h4', {}, `${title} ${list.counts[key]} 户`),
        list[key].length > 0 ? el('ul', {}, list[key].map((line) => changeLine(line, extra))) : null);
      result.replaceChildren(
        section('added', '新增', (line) => `入住 ${line.household.properties.moved_in ?? '—'}`),
        section('moved_out', '迁出', (line) => `迁出 ${line.household.properties.moved_out ?? '—'}`),
        section('tags_changed', '标签变化', (line) => [
          line.tags_added.length ? `新增标签 ${line.tags_added.join('、')}` : '',
          line.tags_removed.length ? `移除标签 ${line.tags_removed.join('、')}` : ''].filter(Boolean).join('，')));
    } catch (error) {
      result.replaceChildren(el('p', {class: 'message error', role: 'alert'}, `住户变更加载失败：${userMessage(error)}`));
    }
  };
  picker.addEventListener('change', load);
  root.append(el('label', {}, '月份', picker), result, download);
  load();
  return root;
}

// The household actions of the field view: 新增住户 (a tap on the map picks
// the place) and, on a tapped household's card, 修改 / 迁出 / 变更记录.
export class HouseholdEditor {
  // show(...nodes): fills the side panel; markPoint(lngLat): draws the place;
  // onSaved(household, text): after a stored change; onCancel(): back.
  constructor({show, markPoint, onSaved, onCancel}) {
    Object.assign(this, {show, markPoint, onSaved, onCancel});
    this.picking = false;
  }

  addButton() {
    return button('新增住户', 'add-household', () => {
      this.picking = true;
      this.show(el('article', {class: 'card household-picking'},
        el('h2', {}, '新增住户'),
        el('p', {class: 'message'}, '请在地图上点击住户所在的位置。'),
        el('div', {class: 'buttons'}, button('取消', 'cancel-household', () => this.cancel()))));
    });
  }

  pickAt(lngLat) {
    this.picking = false;
    this.markPoint(lngLat);
    this.show(householdForm({lngLat, onDone: this.onSaved, onCancel: () => this.cancel()}));
  }

  cancel() {
    this.picking = false;
    this.onCancel();
  }

  // The buttons for a tapped household's card.
  cardButtons(id) {
    const withRecord = (open) => async () => {
      try {
        open(await getJSON(apiUrl(`collections/households/items/${id}`)));
      } catch (error) {
        this.show(el('p', {class: 'message error', role: 'alert'}, `住户信息加载失败：${userMessage(error)}`));
      }
    };
    return [
      button('修改信息', 'edit-household', withRecord((household) => this.show(householdForm({
        household, onDone: this.onSaved, onCancel: () => this.cancel()})))),
      button('迁出', 'move-out-household', withRecord((household) => this.show(moveOutForm({
        household, onDone: this.onSaved, onCancel: () => this.cancel()})))),
      button('变更记录', 'household-history', async () => {
        try {
          this.show(await historyElement(id, () => this.cancel()));
        } catch (error) {
          this.show(el('p', {class: 'message error', role: 'alert'}, `变更记录加载失败：${userMessage(error)}`));
        }
      }),
    ];
  }
}
