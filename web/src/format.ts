// Display helpers shared by the pages (and unit-tested).
import { locale } from './i18n'

export const levels = ['critical', 'high', 'medium', 'low', 'informational'] as const
export const levelColor: Record<string, string> = {
  critical: '#a8071a',
  high: '#e8590c',
  medium: '#f0a020',
  low: '#3b82c4',
  informational: '#8c8c8c',
}

// "2026-11-29T12:03:04.123456789Z" -> "2026-11-29 20:03:04" in the browser's zone.
export function fmtTime(s: string | undefined): string {
  if (!s) return ''
  const d = new Date(s.replace(/(\.\d{3})\d+/, '$1'))
  if (isNaN(d.getTime())) return s
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

export function fmtNumber(n: number | undefined): string {
  if (n === undefined || n === null || isNaN(n)) return '-'
  return new Intl.NumberFormat(locale.value === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: 1 }).format(n)
}

// The 24-hour reporting clock of a serious alert: hours left (negative when overdue).
export function hoursLeft(ageHours: number): number {
  return Math.round((24 - ageHours) * 10) / 10
}

// A field of an event or a metrics map, whatever type it was stored with, as text or a number.
export function str(e: Record<string, unknown> | undefined | null, k: string): string {
  const v = e?.[k]
  if (v === undefined || v === null) return ''
  if (Array.isArray(v)) return v.join(', ')
  return typeof v === 'object' ? JSON.stringify(v) : String(v)
}
export function num(e: Record<string, unknown> | undefined | null, k: string): number {
  const v = e?.[k]
  return typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !isNaN(Number(v)) ? Number(v) : 0
}

// 1.5 GB, 320 MB: binary units, one decimal below 10.
export function fmtBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v < 10 && i ? v.toFixed(1) : Math.round(v)} ${units[i]}`
}
