import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { setLocale } from '../src/i18n'
import { kindLabel, zhKinds } from '../src/locales/webkinds'

// Every finding kind the inspector writes (the string literals it passes as a kind in src/web)
// has a Chinese label: the Web攻击 page shows kinds, and a user reads Chinese first.
describe('web attack kinds', () => {
  it('has a Chinese label for every kind src/web can write', () => {
    const dir = path.join(__dirname, '..', '..', 'src', 'web')
    const kinds = new Set<string>()
    const classes = 'sqli|xss|cmdi|traversal|lfi|ssrf|scanner|csrf|cookie|protocol|upload'
    // (request.cc, decode.cc and stream.cc parse requests; they write no findings)
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.cc') && !['request.cc', 'decode.cc', 'stream.cc'].includes(f))) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8')
      const patterns = [
        new RegExp(`\\{"(?:${classes})", "([^"]+)"`, 'g'), // {"sqli", "kind", ...}
        /better\([a-z]+, [^,]+, "([^"]+)"/g, // better(f, 90, "kind")
        /\bproto\("([^"]+)"/g, // proto("kind", ...)
        /\badd\((?:[0-9]+, )?"([^"]+)"/g, // add(85, "kind", at) and add("kind", at, 90)
      ]
      if (f === 'check_code.cc') patterns.push(/\{"[^"]*", "([a-z.][a-z .()-]+)", [0-9]+\}/g) // {"needle", "kind", 90} signature tables
      for (const re of patterns) for (const m of text.matchAll(re)) kinds.add(m[1])
    }
    expect(kinds.size).toBeGreaterThan(80)
    const missing = [...kinds].filter((k) => !(k in zhKinds)).sort()
    expect(missing).toEqual([])
  })

  it('shows Chinese first and the kind itself in English', () => {
    setLocale('zh-CN')
    expect(kindLabel('union select')).toBe('UNION 联合查询')
    expect(kindLabel('a kind added tomorrow')).toBe('a kind added tomorrow')
    expect(kindLabel('union select (comments removed)')).toBe('UNION 联合查询（去除注释后）')
    expect(kindLabel('quoted expression (typographic quotes)')).toBe('引号内表达式注入（全角引号）')
    setLocale('en')
    expect(kindLabel('union select')).toBe('union select')
    setLocale('zh-CN')
  })
})
