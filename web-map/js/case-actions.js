// The case page (issue #15): an incident with its full history and a button
// for exactly each transition the signed-in user may make on it now. The
// buttons are the server's `allowed_actions` (GET /incidents/{id}), computed
// from the same role table and state machine that POST
// /incidents/{id}/transitions enforces, so the map never offers what the
// server would refuse. An action that needs a reason, an approver or hours
// asks for them before it is sent; 派遣至部门 also for the department
// (department-cases.js), whose times it shows. The page shows the case's
// photos (处置前/处置后); reporting the result (resolve) takes an
// after-photo, which is uploaded before the transition (the server takes
// result photos while the case is in progress), so a failed upload leaves
// the case as it was.

import {apiUrl, getJSON, sendJSON, userMessage} from './api.js';
import {departmentChooser, departmentStepRows} from './department-cases.js';
import {incidentStateNames, lightNames, nameOf, triageNames} from './labels.js';
import {el, formatTime} from './panel.js';
import {chosenPhoto, photoGallery, photoInput, uploadPhoto} from './case-photos.js';

export function fetchCase(id) {
  return getJSON(apiUrl(`incidents/${id}`));
}

function historyList(history) {
  return el('ol', {class: 'case-history', 'aria-label': '办理记录'}, history.map((event) => el('li', {},
    el('time', {}, formatTime(event.at)), ' ',
    el('span', {class: 'actor'}, event.actor), ' ',
    el('span', {class: 'to-state'}, nameOf(incidentStateNames, event.to_state)),
    event.note ? el('span', {class: 'note'}, `：${event.note}`) : null)));
}

// The inputs an action needs, and the button that sends it; sendPhoto(file) for resolve's after-photo.
function actionForm(action, send, incident, sendPhoto) {
  const failure = el('p', {class: 'message error form-error', role: 'alert', hidden: true});
  const reason = el('textarea', {name: 'reason', rows: 2, maxlength: 2000,
    placeholder: action.needs_reason ? `${action.label_zh}原因（必填）` : '备注（可选）'});
  const approver = action.needs_approver ? el('input', {name: 'approver', type: 'text', placeholder: '批准人（必填）'}) : null;
  const hours = action.needs_hours ? el('input', {name: 'hours', type: 'number', min: 1, max: 720, step: 1, placeholder: '延期小时数'}) : null;
  const photo = action.action === 'resolve' ? photoInput('photo', '处置后照片') : null;
  const department = action.needs_department ? departmentChooser(incident.triage) : null;
  const confirm = el('button', {type: 'submit', class: 'confirm-action'}, `确认${action.label_zh}`);
  const form = el('form', {class: 'case-action-form', 'data-action': action.action, novalidate: true},
    department ? department.element : null,
    el('label', {}, action.needs_reason ? '原因' : '备注', reason),
    approver ? el('label', {}, '批准人', approver) : null,
    hours ? el('label', {}, '延期（小时）', hours) : null,
    photo ? photo.field : null,
    failure, confirm);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fail = (text) => {
      failure.textContent = text;
      failure.hidden = false;
    };
    const text = reason.value.trim();
    if (department && !department.select.value) return fail('请选择职能部门。');
    if (action.needs_reason && !text) return fail(`请填写${action.label_zh}原因。`);
    if (approver && !approver.value.trim()) return fail('请填写批准人。');
    if (hours && !(Number(hours.value) >= 1 && Number(hours.value) <= 720)) return fail('延期时长须在 1 至 720 小时之间。');
    const body = {action: action.action};
    if (text) body[action.needs_reason ? 'reason' : 'note'] = text;
    if (approver) body.approver = approver.value.trim();
    if (hours) body.hours = Number(hours.value);
    if (department) body.department = department.select.value;
    let file = null;
    try {
      file = photo ? chosenPhoto(photo.input) : null;
    } catch (error) {
      return fail(error.message);
    }
    confirm.disabled = true;
    if (file) {
      try {
        await sendPhoto(file);
      } catch (error) {
        fail(`照片上传失败：${userMessage(error)}`);
        confirm.disabled = false;
        return undefined;
      }
    }
    try {
      await send(body);
    } catch (error) {
      fail(`办理失败：${userMessage(error)}`);
      confirm.disabled = false;
    }
    return undefined;
  });
  return form;
}

// The reporter's 满意度评价 of a closed case (1–5, once), when the server offers it (can_rate).
function ratingForm(incident, onRated) {
  const failure = el('p', {class: 'message error form-error', role: 'alert', hidden: true});
  const score = el('select', {name: 'score'}, [5, 4, 3, 2, 1].map((n) => el('option', {value: String(n)}, `${n} 分`)));
  const comment = el('textarea', {name: 'comment', rows: 2, maxlength: 2000, placeholder: '评价内容（可选）'});
  const submit = el('button', {type: 'submit', class: 'confirm-rating'}, '提交评价');
  const form = el('form', {class: 'case-rating-form', novalidate: true},
    el('label', {}, '满意度', score), el('label', {}, '评价', comment), failure, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    const body = {score: Number(score.value)};
    if (comment.value.trim()) body.comment = comment.value.trim();
    try {
      await sendJSON(`incidents/${incident.id}/rating`, body);
      onRated(await fetchCase(incident.id));
    } catch (error) {
      failure.textContent = `评价失败：${userMessage(error)}`;
      failure.hidden = false;
      submit.disabled = false;
    }
  });
  return el('section', {class: 'case-rating'}, el('h3', {}, '满意度评价'), form);
}

// incident: GET /incidents/{id} (or a transition's answer); onChanged(incident) after a transition.
export function caseCard(incident, onChanged) {
  const row = (label, value, key) => (value ? [el('dt', {}, label), el('dd', {'data-field': key}, value)] : []);
  const actions = incident.allowed_actions || [];
  const slot = el('div', {class: 'case-action-slot'});
  const send = async (body) => {
    const changed = await sendJSON(`incidents/${incident.id}/transitions`, body);
    // A closed case is read again: its page offers the reporter's rating (can_rate, GET only).
    onChanged(changed.state === 'closed' ? await fetchCase(incident.id) : changed);
  };
  const sendPhoto = (file) => uploadPhoto(incident.id, 'result', file);
  const buttons = actions.map((action) => {
    const button = el('button', {type: 'button', class: 'case-action', 'data-action': action.action}, action.label_zh);
    button.addEventListener('click', () => {
      slot.replaceChildren(actionForm(action, send, incident, sendPhoto));
      slot.querySelector('textarea')?.focus();
    });
    return button;
  });
  return el('article', {class: 'card incident-card case-card', 'data-id': String(incident.id), 'data-state': incident.state},
    el('h2', {}, incident.category || '事件'),
    el('p', {class: 'code'}, `事件编号 ${incident.id}`),
    el('dl', {},
      row('状态', nameOf(incidentStateNames, incident.state), 'state'),
      row('分级', nameOf(triageNames, incident.triage), 'triage'),
      row('时限', incident.light ? lightNames[incident.light] : null, 'light'),
      row('来源', incident.source, 'source'),
      row('网格', incident.grid_code, 'grid'),
      row('处置时限', formatTime(incident.deadline), 'deadline'),
      departmentStepRows(incident.departments),
      row('描述', incident.description, 'description')),
    el('section', {class: 'case-actions'},
      el('h3', {}, '办理'),
      buttons.length > 0 ? el('div', {class: 'buttons'}, buttons)
        : el('p', {class: 'message no-actions'}, '您当前无可办理的操作。'),
      slot),
    photoGallery(incident.id),
    incident.can_rate ? ratingForm(incident, onChanged) : null,
    el('section', {}, el('h3', {}, '办理记录'), historyList(incident.history || [])));
}

// Shows the case page of incident `id` through show(...nodes), again after each transition.
export async function openCase(id, show) {
  const render = (incident) => show(caseCard(incident, render));
  render(await fetchCase(id));
}
