// What the vulnerability pages share: the priority's tag colour and name, the status's name.
import { t } from '../../i18n'

export const priorityType = (p: number) => (p === 1 ? 'danger' : p === 2 ? 'warning' : p === 3 ? 'primary' : 'info')
export const priorityName = (p: number) => t('vuln.p' + p)
export const statusName = (s: string) => t('vuln.status.' + s)
export const statusType = (s: string) => (s === 'open' ? 'danger' : s === 'fixed' ? 'success' : 'info')
export const score = (v: number) => (v > 0 ? v.toFixed(1) : '—')
