import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { fmtTime, hoursLeft } from '../src/format'
import Level from '../src/components/Level.vue'
import State from '../src/components/State.vue'

describe('format', () => {
  it('shows server times (ns precision) as local date and time', () => {
    const s = fmtTime('2026-11-29T12:03:04.123456789Z')
    expect(s).toMatch(/^2026-11-29 \d\d:03:04$/)
    expect(fmtTime('')).toBe('')
    expect(fmtTime('garbage')).toBe('garbage')
  })

  it('counts the 24-hour reporting clock down', () => {
    expect(hoursLeft(0)).toBe(24)
    expect(hoursLeft(23.96)).toBe(0)
    expect(hoursLeft(30)).toBe(-6)
  })
})

describe('components', () => {
  it('Level shows the level in Chinese with its colour', () => {
    const w = mount(Level, { props: { level: 'high' } })
    expect(w.text()).toBe('高危')
    expect(w.attributes('style')).toContain('background')
  })

  it('State says loading, error with a retry, or empty', async () => {
    expect(mount(State, { props: { loading: true } }).text()).toContain('加载中')
    const err = mount(State, { props: { error: '无法连接' } })
    expect(err.text()).toContain('无法连接')
    await err.find('button').trigger('click')
    expect(err.emitted('retry')).toHaveLength(1)
    expect(mount(State, { props: { empty: true } }).text()).toContain('暂无数据')
  })
})
