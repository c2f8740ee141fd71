// The management records' shapes as the server sends them (GET /api/v1/records ...).
import type { Schemas } from '../../api/client'

export type RecordKind = Schemas['RecordKind']
export type RecordField = Schemas['RecordField']
export type RecordRow = Schemas['Record']

// A cell of the list: lists joined, booleans as 是/否.
export function cell(v: unknown, yes: string, no: string): string {
  if (v === undefined || v === null) return ''
  if (Array.isArray(v)) return v.join('、')
  if (typeof v === 'boolean') return v ? yes : no
  return String(v)
}

// The columns a kind's list shows: its title, then its required fields (at most five).
export function listFields(k: RecordKind): RecordField[] {
  const title = k.fields.find((f) => f.name === k.title_field)
  const rest = k.fields.filter((f) => f.required && f.name !== k.title_field && f.type !== 'longtext').slice(0, 5)
  return title ? [title, ...rest] : rest
}

// A form's model without the empty values (the server treats missing and empty alike).
export function clean(m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)) continue
    out[k] = v
  }
  return out
}
