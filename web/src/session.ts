// Who is logged in: the answer of /api/v1/auth/me, shared by every page.
import { reactive } from 'vue'
import { get, post, setCsrf } from './api'

export interface Me {
  user: string
  display?: string
  role: string
  role_zh: string
  stage: 'password_change' | 'mfa_enroll' | 'mfa' | 'active'
  csrf: string
  permissions: string[]
  idle_timeout_minutes: number
}

export const session = reactive<{ me: Me | null; checked: boolean }>({ me: null, checked: false })

export function setMe(me: Me | null) {
  session.me = me
  setCsrf(me?.csrf ?? '')
}

export async function loadMe(): Promise<Me | null> {
  try {
    setMe(await get<Me>('/api/v1/auth/me'))
  } catch {
    setMe(null)
  }
  session.checked = true
  return session.me
}

export async function logout() {
  try {
    await post('/api/v1/auth/logout')
  } finally {
    setMe(null)
  }
}

export function can(perm: string): boolean {
  return !!session.me && session.me.stage === 'active' && session.me.permissions.includes(perm)
}

// The first page a role can see.
export function homeFor(me: Me): string {
  if (me.permissions.includes('dashboard.read')) return '/'
  if (me.permissions.includes('audit.read')) return '/audit'
  if (me.permissions.includes('users.read')) return '/users'
  return '/account'
}
