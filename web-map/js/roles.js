// Which views each role may use (DESIGN §6): planners plan, supervisors
// command, grid workers work in the field, departments handle the cases
// dispatched to them (吹哨报到), admins see everything but a department's list.

export const roleViews = {
  planner: ['planner'],
  supervisor: ['supervisor'],
  grid_worker: ['field'],
  department: ['department'],
  admin: ['planner', 'supervisor', 'field'],
};

export const roleNames = {admin: '管理员', planner: '规划人员', supervisor: '指挥人员', grid_worker: '网格员', department: '职能部门'};

export function viewsFor(user) {
  return (user && roleViews[user.role]) || [];
}

// The requested view when the user may use it, else the user's first view (null: none).
export function chooseView(requested, allowed) {
  return allowed.includes(requested) ? requested : (allowed[0] ?? null);
}
