// Upload of a household roster in the planner view (issue #17): the file is
// checked first (POST /import/households, a dry run) and its report shown as a
// table of the bad rows; only then can the planner confirm the import, which
// sends the same file again with dry_run=false (src/http/import_routes.cpp).

import {apiUrl, getJSON, userMessage} from './api.js';
import {el} from './panel.js';

const accepted = '.csv,.xlsx,.geojson,.json,.kml,.dxf,.gpkg,.fgb';

// POSTs the file's bytes; resolves with the report.
function upload(file, params) {
  return getJSON(apiUrl('import/households', {filename: file.name, ...params}), {
    method: 'POST', body: file, headers: {'Content-Type': 'application/octet-stream', Accept: 'application/json'},
  });
}

function summaryText(report) {
  const parts = [`新增 ${report.added} 户`, `更新 ${report.updated} 户`, `未变 ${report.unchanged} 户`,
    `有误 ${report.refused} 行`];
  if (report.outside_grids > 0) parts.push(`不在任何网格内 ${report.outside_grids} 户`);
  if (report.placed_by_address > 0) parts.push(`按地址定位 ${report.placed_by_address} 户`);
  return `共 ${report.rows} 行：${parts.join('，')}`;
}

function problemTable(problems) {
  if (problems.length === 0) return null;
  return el('table', {class: 'import-problems'},
    el('thead', {}, el('tr', {}, el('th', {}, '行号'), el('th', {}, '列'), el('th', {}, '值'), el('th', {}, '原因'))),
    el('tbody', {}, problems.map((problem) => el('tr', {'data-row': problem.row},
      el('td', {}, String(problem.row)), el('td', {}, problem.column), el('td', {}, problem.value),
      el('td', {}, problem.reason_zh)))));
}

export class RosterUpload {
  constructor() {
    this.file = null;
    this.report = null;  // the dry run's report of this.file with these options
    this.output = el('div', {class: 'import-report', 'aria-live': 'polite'});
    this.root = null;
  }

  // The panel section (rebuilt on each call, the chosen file and report are kept).
  element() {
    // The browser's own file button speaks the browser's language: a label of ours opens it instead.
    const input = el('input', {type: 'file', name: 'roster', accept: accepted});
    const chosen = el('span', {class: 'chosen-file'}, this.file ? this.file.name : '未选择文件');
    const picker = el('label', {class: 'file-picker'}, input, el('span', {class: 'button'}, '选择文件'), chosen);
    const skipBad = el('input', {type: 'checkbox', name: 'skip_bad'});
    const update = el('input', {type: 'checkbox', name: 'update'});
    const check = el('button', {type: 'button', class: 'check-import', disabled: !this.file}, '检查文件');
    const confirm = el('button', {type: 'button', class: 'confirm-import', disabled: true}, '确认导入');
    const options = () => ({skip_bad: String(skipBad.checked), update: String(update.checked)});
    // Any change of file or options needs a new check before the import.
    const reset = () => {
      this.report = null;
      confirm.disabled = true;
      check.disabled = !this.file;
    };
    input.addEventListener('change', () => {
      this.file = input.files?.[0] || null;
      chosen.textContent = this.file ? this.file.name : '未选择文件';
      this.output.replaceChildren();
      reset();
    });
    skipBad.addEventListener('change', reset);
    update.addEventListener('change', reset);
    check.addEventListener('click', async () => {
      if (!this.file) return;
      this.output.replaceChildren(el('p', {class: 'message'}, '正在检查……'));
      try {
        this.report = await upload(this.file, {dry_run: 'true', ...options()});
        this.showReport(this.report, '检查结果');
        const importable = this.report.added + this.report.updated > 0;
        confirm.disabled = !importable || (this.report.refused > 0 && !skipBad.checked);
        if (this.report.refused > 0 && !skipBad.checked) {
          this.output.append(el('p', {class: 'message'}, '文件中有错误的行：请修改后重新检查，或勾选“跳过有误的行”。'));
        }
      } catch (error) {
        this.showError(error);
      }
    });
    confirm.addEventListener('click', async () => {
      if (!this.file || !this.report) return;
      confirm.disabled = true;
      this.output.append(el('p', {class: 'message'}, '正在导入……'));
      try {
        const result = await upload(this.file, {dry_run: 'false', ...options()});
        this.report = null;
        this.showReport(result, '已导入');
      } catch (error) {
        this.showError(error);
      }
    });
    const root = el('section', {class: 'planner-tools roster-upload'},
      el('h3', {}, '导入住户名单'),
      el('p', {class: 'message'}, '支持 Excel（.xlsx）、CSV 等文件，表头可用中文（姓名、身份证号、小区、楼栋、经度、纬度…）。'),
      picker,
      el('label', {}, skipBad, '跳过有误的行'),
      el('label', {}, update, '按编号更新已有住户'),
      el('div', {class: 'buttons'}, check, confirm),
      this.output);
    this.root = root;
    return root;
  }

  showReport(report, title) {
    this.output.replaceChildren(
      el('p', {class: 'message import-summary'}, `${title}：${summaryText(report)}`),
      problemTable(report.problems));
  }

  showError(error) {
    this.output.replaceChildren(el('p', {class: 'message error', role: 'alert'}, `导入失败：${userMessage(error)}`));
  }
}
