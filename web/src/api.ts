// The API client: JSON in and out, the session cookie (sent by the browser), the CSRF token on
// every change, and errors turned into one shape the pages show.
import { serverText, t } from './i18n'

export class ApiError extends Error {
  constructor(public status: number, message: string, public column?: number, public stage?: string) {
    super(message)
  }
}

let csrf = ''
export function setCsrf(token: string) {
  csrf = token
}

// Called when the server says the session is gone (401): the app goes back to the login.
let onUnauthorized: () => void = () => {}
export function setUnauthorizedHandler(f: () => void) {
  onUnauthorized = f
}

export async function api<T = any>(method: string, path: string, body?: unknown, opts: { raw?: BodyInit; contentType?: string } = {}): Promise<T> {
  const headers: Record<string, string> = {}
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf
  let payload: BodyInit | undefined
  if (opts.raw !== undefined) {
    payload = opts.raw
    headers['Content-Type'] = opts.contentType ?? 'text/plain'
  } else if (body !== undefined) {
    payload = JSON.stringify(body)
    headers['Content-Type'] = 'application/json'
  }
  let res: Response
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' })
  } catch {
    throw new ApiError(0, t('error.network'))
  }
  const text = await res.text()
  let data: any = {}
  try {
    data = text ? JSON.parse(text) : {}
  } catch {
    data = { error: text.slice(0, 200) }
  }
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/api/v1/auth/')) onUnauthorized()
    const msg = data.error ? serverText(String(data.error)) : `${res.status}`
    throw new ApiError(res.status, res.status === 403 && !data.stage && !data.error ? t('error.forbidden') : msg, data.column, data.stage)
  }
  return data as T
}

export const get = <T = any>(path: string) => api<T>('GET', path)
export const post = <T = any>(path: string, body?: unknown) => api<T>('POST', path, body ?? {})

export function qs(params: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') p.set(k, String(v))
  const s = p.toString()
  return s ? '?' + s : ''
}

// A file download of an authenticated GET (export): fetch, then hand the browser a blob.
export async function download(path: string, filename: string) {
  const res = await fetch(path, { credentials: 'same-origin' })
  if (!res.ok) throw new ApiError(res.status, (await res.text()).slice(0, 200))
  const blob = await res.blob()
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = filename
  a.click()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}
