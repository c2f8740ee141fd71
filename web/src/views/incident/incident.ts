// What the incident pages share: the grade's colour and the reporting clock in words.
import type { Schemas } from '../../api/client'
import { t } from '../../i18n'

export function gradeType(g: string): 'danger' | 'warning' | 'primary' | 'info' {
  return g === 'special' || g === 'major' ? 'danger' : g === 'larger' ? 'warning' : g === 'general' ? 'primary' : 'info'
}

// "报告 属地省级网信部门：剩余 1 小时 05 分" from an obligation, counted from when the list was read.
export function clockText(o: Schemas['IncidentObligation'], nowMs: number, readAt = nowMs): string {
  const left = Math.floor(o.seconds_left - (nowMs - readAt) / 1000)
  const name = o.name_zh
  if (o.state === 'reported' || o.state === 'reported_late') return t('incident.clock_done', { body: name })
  if (left <= 0) return t('incident.clock_overdue', { body: name })
  const h = Math.floor(left / 3600)
  const m = Math.floor((left % 3600) / 60)
  const s = left % 60
  return t('incident.clock_left', { body: name, time: h ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}` })
}
