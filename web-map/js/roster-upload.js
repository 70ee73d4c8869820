// Upload of a file in the planner view (issue #17): a household roster, a
// list of facilities and organisations, or a grid file that becomes a new draft. The file is checked
// first (POST /import/{layer}, a dry run) and its report shown as a table of
// the bad rows; only then can the planner confirm, which sends the same file
// again with dry_run=false (src/http/import_routes.cpp). A grid file opens as
// a draft in the draft editor, to be checked and published there.

import {apiUrl, getJSON, userMessage} from './api.js';
import {rememberDraft} from './drafts-api.js';
import {el} from './panel.js';

// A shapefile comes zipped with its .shx, .dbf, .prj and .cpg.
const accepted = '.csv,.xlsx,.geojson,.json,.kml,.dxf,.gpkg,.fgb,.zip';

// What each layer's upload says: its name in the picker, its unit, its confirm button.
const layers = {
  households: {label: '住户', unit: '户', confirm: '确认导入'},
  facilities: {label: '设施与组织（物业、党支部、社会组织等）', unit: '个', confirm: '确认导入'},
  grids: {label: '网格（生成新草案）', unit: '个', confirm: '生成草案'},
};

// POSTs the file's bytes; resolves with the report.
function upload(layer, file, params) {
  return getJSON(apiUrl(`import/${layer}`, {filename: file.name, ...params}), {
    method: 'POST', body: file, headers: {'Content-Type': 'application/octet-stream', Accept: 'application/json'},
  });
}

function summaryText(report, layer) {
  const {unit} = layers[layer];
  const parts = [`新增 ${report.added} ${unit}`, `更新 ${report.updated} ${unit}`, `未变 ${report.unchanged} ${unit}`,
    `有误 ${report.refused} 行`];
  if (report.outside_grids > 0) parts.push(`不在任何网格内 ${report.outside_grids} ${unit}`);
  if (report.placed_by_address > 0) parts.push(`按地址定位 ${report.placed_by_address} ${unit}`);
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
  // openDraft(id): shows a draft made from a grid file in the draft editor.
  constructor(openDraft) {
    this.openDraft = openDraft;
    this.layer = 'households';
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
    const layer = el('select', {name: 'import-layer', 'aria-label': '导入到'},
      Object.entries(layers).map(([value, {label}]) => el('option', {value, selected: value === this.layer}, label)));
    const skipBad = el('input', {type: 'checkbox', name: 'skip_bad'});
    // Grids have no id to update by: a new layout is a draft.
    const update = el('input', {type: 'checkbox', name: 'update', disabled: this.layer === 'grids'});
    const check = el('button', {type: 'button', class: 'check-import', disabled: !this.file}, '检查文件');
    const confirm = el('button', {type: 'button', class: 'confirm-import', disabled: true}, layers[this.layer].confirm);
    const options = () => ({skip_bad: String(skipBad.checked), update: String(update.checked && this.layer !== 'grids')});
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
    layer.addEventListener('change', () => {
      this.layer = layer.value;
      update.disabled = this.layer === 'grids';
      confirm.textContent = layers[this.layer].confirm;
      this.output.replaceChildren();
      reset();
    });
    skipBad.addEventListener('change', reset);
    update.addEventListener('change', reset);
    check.addEventListener('click', async () => {
      if (!this.file) return;
      this.output.replaceChildren(el('p', {class: 'message'}, '正在检查……'));
      try {
        this.report = await upload(this.layer, this.file, {dry_run: 'true', ...options()});
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
        const result = await upload(this.layer, this.file, {dry_run: 'false', ...options()});
        this.report = null;
        if (result.draft) {
          this.showReport(result, `已生成草案 ${result.draft.id}`);
          rememberDraft(result.draft.id);
          await this.openDraft(result.draft.id);
        } else {
          this.showReport(result, '已导入');
        }
      } catch (error) {
        this.showError(error);
      }
    });
    const root = el('section', {class: 'planner-tools roster-upload'},
      el('h3', {}, '导入文件'),
      el('p', {class: 'message'}, '支持 Excel（.xlsx）、CSV、GeoJSON、KML、CAD（.dxf）和压缩成 .zip 的 Shapefile，表头可用中文（姓名、身份证号、小区、楼栋、经度、纬度…）。网格文件不会直接发布，而是生成新草案供检查。'),
      el('label', {}, '导入到 ', layer),
      picker,
      el('label', {}, skipBad, '跳过有误的行'),
      el('label', {}, update, '按编号更新已有记录'),
      el('div', {class: 'buttons'}, check, confirm),
      this.output);
    this.root = root;
    return root;
  }

  showReport(report, title) {
    this.output.replaceChildren(
      el('p', {class: 'message import-summary'}, `${title}：${summaryText(report, this.layer)}`),
      problemTable(report.problems));
  }

  showError(error) {
    this.output.replaceChildren(el('p', {class: 'message error', role: 'alert'}, `导入失败：${userMessage(error)}`));
  }
}
