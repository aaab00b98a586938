// Photo upload (media service). purpose: listing | pet | care_log | verification.
// The answer {id, url, thumb_url, ...}: resources take the id, views show the URLs.
import { request } from './client.js'

export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024
export const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/webp']

export const upload = (file, purpose) => request('POST', '/media', { file, query: { purpose }, auth: 'required' })
