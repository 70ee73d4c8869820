// "上报事件" of the field view: the worker chooses the place (a tap on the map,
// the device position or the point just looked up), fills in category, triage
// and a note, and POST /incidents stores the case; the server routes it to a
// grid and its worker, which the answer card then shows. A photo taken with
// the form (处置前) is uploaded once the case exists (case-photos.js).

import {gridByCode, sendJSON, userMessage} from './api.js';
import {chosenPhoto, photoInput, uploadPhoto} from './case-photos.js';
import {categorySelect, fetchCategories} from './categories.js';
import {levelNames, nameOf, triageNames} from './labels.js';
import {el} from './panel.js';

// The incident source the workflow records for a report made in the field (DESIGN §1).
const fieldSource = '网格员巡查';

const coordinates = (lngLat) => `经度 ${lngLat.lng.toFixed(6)}，纬度 ${lngLat.lat.toFixed(6)}`;

function button(label, className, onClick, type = 'button') {
  const node = el('button', {type, class: className}, label);
  if (onClick) node.addEventListener('click', onClick);
  return node;
}

export class IncidentReporter {
  // user: from /auth/me; show(...nodes): fills the side panel; markPoint(lngLat):
  // draws the chosen place; onReported(incident, card): the created case (the
  // POST /incidents answer) and its card; onCancel(): back to the view's panel.
  constructor({user, show, markPoint, onReported, onCancel}) {
    Object.assign(this, {user, show, markPoint, onReported, onCancel});
    this.picking = false;  // the next map tap chooses the place
    this.categories = null;  // Promise of the category table, asked for on the first form
  }

  // The 上报事件 button; lastPoint: the point looked up last (lngLat) or null.
  button(lastPoint) {
    return button('上报事件', 'report-incident', () => this.startPicking(lastPoint));
  }

  // Reporting at a point already chosen (the lookup card's button).
  hereButton(lngLat) {
    return button('在此处上报事件', 'report-incident report-here', () => this.openForm(lngLat));
  }

  startPicking(lastPoint) {
    this.picking = true;
    const choices = [];
    if (lastPoint) choices.push(button('使用刚才查询的位置', 'use-lookup-point', () => this.pickAt(lastPoint)));
    if ('geolocation' in navigator) {
      choices.push(button('使用我的位置', 'use-my-position', () => navigator.geolocation.getCurrentPosition(
        (position) => this.pickAt({lng: position.coords.longitude, lat: position.coords.latitude}),
        () => this.show(this.pickingPrompt(choices, '无法获取当前位置，请在地图上点击事件位置。')))));
    }
    choices.push(button('取消', 'cancel-report', () => this.cancel()));
    this.show(this.pickingPrompt(choices));
  }

  pickingPrompt(choices, warning = null) {
    return el('article', {class: 'card incident-picking'},
      el('h2', {}, '上报事件'),
      warning ? el('p', {class: 'message error', role: 'alert'}, warning) : null,
      el('p', {class: 'message'}, '请在地图上点击事件发生的位置。'),
      el('div', {class: 'buttons'}, choices));
  }

  pickAt(lngLat) {
    this.picking = false;
    this.openForm(lngLat);
  }

  cancel() {
    this.picking = false;
    this.onCancel();
  }

  openForm(lngLat) {
    this.picking = false;
    this.markPoint(lngLat);
    this.categories ??= fetchCategories();
    const failure = el('p', {class: 'message error form-error', role: 'alert', hidden: true});
    const fail = (text) => {
      failure.textContent = text;
      failure.hidden = false;
    };
    const category = categorySelect(this.categories, {
      name: 'category', label: '事件类别', first: {value: '', label: '请选择类别'},
      onError: (error) => fail(`事件类别加载失败：${userMessage(error)}`),
    });
    const triage = el('select', {name: 'triage', 'aria-label': '事件分级'},
      Object.entries(triageNames).map(([value, label]) => el('option', {value}, label)));
    const note = el('textarea', {name: 'description', rows: 3, maxlength: 1000, placeholder: '请简要说明事件情况'});
    const photo = photoInput('photo', '现场照片（处置前）');
    const submit = button('上报', 'submit-report', null, 'submit');
    const form = el('form', {class: 'card incident-form', novalidate: true},
      el('h2', {}, '上报事件'),
      el('p', {class: 'coords'}, coordinates(lngLat)),
      el('label', {}, '类别', category),
      el('label', {}, '分级', triage),
      el('label', {}, '情况说明', note),
      photo.field,
      failure,
      el('div', {class: 'buttons'}, submit, button('取消', 'cancel-report', () => this.cancel())));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!category.value) return fail('请选择事件类别。');
      if (!note.value.trim()) return fail('请填写情况说明。');
      let file;
      try {
        file = chosenPhoto(photo.input);
      } catch (error) {
        return fail(error.message);
      }
      submit.disabled = true;
      try {
        const incident = await sendJSON('incidents', {
          category: category.value, triage: triage.value, source: fieldSource,
          description: note.value.trim(), lon: lngLat.lng, lat: lngLat.lat,
        });
        // The case is stored: a failed photo is reported on its card, not as a failed report.
        const photoFailure = file ? await uploadPhoto(incident.id, 'report', file).then(() => null, userMessage) : null;
        const card = await this.createdCard(incident);
        if (file) {
          card.append(photoFailure
            ? el('p', {class: 'message error photo-error', role: 'alert'}, `照片上传失败：${photoFailure}，可在案卷页重新上传。`)
            : el('p', {class: 'message ok photo-uploaded'}, '现场照片已上传。'));
        }
        await this.onReported(incident, card);
      } catch (error) {
        fail(`上报失败：${userMessage(error)}`);
        submit.disabled = false;
      }
      return undefined;
    });
    this.show(form);
  }

  // The created case: where the server routed it and who handles it.
  // The assignee is a staff id, or for coordination and urgent cases the
  // community or street code (DESIGN §5); names are best effort.
  async createdCard(incident) {
    const self = incident.assignee !== '' && Number(incident.assignee) === Number(this.user.staff_id);
    const area = (code) => (code ? gridByCode(code).catch(() => null) : null);
    const [grid, assignedArea] = await Promise.all([area(incident.grid_code), self ? null : area(incident.assignee)]);
    const gridText = `${grid ? grid.properties.name : incident.grid_code}（${incident.grid_code}）`;
    let assignee = '待指派';
    if (self) assignee = '您本人';
    else if (assignedArea) {
      const {level, name, code} = assignedArea.properties;
      assignee = `${nameOf(levelNames, level)}：${name}（${code}）`;
    } else if (incident.assignee) assignee = `网格员（编号 ${incident.assignee}）`;
    const row = (label, value, key) => [el('dt', {}, label), el('dd', {'data-field': key}, value)];
    return el('article', {class: 'card incident-created', 'data-id': String(incident.id), 'data-grid': incident.grid_code || ''},
      el('h2', {}, `事件已上报（编号 ${incident.id}）`),
      el('dl', {},
        row('类别', incident.category, 'category'),
        row('分级', triageNames[incident.triage] || incident.triage, 'triage'),
        row('所属网格', gridText, 'grid'),
        row('处置人', assignee, 'assignee'),
        row('情况说明', incident.description, 'description')),
      el('p', {class: 'coords'}, coordinates({lng: incident.lon, lat: incident.lat})));
  }
}
