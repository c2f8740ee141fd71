import { describe, expect, it } from 'vitest'
import { dictionaries, locale, serverText, setLocale, t } from '../src/i18n'
import fs from 'node:fs'
import path from 'node:path'

describe('i18n', () => {
  it('has every key in both languages', () => {
    const zh = Object.keys(dictionaries['zh-CN']).sort()
    const en = Object.keys(dictionaries.en).sort()
    expect(en).toEqual(zh)
  })

  it('has a translation for every key the pages use', () => {
    // Every literal t('...') in the source must exist; keys built at run time use known prefixes.
    const dir = path.join(__dirname, '..', 'src')
    const files: string[] = []
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name))))
    walk(dir)
    const missing: string[] = []
    for (const f of files.filter((f) => /\.(vue|ts)$/.test(f))) {
      const text = fs.readFileSync(f, 'utf8')
      for (const m of text.matchAll(/\bt\('([a-z_]+\.[a-z0-9_]+)'\s*[,)]/g)) if (!(m[1] in dictionaries['zh-CN'])) missing.push(`${path.basename(f)}: ${m[1]}`)
    }
    expect(missing).toEqual([])
  })

  it('compiles every message in both languages, with its parameters', () => {
    // vue-i18n's message syntax gives @, |, { and } meanings: a message that does not compile
    // would show as an error or as its key. Every message renders to non-empty text here.
    const bad: string[] = []
    for (const l of ['zh-CN', 'en'] as const) {
      setLocale(l)
      for (const [k, v] of Object.entries(dictionaries[l])) {
        const params = Object.fromEntries([...v.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], `<${m[1]}>`]))
        const out = t(k, params)
        if (!out || out === k || /\{\w+\}/.test(out)) bad.push(`${l} ${k}: ${out}`)
      }
    }
    setLocale('zh-CN')
    expect(bad).toEqual([])
    expect(t('login.policy')).toContain('P@ssw0rd')
  })

  it('is Chinese first and switches to English', () => {
    expect(locale.value).toBe('zh-CN')
    expect(t('nav.dashboard')).toBe('安全态势')
    setLocale('en')
    expect(t('nav.dashboard')).toBe('Overview')
    expect(t('common.total', { n: 42 })).toBe('42 in all')
    setLocale('zh-CN')
    expect(t('common.total', { n: 42 })).toBe('共 42 条')
    expect(t('no.such.key')).toBe('no.such.key')
  })

  it('shows the server message half of the chosen language', () => {
    setLocale('zh-CN')
    expect(serverText('账号已锁定 / account locked')).toBe('账号已锁定')
    setLocale('en')
    expect(serverText('账号已锁定 / account locked')).toBe('account locked')
    expect(serverText('plain message')).toBe('plain message')
    setLocale('zh-CN')
  })
})
