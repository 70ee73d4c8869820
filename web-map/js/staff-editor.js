// A grid's staff in the grid card (定人、定岗、定责; src/http/staff_routes.hpp):
// planners assign people with their duty (A岗 / B岗) and their days on duty
// (值班日, posted on the grid's contact card) and save the grid's list whole; planners and supervisors mark a person's leave, during which the
// grid's B岗 takes over new cases. The server checks every rule (one A岗 at
// most, known people, scope) and its Chinese message is shown as it comes.

import {apiUrl, getJSON, sendJSON, userMessage} from './api.js';
import {dutyNames} from './labels.js';
import {el} from './panel.js';

const weekdayNames = ['一', '二', '三', '四', '五', '六', '日'];

function leaveText(leave) {
  if (!leave) return null;
  return `请假 ${leave.from ?? '…'} 至 ${leave.until ?? '…'}`;
}

export class StaffEditor {
  // canAssign: the user may change the grid's links (planner, admin);
  // canSetLeave: the user may mark leave (planner, supervisor, admin).
  constructor({canAssign, canSetLeave}) {
    this.canAssign = canAssign;
    this.canSetLeave = canSetLeave;
  }

  // The section for grid `code`; it fills itself once the staff are read.
  element(code) {
    const root = el('section', {class: 'staff-editor', 'data-code': code, 'aria-live': 'polite'},
      el('h3', {}, '人员与AB岗'), el('p', {class: 'message'}, '正在读取人员……'));
    this.load(root, code);
    return root;
  }

  async load(root, code) {
    try {
      this.render(root, await getJSON(apiUrl(`grids/${encodeURIComponent(code)}/staff`)));
    } catch (error) {
      root.replaceChildren(el('h3', {}, '人员与AB岗'),
        el('p', {class: 'message error', role: 'alert'}, `读取人员失败：${userMessage(error)}`));
    }
  }

  render(root, answer, notice = null) {
    const code = answer.grid.code;
    // The list being edited: {id, name, role, phone, duty, duty_weekdays, leave, on_leave}.
    const members = answer.staff.map((member) => ({...member}));
    const warning = answer.no_primary_staff
      ? el('p', {class: 'message warning no-primary-staff', role: 'alert'}, answer.no_primary_staff) : null;
    const list = el('ul', {class: 'staff-assignments'});
    const save = el('button', {type: 'button', class: 'save-staff', disabled: true}, '保存人员安排');
    const changed = () => { save.disabled = false; };
    const draw = () => list.replaceChildren(...members.map((member, index) => this.row(root, member, changed, () => {
      members.splice(index, 1);
      changed();
      draw();
    })));
    draw();
    save.addEventListener('click', async () => {
      save.disabled = true;
      try {
        const saved = await sendJSON(`grids/${encodeURIComponent(code)}/staff`,
          {staff: members.map((member) => ({id: member.id, duty: member.duty, duty_days: member.duty_weekdays ?? []}))},
          'PUT');
        this.render(root, saved, el('p', {class: 'message ok', role: 'status'}, '人员安排已保存'));
      } catch (error) {
        save.disabled = false;
        root.querySelector('.staff-error')?.remove();
        root.append(el('p', {class: 'message error staff-error', role: 'alert'}, `保存失败：${userMessage(error)}`));
      }
    });
    // replaceChildren() would write a null as the text "null".
    root.replaceChildren(...[el('h3', {}, '人员与AB岗'), notice, warning,
      members.length === 0 ? el('p', {class: 'message'}, '本网格尚无人员') : null, list,
      this.canAssign ? this.search(members, () => { changed(); draw(); }) : null,
      this.canAssign ? save : null].filter(Boolean));
  }

  row(root, member, changed, remove) {
    const duty = this.canAssign
      ? el('select', {class: 'duty', 'aria-label': `${member.name}的岗位`},
        ...Object.entries(dutyNames).map(([value, label]) => el('option', {value, selected: member.duty === value}, label)))
      : el('span', {class: 'staff-duty'}, dutyNames[member.duty] ?? member.duty);
    if (this.canAssign) {
      duty.addEventListener('change', () => {
        member.duty = duty.value;
        changed();
      });
    }
    const removeButton = this.canAssign ? el('button', {type: 'button', class: 'remove-staff'}, '移除') : null;
    removeButton?.addEventListener('click', remove);
    return el('li', {class: 'staff-assignment', 'data-staff-id': String(member.id)},
      el('span', {class: 'staff-name'}, member.name), ' ', el('span', {class: 'staff-role'}, member.role), ' ', duty,
      member.on_leave ? el('span', {class: 'on-leave'}, '（请假中）') : null,
      leaveText(member.leave) ? el('span', {class: 'leave'}, leaveText(member.leave)) : null,
      this.canAssign ? this.dutyDays(member, changed)
        : member.duty_days ? el('span', {class: 'staff-duty-days'}, `值班：${member.duty_days}`) : null,
      removeButton, this.canSetLeave ? this.leaveForm(root, member) : null);
  }

  // The person's days on duty in this grid: one toggle per weekday (1 Monday … 7 Sunday).
  dutyDays(member, changed) {
    const days = new Set(member.duty_weekdays ?? []);
    const boxes = weekdayNames.map((name, index) => {
      const box = el('input', {type: 'checkbox', class: 'duty-day', value: String(index + 1), checked: days.has(index + 1),
        'aria-label': `${member.name}周${name}值班`});
      box.addEventListener('change', () => {
        if (box.checked) days.add(index + 1);
        else days.delete(index + 1);
        member.duty_weekdays = [...days].sort((a, b) => a - b);
        changed();
      });
      return el('label', {class: 'duty-day-choice'}, box, name);
    });
    return el('span', {class: 'duty-days', role: 'group', 'aria-label': `${member.name}的值班日`}, '值班：', ...boxes);
  }

  leaveForm(root, member) {
    const from = el('input', {type: 'date', class: 'leave-from', 'aria-label': '请假开始日期', value: member.leave?.from ?? ''});
    const until = el('input', {type: 'date', class: 'leave-until', 'aria-label': '请假结束日期', value: member.leave?.until ?? ''});
    const set = el('button', {type: 'button', class: 'set-leave'}, '登记请假');
    const end = el('button', {type: 'button', class: 'end-leave', disabled: !member.leave}, '销假');
    const status = el('span', {class: 'leave-status', role: 'status'});
    const send = async (body, done) => {
      try {
        const saved = await sendJSON(`staff/${member.id}/leave`, body, 'PUT');
        Object.assign(member, {leave: saved.leave, on_leave: saved.on_leave});
        status.textContent = done;
        end.disabled = !saved.leave;
      } catch (error) {
        status.textContent = `操作失败：${userMessage(error)}`;
      }
    };
    set.addEventListener('click', () => {
      if (!from.value && !until.value) {
        status.textContent = '请填写请假开始或结束日期';
        return;
      }
      send({from: from.value || null, until: until.value || null}, '请假已登记，期间由B岗接替');
    });
    end.addEventListener('click', () => send({from: null, until: null}, '已销假'));
    return el('details', {class: 'leave-form'}, el('summary', {}, '请假'), from, until, set, end, status);
  }

  // Finding people to add: by a part of the name or phone.
  search(members, added) {
    const input = el('input', {type: 'search', class: 'staff-search', placeholder: '输入姓名或电话查找人员', 'aria-label': '查找人员'});
    const results = el('ul', {class: 'staff-results'});
    const find = el('button', {type: 'button', class: 'find-staff'}, '查找');
    const run = async () => {
      const q = input.value.trim();
      if (!q) return;
      results.replaceChildren(el('li', {class: 'message'}, '正在查找……'));
      try {
        const answer = await getJSON(apiUrl('staff', {q, limit: 20}));
        if (answer.staff.length === 0) {
          results.replaceChildren(el('li', {class: 'message'}, '没有找到匹配的人员'));
          return;
        }
        results.replaceChildren(...answer.staff.map((person) => {
          const buttons = Object.entries(dutyNames).map(([duty, label]) => {
            const button = el('button', {type: 'button', class: `add-staff add-${duty}`}, `设为${label}`);
            button.addEventListener('click', () => {
              const existing = members.find((member) => member.id === person.id);
              if (existing) existing.duty = duty;
              else members.push({...person, duty});
              results.replaceChildren();
              added();
            });
            return button;
          });
          const where = person.grids.map((grid) => `${grid.name ?? grid.code}${dutyNames[grid.duty] ?? ''}`).join('、');
          return el('li', {class: 'staff-result', 'data-staff-id': String(person.id)},
            el('span', {class: 'staff-name'}, person.name), ' ', el('span', {class: 'staff-role'}, person.role),
            where ? el('span', {class: 'staff-grids'}, `（现任：${where}）`) : null, ...buttons);
        }));
      } catch (error) {
        results.replaceChildren(el('li', {class: 'message error', role: 'alert'}, `查找失败：${userMessage(error)}`));
      }
    };
    find.addEventListener('click', run);
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') run();
    });
    return el('div', {class: 'staff-add'}, input, find, results);
  }
}
