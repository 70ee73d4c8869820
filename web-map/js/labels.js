// User-facing names (zh-CN) of the API's enumerations.

export const levelNames = {street: '街道', community: '社区', grid: '网格', subgrid: '微网格', dedicated: '专属网格'};

export const dutyNames = {A: 'A岗', B: 'B岗'};

export const incidentStateNames = {
  reported: '上报', filed: '立案', dispatched: '派遣', in_progress: '处置中', resolved: '处置反馈',
  verified: '核查', closed: '结案', returned: '退回', voided: '作废', extended: '延期', suspended: '挂起',
};

export const triageNames = {general: '一般', coordination: '协调', urgent: '紧急'};

export const lightNames = {green: '时限内', yellow: '临近时限', red: '已超时'};

export const viewTitles = {planner: '规划', supervisor: '指挥', field: '网格员', department: '部门'};

export function nameOf(table, key) {
  return table[key] || key || '—';
}
