import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'

// The search answer names stored blocks it could not read: the page must say so, never show
// a silently shorter result.
vi.mock('../src/api/client', async (orig) => {
  const real = (await orig()) as Record<string, unknown>
  return {
    ...real,
    api: { get: vi.fn(async (path: string) =>
      path.startsWith('/api/v1/saved-searches')
        ? { searches: [], total: 0 }
        : path.startsWith('/api/v1/search/stats')
        ? { histogram: [], facets: {}, scanned: 1, truncated: false, damaged_total: 1, damaged: [] }
        : {
            events: [{ '@timestamp': '2026-12-03T10:00:00Z', message: 'x', 'event.original': 'x' }],
            stats: { matched: 1, blocks_total: 3, blocks_read: 3, events_scanned: 1, timed_out: false, damaged_total: 1,
                     damaged: ['segment 1 block 0 (offset 64): digest mismatch: the block is damaged or was altered (wardsec verify names it)'] },
          }) },
  }
})
vi.mock('../src/components/Chart.vue', () => ({ default: { template: '<div />' } }))

describe('search page', () => {
  it('names the blocks it could not read', async () => {
    const Search = (await import('../src/views/Search.vue')).default
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/search', component: Search }] })
    router.push('/search?q=x')
    await router.isReady()
    const w = mount(Search, { global: { plugins: [router] } })
    await flushPromises()
    const banner = w.find('[data-test="damaged"]')
    expect(banner.exists()).toBe(true)
    expect(banner.text()).toContain('1 处存储数据无法读取')
    expect(banner.text()).toContain('offset 64')
  })
})
