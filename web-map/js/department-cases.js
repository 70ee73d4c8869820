// 吹哨报到 on the map (issue #15): the department chooser of the case page's
// 派遣至部门 action, and a department account's own list of cases (GET
// /departments/{code}/incidents), each opening the case page with the
// department's buttons (报到, 处置反馈) from the server's allowed_actions.

import {apiUrl, getJSON, userMessage} from './api.js';
import {incidentStateNames, lightNames, nameOf} from './labels.js';
import {el, formatTime} from './panel.js';

let departmentsPromise = null;

// GET /departments, once per page.
export function fetchDepartments() {
  departmentsPromise ??= getJSON(apiUrl('departments')).then((body) => body.departments).catch((error) => {
    departmentsPromise = null;
    throw error;
  });
  return departmentsPromise;
}

// "报到时限 2 小时，办理时限 72 小时": the department's times for a case of `triage`.
export function departmentTimes(department, triage) {
  const hours = department.deadline_hours[triage] ?? department.deadline_hours.general;
  return `报到时限 ${department.acknowledge_hours} 小时，办理时限 ${hours} 小时（自派遣时起算）`;
}

// A <select> of the departments with the chosen one's times below it.
export function departmentChooser(triage) {
  const select = el('select', {name: 'department', required: true}, el('option', {value: ''}, '请选择职能部门'));
  const times = el('p', {class: 'message department-times', 'aria-live': 'polite'});
  let departments = [];
  select.addEventListener('change', () => {
    const chosen = departments.find((department) => department.code === select.value);
    times.textContent = chosen ? departmentTimes(chosen, triage) : '';
  });
  fetchDepartments().then((list) => {
    departments = list;
    select.append(...list.map((department) => el('option', {value: department.code}, department.name)));
  }).catch((error) => {
    times.textContent = `无法读取职能部门：${userMessage(error)}`;
  });
  return {element: el('div', {class: 'department-chooser'}, el('label', {}, '职能部门', select), times), select};
}

// The case page's rows for its current (last) department step.
export function departmentStepRows(steps) {
  const step = steps && steps.length > 0 ? steps[steps.length - 1] : null;
  if (!step) return [];
  const row = (label, value, key) => (value ? [el('dt', {}, label), el('dd', {'data-field': key}, value)] : []);
  let acknowledged = `未报到（应于 ${formatTime(step.acknowledge_due)} 前）`;
  if (step.acknowledged_at) acknowledged = `${formatTime(step.acknowledged_at)}${step.acknowledged_on_time ? '' : '（超时报到）'}`;
  return [
    ...row('职能部门', step.name, 'department'),
    ...row('部门报到', acknowledged, 'department-acknowledged'),
    ...row('部门时限', `${formatTime(step.due)}（${lightNames[step.light] || step.light_zh}）`, 'department-due'),
  ];
}

// A department account's cases: those at the department now first.
export async function departmentCasesElement(code, openCase) {
  const body = await getJSON(apiUrl(`departments/${encodeURIComponent(code)}/incidents`));
  const cases = [...body.incidents].sort((a, b) => Number(b.at_department) - Number(a.at_department));
  const item = (incident) => {
    const button = el('button', {type: 'button', class: 'open-case', 'data-id': String(incident.id)}, '办理');
    button.addEventListener('click', () => openCase(incident.id));
    return el('li', {class: `department-case light-${incident.step.light}`, 'data-id': String(incident.id)},
      el('strong', {}, `${incident.category}（事件 ${incident.id}）`), ' ',
      el('span', {class: 'state'}, nameOf(incidentStateNames, incident.state)),
      incident.at_department ? el('span', {class: 'due'}, ` · 时限 ${formatTime(incident.step.due)}`) : null,
      el('p', {class: 'description'}, incident.description), button);
  };
  return el('section', {class: 'department-cases'},
    el('h3', {}, `${body.department.name} · 本部门案件 ${cases.length} 件`),
    cases.length > 0 ? el('ul', {}, cases.map(item)) : el('p', {class: 'message'}, '暂无派遣至本部门的案件。'));
}
