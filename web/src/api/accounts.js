// Accounts: registration, sign-in, profile (user service).
import { get, patch, post, put } from './client.js'

export const register = (body) => post('/auth/register', body, { auth: false })
export const login = (username, password) => post('/auth/login', { username, password }, { auth: false })
export const logout = () => post('/auth/logout', undefined, { auth: 'required' })
export const me = () => get('/users/me', null, { auth: 'required' })
export const updateMe = (body) => patch('/users/me', body, { auth: 'required' })
export const publicUser = (id) => get(`/users/${encodeURIComponent(id)}`)
// providers: the verification materials (media ids of purpose "verification") and a note
export const submitVerification = (documents, note) =>
  put('/users/me/verification', { documents, ...(note ? { note } : {}) }, { auth: 'required' })
