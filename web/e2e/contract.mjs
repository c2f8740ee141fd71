// The console's side of the API contract: every JSON answer of /api/ that the browser receives
// is validated against the 200 schema docs/openapi.json declares for its operation (the same
// file openapi-typescript turns into the console's types, so a type that lies is caught here).
// With a dump folder, the answers are also written there, one file per operation, for
// scripts/openapi_infer.py to draft schemas from.
import Ajv from 'ajv'
import fs from 'node:fs'
import path from 'node:path'

const here = path.dirname(new URL(import.meta.url).pathname)

export function apiContract(dump) {
  const spec = JSON.parse(fs.readFileSync(path.join(here, '..', '..', 'docs', 'openapi.json'), 'utf8'))
  const ajv = new Ajv({ allErrors: true, strict: false })
  for (const [name, schema] of Object.entries(spec.components.schemas ?? {})) ajv.addSchema(schema, `#/components/schemas/${name}`)
  const ops = []
  for (const [p, methods] of Object.entries(spec.paths))
    for (const [m, op] of Object.entries(methods)) {
      const re = new RegExp('^' + p.replace(/\{[^}]+\}/g, '[^/]+') + '$')
      const schema = op.responses?.['200']?.content?.['application/json']?.schema
      ops.push({ key: `${m.toUpperCase()} ${p}`, re, method: m.toUpperCase(), validate: schema ? ajv.compile(schema) : null, params: (p.match(/\{/g) ?? []).length })
    }
  // A fixed path before a templated one that also matches it (/records/policy/templates before
  // /records/{kind}/{id}), as the server's route table orders them.
  ops.sort((a, b) => a.params - b.params)
  const pending = []
  const problems = []
  const routes = new Set()
  let checked = 0
  if (dump) fs.mkdirSync(dump, { recursive: true })

  async function one(res) {
    const url = new URL(res.url())
    if (!url.pathname.startsWith('/api/') || res.status() !== 200) return
    if (!(res.headers()['content-type'] ?? '').includes('application/json')) return
    const method = res.request().method()
    const op = ops.find((o) => o.method === method && o.re.test(url.pathname))
    if (!op) return problems.push(`${method} ${url.pathname}: not in docs/openapi.json`)
    let body
    try {
      body = await res.json()
    } catch {
      return // the page navigated away before the body was read
    }
    routes.add(op.key)
    if (dump) {
      const f = path.join(dump, op.key.replace(/[^A-Za-z0-9]+/g, '_') + '.jsonl')
      fs.appendFileSync(f, JSON.stringify(body) + '\n')
    }
    if (!op.validate) return problems.push(`${op.key}: no 200 schema`)
    checked++
    if (!op.validate(body)) problems.push(`${op.key}: ${ajv.errorsText(op.validate.errors, { separator: '; ' }).slice(0, 300)}`)
  }

  return {
    observe(res) {
      pending.push(one(res).catch((e) => problems.push(String(e))))
    },
    async done() {
      await Promise.all(pending)
      return { checked, routes: routes.size, problems: [...new Set(problems)] }
    },
  }
}
