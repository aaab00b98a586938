// The one HTTP client of the app. Every call to the platform goes through request():
// - it sends JSON (or a file, for uploads) to /api/v1 and parses the JSON answer;
// - it adds the access token, refreshes it shortly before it expires or after a 401 (one
//   refresh at a time, shared by every request waiting for it), and retries the call once;
// - a refresh that fails ends the session (onSessionEnded tells the app to show the login page);
// - every error becomes an ApiError carrying the error body's code, message, fields and
//   request id, so views show it in the user's language (see api/errors.js);
// - a GET that met a 503 or a network failure is tried once more after the Retry-After delay;
//   a POST is never repeated here: callers that may repeat one pass an idempotencyKey.
import { clearSession, session, setSession } from './session.js'

export const API_BASE = '/api/v1'

export class ApiError extends Error {
  constructor(status, code, message, fields, requestId, body) {
    super(message || code)
    this.name = 'ApiError'
    this.status = status // 0 when the server could not be reached
    this.code = code // bad_request, validation_failed, fully_booked, ... or 'network'
    this.fields = fields || {} // field name (dotted) → what is wrong with it
    this.requestId = requestId || null
    this.body = body || null // the whole error body (e.g. rule violations of an admin decision)
  }
}

let sessionEnded = () => {}
// The app registers what happens when the session cannot be renewed (back to the login page).
export function onSessionEnded(fn) {
  sessionEnded = fn
}

let refreshing = null

// Renew the tokens with the refresh token; the same promise for every concurrent caller.
export function refreshTokens() {
  if (!refreshing) {
    const s = session()
    refreshing = (async () => {
      if (!s) throw new ApiError(401, 'unauthenticated', 'not signed in')
      const res = await send('POST', '/auth/refresh', { body: { refresh_token: s.refresh_token } }, null)
      setSession(res)
      return res
    })()
      .catch((err) => {
        // a network failure keeps the session (the next request tries again); a refusal ends it
        if (err.status !== 0 && err.status < 500) {
          clearSession()
          sessionEnded(err)
        }
        throw err
      })
      .finally(() => {
        refreshing = null
      })
  }
  return refreshing
}

function buildUrl(path, query) {
  let url = path.startsWith('/api/') || path.startsWith('/media/') ? path : API_BASE + path
  if (query) {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue
      q.set(k, String(v))
    }
    const s = q.toString()
    if (s) url += (url.includes('?') ? '&' : '?') + s
  }
  return url
}

async function parseError(res) {
  let body = null
  try {
    body = await res.json()
  } catch {
    /* not JSON: a proxy's page */
  }
  const e = (body && body.error) || {}
  return new ApiError(
    res.status,
    e.code || (res.status >= 500 ? 'unavailable' : 'bad_request'),
    e.message || res.statusText,
    e.fields,
    e.request_id || res.headers.get('X-Request-Id'),
    body,
  )
}

async function send(method, path, opts, token) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) }
  let body
  if (opts.file) {
    body = opts.file
    headers['Content-Type'] = opts.file.type || 'application/octet-stream'
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body)
    headers['Content-Type'] = 'application/json'
  }
  if (token) headers.Authorization = `Bearer ${token}`
  if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey
  let res
  try {
    res = await fetch(buildUrl(path, opts.query), { method, headers, body, signal: opts.signal })
  } catch (err) {
    if (err.name === 'AbortError') throw err
    throw new ApiError(0, 'network', String(err.message || err))
  }
  if (!res.ok) throw await parseError(res)
  if (res.status === 204) return null
  const type = res.headers.get('Content-Type') || ''
  return type.includes('json') ? res.json() : res.text()
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// method, path (relative to /api/v1), opts: {query, body, file, headers, idempotencyKey, signal,
// auth: 'auto' (send a token when signed in, the default) | 'required' | false}
export async function request(method, path, opts = {}) {
  const auth = opts.auth === undefined ? 'auto' : opts.auth
  let s = auth ? session() : null
  if (auth === 'required' && !s) {
    const err = new ApiError(401, 'unauthenticated', 'not signed in')
    sessionEnded(err)
    throw err
  }
  if (s && Date.now() >= s.expires_at) {
    try {
      s = (await refreshTokens()) && session()
    } catch (err) {
      if (err.status === 0) throw err
      s = null
      if (auth === 'required') throw err
    }
  }
  const attempt = () => send(method, path, opts, s && s.access_token)
  try {
    return await attempt()
  } catch (err) {
    if (err.status === 401 && s) {
      // expired or revoked since it was checked: renew once and repeat the call
      await refreshTokens()
      s = session()
      return attempt()
    }
    if (method === 'GET' && (err.status === 0 || err.status === 503)) {
      await sleep(800)
      return attempt()
    }
    throw err
  }
}

export const get = (path, query, opts) => request('GET', path, { ...opts, query })
export const post = (path, body, opts) => request('POST', path, { ...opts, body })
export const patch = (path, body, opts) => request('PATCH', path, { ...opts, body })
export const put = (path, body, opts) => request('PUT', path, { ...opts, body })
export const del = (path, opts) => request('DELETE', path, opts)

// A fresh key for a POST that may be sent again (orders, payments, cancellations): the server
// answers a repeat with the first answer instead of doing it twice.
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID()
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')
}
