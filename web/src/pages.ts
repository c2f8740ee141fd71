// Every page of the console, in one list: the router and the side menu are built from it, so
// a new component's page is one line here (and its view file). Groups follow how a hospital's
// security team thinks of its work; a group shows only when its role can open one of its pages.
import type { Component } from 'vue'

export type Group = 'situation' | 'logs' | 'db' | 'web' | 'bastion' | 'incident' | 'assets' | 'compliance' | 'system'
export const groups: Group[] = ['situation', 'logs', 'db', 'web', 'bastion', 'incident', 'assets', 'compliance', 'system']

export interface Page {
  path: string
  group: Group
  title: string // i18n key
  perm: string // the permission the page needs ('self': any logged-in account); the server checks again
  icon: string
  view: () => Promise<{ default: Component }>
  bare?: boolean // full screen, without the frame (大屏)
}

export const pages: Page[] = [
  { path: '/', group: 'situation', title: 'nav.dashboard', perm: 'dashboard.read', icon: '◉', view: () => import('./views/Dashboard.vue') },
  { path: '/ops', group: 'situation', title: 'nav.ops', perm: 'system.read', icon: '◍', view: () => import('./views/Operations.vue') },
  { path: '/ops/configs', group: 'situation', title: 'nav.configs', perm: 'system.read', icon: '⚙', view: () => import('./views/Configs.vue') },
  { path: '/ops/duties', group: 'situation', title: 'nav.duties', perm: 'system.read', icon: '☑', view: () => import('./views/Duties.vue') },
  { path: '/region', group: 'situation', title: 'nav.region', perm: 'dashboard.read', icon: '◈', view: () => import('./views/region/Region.vue') },
  { path: '/screen', group: 'situation', title: 'nav.screen', perm: 'dashboard.read', icon: '▣', view: () => import('./views/Screen.vue'), bare: true },
  { path: '/search', group: 'logs', title: 'nav.search', perm: 'events.read', icon: '⌕', view: () => import('./views/Search.vue') },
  { path: '/sources', group: 'logs', title: 'nav.sources', perm: 'events.read', icon: '⇶', view: () => import('./views/Sources.vue') },
  { path: '/db', group: 'db', title: 'nav.db', perm: 'events.read', icon: '⛁', view: () => import('./views/Database.vue') },
  { path: '/web', group: 'web', title: 'nav.web', perm: 'events.read', icon: '⛨', view: () => import('./views/WebAttacks.vue') },
  { path: '/bastion/sessions', group: 'bastion', title: 'nav.bastion_sessions', perm: 'bastion.read', icon: '▶', view: () => import('./views/bastion/Sessions.vue') },
  { path: '/bastion/live', group: 'bastion', title: 'nav.bastion_live', perm: 'bastion.read', icon: '◎', view: () => import('./views/bastion/Live.vue') },
  { path: '/bastion/access', group: 'bastion', title: 'nav.bastion_access', perm: 'bastion.accounts.read', icon: '⚿', view: () => import('./views/bastion/Access.vue') },
  { path: '/bastion/mine', group: 'bastion', title: 'nav.bastion_mine', perm: 'bastion.use', icon: '⌨', view: () => import('./views/bastion/Mine.vue') },
  { path: '/alerts', group: 'incident', title: 'nav.alerts', perm: 'alerts.read', icon: '⚠', view: () => import('./views/Alerts.vue') },
  { path: '/incidents', group: 'incident', title: 'nav.incidents', perm: 'incidents.read', icon: '⛑', view: () => import('./views/incident/Incidents.vue') },
  { path: '/incidents/duty', group: 'incident', title: 'nav.incident_duty', perm: 'incidents.read', icon: '☏', view: () => import('./views/incident/Duty.vue') },
  { path: '/emergency/plans', group: 'incident', title: 'nav.emergency_plans', perm: 'incidents.read', icon: '☷', view: () => import('./views/emergency/Plans.vue') },
  { path: '/emergency/drills', group: 'incident', title: 'nav.emergency_drills', perm: 'incidents.read', icon: '⟳', view: () => import('./views/emergency/Drills.vue') },
  { path: '/assets', group: 'assets', title: 'nav.assets', perm: 'assets.read', icon: '▦', view: () => import('./views/Assets.vue') },
  { path: '/assets/discovery', group: 'assets', title: 'nav.discovery', perm: 'assets.read', icon: '⌖', view: () => import('./views/vulns/Discovery.vue') },
  { path: '/agents', group: 'assets', title: 'nav.agents', perm: 'agents.read', icon: '⌂', view: () => import('./views/agents/Agents.vue') },
  { path: '/vulns', group: 'assets', title: 'nav.vulns', perm: 'assets.read', icon: '⚑', view: () => import('./views/vulns/Vulns.vue') },
  { path: '/compliance', group: 'compliance', title: 'nav.compliance', perm: 'compliance.read', icon: '✓', view: () => import('./views/Compliance.vue') },
  { path: '/records', group: 'compliance', title: 'nav.records', perm: 'compliance.read', icon: '☰', view: () => import('./views/records/Records.vue') },
  { path: '/users', group: 'system', title: 'nav.users', perm: 'users.read', icon: '☺', view: () => import('./views/Users.vue') },
  { path: '/approvals', group: 'system', title: 'nav.approvals', perm: 'users.approve', icon: '✔', view: () => import('./views/Approvals.vue') },
  { path: '/settings', group: 'system', title: 'nav.settings', perm: 'settings.read', icon: '⚙', view: () => import('./views/Settings.vue') },
  { path: '/status', group: 'system', title: 'nav.status', perm: 'system.read', icon: '♥', view: () => import('./views/Status.vue') },
  { path: '/audit', group: 'system', title: 'nav.audit', perm: 'audit.read', icon: '☰', view: () => import('./views/Audit.vue') },
  { path: '/account', group: 'system', title: 'nav.account', perm: 'self', icon: '✎', view: () => import('./views/Account.vue') },
]
