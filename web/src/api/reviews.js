// Reviews of completed stays and the provider's replies (review service).
import { get, post } from './client.js'

const A = { auth: 'required' }

// {order_id, rating, care?, communication?, cleanliness?, text}
export const postReview = (body) => post('/reviews', body, A)
export const reply = (rid, text) => post(`/reviews/${encodeURIComponent(rid)}/reply`, { text }, A)
// the review of one stay: {items: [review]} or {items: []}
export const reviewOfOrder = (orderId) => get('/reviews', { order_id: orderId })
