// What the emergency plan and drill pages share: status colours and a plan's editable body.
import type { Schemas } from '../../api/client'

export function statusType(s: string): 'success' | 'warning' | 'info' | 'danger' | 'primary' {
  return s === 'active' || s === 'done' ? 'success' : s === 'draft' || s === 'scheduled' ? 'warning' : s === 'running' ? 'primary' : 'info'
}

export function resultType(r: string): 'success' | 'danger' | 'info' | 'warning' {
  return r === 'ok' ? 'success' : r === 'failed' ? 'danger' : r === 'skipped' ? 'warning' : 'info'
}

// The parts of a plan a person edits (what PUT /api/v1/emergency/plans/{id} takes).
export function planBody(p: Schemas['EmergencyPlan']): Schemas['EmergencyPlanBody'] {
  return {
    title: p.title,
    scenario: p.scenario,
    scope: p.scope,
    systems: [...p.systems],
    roles: p.roles.map((r) => ({ ...r })),
    triggers: [...p.triggers],
    steps: p.steps.map((s) => ({ ...s })),
    rto_minutes: p.rto_minutes,
    items: [...p.items],
    subcategory: p.subcategory,
    drill_days: p.drill_days,
    review_days: p.review_days,
  }
}
