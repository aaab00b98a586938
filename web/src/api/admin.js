// Administration (admin service): review queue, decisions, accounts, reviews, audit, dashboard.
import { get, post, put } from './client.js'

const id = (x) => encodeURIComponent(x)
const A = { auth: 'required' }

// kind: provider | listing
export const queue = (kind, params) => get('/admin/reviews-queue', { kind, ...params }, A)
// kind: providers | listings; decision: approve | reject
export const decide = (kind, tid, decision, reason) =>
  post(`/admin/${kind}/${id(tid)}/${decision}`, reason ? { reason } : undefined, A)
export const users = (params) => get('/admin/users', params, A)
// decision: suspend | reinstate
export const userDecision = (uid, decision, reason) =>
  post(`/admin/users/${id(uid)}/${decision}`, reason ? { reason } : undefined, A)
export const reviews = (params) => get('/admin/reviews', params, A)
export const hideReview = (rid, reason) => post(`/admin/reviews/${id(rid)}/hide`, { reason }, A)
export const auditLog = (params) => get('/admin/audit-log', params, A)
export const rules = () => get('/admin/rules', null, A)
export const updateRules = (body) => put('/admin/rules', body, A)
export const dashboard = () => get('/admin/dashboard', null, A)
