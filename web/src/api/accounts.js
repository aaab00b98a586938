// Accounts: registration, sign-in, profile (user service).
import { del, get, patch, post, put } from './client.js'

export const register = (body) => post('/auth/register', body, { auth: false })
export const login = (username, password) => post('/auth/login', { username, password }, { auth: false })
export const logout = () => post('/auth/logout', undefined, { auth: 'required' })
export const me = () => get('/users/me', null, { auth: 'required' })
export const updateMe = (body) => patch('/users/me', body, { auth: 'required' })
export const publicUser = (id) => get(`/users/${encodeURIComponent(id)}`)
// providers: the verification materials (media ids of purpose "verification") and a note
export const submitVerification = (documents, note) =>
  put('/users/me/verification', { documents, ...(note ? { note } : {}) }, { auth: 'required' })
// the caller's live sessions (logins), newest first, the caller's own marked `current`; ending
// one (its tokens stop working at their next request) or every one but the caller's
export const mySessions = () => get('/users/me/sessions', null, { auth: 'required' })
export const endSession = (id) => del(`/users/me/sessions/${encodeURIComponent(id)}`, { auth: 'required' })
export const endOtherSessions = () => del('/users/me/sessions', { auth: 'required' })
