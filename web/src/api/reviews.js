// Reviews of completed stays and the provider's replies (review service).
import { post } from './client.js'

const A = { auth: 'required' }

// {order_id, rating, care?, communication?, cleanliness?, text}
export const postReview = (body) => post('/reviews', body, A)
export const reply = (rid, text) => post(`/reviews/${encodeURIComponent(rid)}/reply`, { text }, A)
