// The inbox (notification service). The live stream is opened by stores/notifications.js.
import { get, post } from './client.js'

const A = { auth: 'required' }

export const notifications = (params) => get('/notifications', params, A)
export const unreadCount = () => get('/notifications/unread-count', null, A)
export const markRead = (nid) => post(`/notifications/${encodeURIComponent(nid)}/read`, undefined, A)
export const markAllRead = () => post('/notifications/read-all', undefined, A)
export const STREAM_PATH = '/api/v1/notifications/stream'
