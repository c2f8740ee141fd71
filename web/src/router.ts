import { createRouter, createWebHistory } from 'vue-router'
import { pages } from './pages'
import { session, homeFor, loadMe } from './session'

// The routes come from pages.ts; each names the permission it needs.
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', component: () => import('./views/Login.vue'), meta: { public: true } },
    ...pages.map((p) => ({ path: p.path, component: p.view, meta: { perm: p.perm, title: p.title, bare: !!p.bare } })),
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach(async (to) => {
  if (!session.checked) await loadMe()
  const me = session.me
  if (to.meta.public) return true
  if (!me || me.stage !== 'active') return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  const perm = to.meta.perm as string | undefined
  if (perm && perm !== 'self' && !me.permissions.includes(perm)) {
    const home = homeFor(me)
    return home === to.path ? true : home
  }
  return true
})
