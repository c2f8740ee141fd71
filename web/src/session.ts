// Who is logged in: the answer of /api/v1/auth/me, shared by every page.
import { reactive } from 'vue'
import { api, setCsrf, type Schemas } from './api/client'

export type Me = Schemas['Me']

export const session = reactive<{ me: Me | null; checked: boolean }>({ me: null, checked: false })

export function setMe(me: Me | null) {
  session.me = me
  setCsrf(me?.csrf ?? '')
}

export async function loadMe(): Promise<Me | null> {
  try {
    setMe(await api.get('/api/v1/auth/me'))
  } catch {
    setMe(null)
  }
  session.checked = true
  return session.me
}

export async function logout() {
  try {
    await api.post('/api/v1/auth/logout')
  } finally {
    setMe(null)
  }
}

export function can(perm: string): boolean {
  if (!session.me || session.me.stage !== 'active') return false
  return perm === 'self' || session.me.permissions.includes(perm)
}

// The first page a role can see.
export function homeFor(me: Me): string {
  if (me.permissions.includes('dashboard.read')) return '/'
  if (me.permissions.includes('audit.read')) return '/audit'
  if (me.permissions.includes('bastion.use')) return '/bastion/mine'
  if (me.permissions.includes('users.read')) return '/users'
  return '/account'
}
