import { createRouter, createWebHistory } from 'vue-router'
import { session, homeFor, loadMe } from './session'

// Each page names the permission it needs; the server checks again on every call.
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', component: () => import('./views/Login.vue'), meta: { public: true } },
    { path: '/', component: () => import('./views/Dashboard.vue'), meta: { perm: 'dashboard.read' } },
    { path: '/search', component: () => import('./views/Search.vue'), meta: { perm: 'events.read' } },
    { path: '/alerts', component: () => import('./views/Alerts.vue'), meta: { perm: 'alerts.read' } },
    { path: '/web', component: () => import('./views/WebAttacks.vue'), meta: { perm: 'events.read' } },
    { path: '/db', component: () => import('./views/Database.vue'), meta: { perm: 'events.read' } },
    { path: '/assets', component: () => import('./views/Assets.vue'), meta: { perm: 'assets.read' } },
    { path: '/compliance', component: () => import('./views/Compliance.vue'), meta: { perm: 'compliance.read' } },
    { path: '/users', component: () => import('./views/Users.vue'), meta: { perm: 'users.read' } },
    { path: '/approvals', component: () => import('./views/Approvals.vue'), meta: { perm: 'users.approve' } },
    { path: '/settings', component: () => import('./views/Settings.vue'), meta: { perm: 'settings.read' } },
    { path: '/audit', component: () => import('./views/Audit.vue'), meta: { perm: 'audit.read' } },
    { path: '/account', component: () => import('./views/Account.vue'), meta: { perm: 'self' } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach(async (to) => {
  if (!session.checked) await loadMe()
  const me = session.me
  if (to.meta.public) return true
  if (!me || me.stage !== 'active') return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  const perm = to.meta.perm as string | undefined
  if (perm && !me.permissions.includes(perm)) {
    const home = homeFor(me)
    return home === to.path ? true : home
  }
  return true
})
