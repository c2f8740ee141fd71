// Shared by the host-agent pages: times the center keeps in seconds, milliseconds or
// nanoseconds shown the same way, and the tag colour of an agent's state.
import { fmtTime } from '../../format'

export function when(n: number | undefined): string {
  if (!n) return '—'
  const ms = n > 1e17 ? n / 1e6 : n > 1e14 ? n / 1e3 : n > 1e11 ? n : n * 1000
  return fmtTime(new Date(ms).toISOString())
}

export const stateType: Record<string, 'success' | 'warning' | 'info' | 'danger'> = {
  online: 'success',
  offline: 'warning',
  never_seen: 'info',
  revoked: 'danger',
}

export const actions = ['block_ip', 'disable_account', 'kill_process'] as const

// A response's target in a line: 10.1.2.3 (600 s), zhangsan, 4242 his-worker.
export function target(args: Record<string, unknown>): string {
  if (args.ip) return String(args.ip) + (args.seconds ? ` (${args.seconds} s)` : '')
  if (args.user) return String(args.user) + (args.seconds ? ` (${args.seconds} s)` : '')
  if (args.pid) return `${args.pid} ${args.name ?? ''}`
  return JSON.stringify(args)
}
