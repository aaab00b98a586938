// The tokens of the signed-in user, kept in localStorage so a reload stays signed in, and the
// listeners told when they change (the notification stream reconnects with the new token).
// Only the API client and the auth store use this module.
const KEY = 'pb.session'
const listeners = new Set()

let state = load()

function load() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) || 'null')
    if (s && typeof s.access_token === 'string' && typeof s.refresh_token === 'string') return s
  } catch {
    /* a damaged entry is the same as none */
  }
  return null
}

export function session() {
  return state
}

// tokens: the body of /auth/login or /auth/refresh ({access_token, refresh_token, expires_in, user})
export function setSession(tokens) {
  state = {
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    // a little early, so a request never leaves with a token about to expire
    expires_at: Date.now() + Math.max(0, (tokens.expires_in || 900) - 30) * 1000,
    user: tokens.user || (state && state.user) || null,
  }
  localStorage.setItem(KEY, JSON.stringify(state))
  listeners.forEach((fn) => fn(state))
}

export function setSessionUser(user) {
  if (!state) return
  state = { ...state, user }
  localStorage.setItem(KEY, JSON.stringify(state))
}

export function clearSession() {
  state = null
  localStorage.removeItem(KEY)
  listeners.forEach((fn) => fn(null))
}

export function onSessionChange(fn) {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

// Another tab signed in or out: follow it.
window.addEventListener('storage', (e) => {
  if (e.key !== KEY) return
  state = load()
  listeners.forEach((fn) => fn(state))
})
