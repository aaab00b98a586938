// Stays: booking, their lifecycle, care logs and the provider's schedule (order service);
// payments (payment service).
import { get, newIdempotencyKey, post } from './client.js'

const id = (x) => encodeURIComponent(x)
const A = { auth: 'required' }

// {listing_id, pet_ids, start_date, end_date}: the server's price, nothing reserved
export const quote = (body) => post('/orders/quote', body, A)
// idempotencyKey: the same key for every attempt of one booking
export const createOrder = (body, idempotencyKey = newIdempotencyKey()) => post('/orders', body, { ...A, idempotencyKey })
// params: role (owner | provider), status, limit, cursor
export const orders = (params) => get('/orders', params, A)
export const order = (oid) => get(`/orders/${id(oid)}`, null, A)
export const refundQuote = (oid) => get(`/orders/${id(oid)}/refund-quote`, null, A)
export const cancelOrder = (oid, reason, idempotencyKey = newIdempotencyKey()) =>
  post(`/orders/${id(oid)}/cancel`, reason ? { reason } : undefined, { ...A, idempotencyKey })
// action: accept | reject | check-in | check-out
export const orderAction = (oid, action, body) => post(`/orders/${id(oid)}/${action}`, body, A)
export const careLogs = (oid) => get(`/orders/${id(oid)}/care-logs`, null, A)
export const addCareLog = (oid, body) => post(`/orders/${id(oid)}/care-logs`, body, A)
export const schedule = (from, to) => get('/providers/me/schedule', { from, to }, A)

export const createPayment = (orderId, idempotencyKey = newIdempotencyKey()) =>
  post('/payments', { order_id: orderId }, { ...A, idempotencyKey })
export const payment = (pid) => get(`/payments/${id(pid)}`, null, A)
// the sandbox stands in for a third-party payment page: outcome succeed | fail
export const sandboxPay = (pid, outcome) => post(`/payments/${id(pid)}/sandbox`, { outcome }, A)
