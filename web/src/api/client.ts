// The API client, typed from docs/openapi.json (openapi-typescript writes schema.d.ts at build
// time): a call names the documented path and its parameters, and gets the documented answer.
// One error path for everything, downloads included: a failure becomes an ApiError in the
// language the user reads; 401 anywhere but the login calls sends the app back to the login;
// an answer that a newer request made obsolete is dropped (see request.ts).
import type { components, paths } from './schema'
import { serverText, t } from '../i18n'

export type Schemas = components['schemas']
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
type PathsWith<M extends Method> = { [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never }[keyof paths]
type Op<P extends keyof paths, M extends Method> = paths[P][M]
type Json<R> = R extends { content: { 'application/json': infer J } } ? J : never
// The answer: the JSON of whichever success status the operation documents.
export type Answer<P extends keyof paths, M extends Method> =
  Op<P, M> extends { responses: infer R } ? Json<R[Extract<keyof R, 200 | 201 | 202>]> : never
type Params<O> = O extends { parameters: infer Q } ? Q : never
type Query<O> = Params<O> extends { query?: infer Q } ? Q : never
type PathParams<O> = Params<O> extends { path: infer A } ? A : never
type Body<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : unknown
export type Options<P extends keyof paths, M extends Method> = {
  path?: PathParams<Op<P, M>>
  query?: Query<Op<P, M>>
  body?: Body<Op<P, M>>
  // A file or text sent as it is (imports, evidence documents) instead of JSON.
  raw?: { data: BodyInit; type: string }
  signal?: AbortSignal
}

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public column?: number,
    public stage?: string,
  ) {
    super(message)
  }
}

// True for the rejection of a request that a newer one replaced: not an error to show.
export const isAborted = (e: unknown) => e instanceof DOMException && e.name === 'AbortError'

let csrf = ''
export function setCsrf(token: string) {
  csrf = token
}
let onUnauthorized: () => void = () => {}
export function setUnauthorizedHandler(f: () => void) {
  onUnauthorized = f
}

export function url(template: string, path?: object, query?: object): string {
  let u = template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = (path as Record<string, unknown> | undefined)?.[k]
    if (v === undefined || v === '') throw new ApiError(0, `missing path parameter ${k}`)
    return encodeURIComponent(String(v))
  })
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  if (s) u += '?' + s
  return u
}

interface ErrorBody {
  error?: string
  column?: number
  stage?: string
}

// Sends one request; every failure, of any kind, comes back as an ApiError.
async function send(method: string, target: string, init: { body?: BodyInit; type?: string; signal?: AbortSignal }): Promise<Response> {
  const headers: Record<string, string> = {}
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf
  if (init.type) headers['Content-Type'] = init.type
  let res: Response
  try {
    res = await fetch(target, { method, headers, body: init.body, credentials: 'same-origin', signal: init.signal })
  } catch (e) {
    if (isAborted(e)) throw e
    throw new ApiError(0, t('error.network'))
  }
  if (res.ok) return res
  const text = await res.text().catch(() => '')
  let data: ErrorBody = {}
  try {
    data = text ? (JSON.parse(text) as ErrorBody) : {}
  } catch {
    data = { error: text.slice(0, 200) }
  }
  if (res.status === 401 && !target.startsWith('/api/v1/auth/')) onUnauthorized()
  let msg = data.error ? serverText(String(data.error)) : `HTTP ${res.status}`
  if (res.status === 403 && !data.stage && !data.error) msg = t('error.forbidden')
  if (res.status === 401 && !data.error) msg = t('error.session')
  throw new ApiError(res.status, msg, data.column, data.stage)
}

export async function call<P extends PathsWith<M>, M extends Method>(method: M, path: P, opts: Options<P, M> = {}): Promise<Answer<P, M>> {
  const target = url(path, opts.path as object | undefined, opts.query as object | undefined)
  const body = opts.raw ? opts.raw.data : method === 'get' ? undefined : JSON.stringify(opts.body ?? {})
  const type = opts.raw ? opts.raw.type : method === 'get' ? undefined : 'application/json'
  const res = await send(method.toUpperCase(), target, { body, type, signal: opts.signal })
  const text = await res.text()
  try {
    return (text ? JSON.parse(text) : {}) as Answer<P, M>
  } catch {
    throw new ApiError(res.status, t('error.bad_answer'))
  }
}

export const api = {
  get: <P extends PathsWith<'get'>>(path: P, opts?: Options<P, 'get'>) => call('get', path, opts),
  post: <P extends PathsWith<'post'>>(path: P, opts?: Options<P, 'post'>) => call('post', path, opts),
  patch: <P extends PathsWith<'patch'>>(path: P, opts?: Options<P, 'patch'>) => call('patch', path, opts),
  put: <P extends PathsWith<'put'>>(path: P, opts?: Options<P, 'put'>) => call('put', path, opts),
  delete: <P extends PathsWith<'delete'>>(path: P, opts?: Options<P, 'delete'>) => call('delete', path, opts),
}

// A text the server answers with (a session's recording), fetched like any call.
export async function text<P extends PathsWith<'get'>>(path: P, opts: Options<P, 'get'> = {}): Promise<string> {
  const res = await send('GET', url(path, opts.path as object | undefined, opts.query as object | undefined), { signal: opts.signal })
  return res.text()
}

// The bastion's WebSockets (upgrades, not JSON calls: not among the OpenAPI document's paths).
export const sockets = {
  terminal: (account: number) => url('/api/v1/bastion/terminal', undefined, { account }),
  watch: (id: string) => url('/api/v1/bastion/live/{id}/watch', { id }),
}

// A file the server makes (an export, a report): fetched like any call, so a 401 or a refusal
// is handled the same way, then handed to the browser under its name.
export async function download<P extends PathsWith<'get'>>(path: P, filename: string, opts: Options<P, 'get'> = {}) {
  const res = await send('GET', url(path, opts.path as object | undefined, opts.query as object | undefined), { signal: opts.signal })
  const blob = await res.blob()
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = filename
  a.click()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}
