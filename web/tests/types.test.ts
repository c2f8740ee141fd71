import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'

// The console's views and helpers are typed from docs/openapi.json: no `any` escapes the types,
// and no view builds API paths by hand (every call goes through api/client.ts).
describe('typed console', () => {
  const dir = path.join(__dirname, '..', 'src')
  const files: string[] = []
  const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name))))
  walk(dir)
  const code = files.filter((f) => /\.(vue|ts)$/.test(f) && !f.endsWith('.d.ts') && !f.includes(`${path.sep}locales${path.sep}`))

  it('has no any', () => {
    const hits: string[] = []
    for (const f of code)
      fs.readFileSync(f, 'utf8').split('\n').forEach((l, i) => {
        if (/(:\s*any\b|<any>|\bas any\b|\bany\[\])/.test(l.replace(/\/\/.*$/, ''))) hits.push(`${path.basename(f)}:${i + 1}`)
      })
    expect(hits).toEqual([])
  })

  it('calls the API only through the typed client', () => {
    const hits: string[] = []
    for (const f of code) {
      if (f.includes(`${path.sep}api${path.sep}`)) continue
      const text = fs.readFileSync(f, 'utf8')
      if (/\bfetch\(|`\/api\/v1\//.test(text)) hits.push(path.basename(f))
    }
    expect(hits).toEqual([])
  })
})
