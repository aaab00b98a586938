// Listings, search and nights (boarding service); ratings and reviews (review service).
import { get, patch, post, put } from './client.js'

const id = (x) => encodeURIComponent(x)

// params: city, district, species, min_price_fen, max_price_fen, start_date, end_date, pets,
// near ("lat,lng"), radius_km, min_rating, q, sort, limit, cursor
export const search = (params, opts) => get('/listings', params, opts)
export const listing = (lid) => get(`/listings/${id(lid)}`)
export const availability = (lid, from, to) => get(`/listings/${id(lid)}/availability`, { from, to })
export const rating = (lid) => get(`/listings/${id(lid)}/rating`)
export const reviews = (lid, params) => get(`/listings/${id(lid)}/reviews`, params)

// providers
export const myListings = (params) => get('/providers/me/listings', params, { auth: 'required' })
export const createListing = (body) => post('/listings', body, { auth: 'required' })
export const updateListing = (lid, body) => patch(`/listings/${id(lid)}`, body, { auth: 'required' })
// days: [{date, capacity?, closed?}]
export const setAvailability = (lid, days) => put(`/listings/${id(lid)}/availability`, { days }, { auth: 'required' })
