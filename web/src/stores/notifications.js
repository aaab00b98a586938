// The notification bell: the unread count, the latest notifications, and the live stream
// (Server-Sent Events). EventSource cannot send an Authorization header, so the stream carries
// the access token in its URL; it ends when the token expires, and then reopens with a fresh
// token and the id of the last event seen, so nothing is missed or shown twice.
// The server keeps a few streams per account (3): opening another ends the oldest with a
// `superseded` event. That tab then stays quiet until it is shown again, so open tabs never
// take turns replacing each other.
// Views that show an order subscribe with onEvent() to refresh themselves when it changes.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as api from '../api/notifications.js'
import { refreshTokens } from '../api/client.js'
import { onSessionChange, session } from '../api/session.js'

export const useNotifications = defineStore('notifications', () => {
  const unread = ref(0)
  const latest = ref([]) // newest first, a few, for the bell's panel
  const connected = ref(false)
  const listeners = new Set()
  let source = null
  let lastId = null
  let retryTimer = null
  let retries = 0
  let superseded = false // a newer stream of this account replaced ours

  async function loadUnread() {
    try {
      const r = await api.unreadCount()
      unread.value = r.unread ?? r.count ?? 0
    } catch {
      /* the badge keeps its last value */
    }
  }

  async function loadLatest() {
    try {
      const page = await api.notifications({ limit: 8 })
      latest.value = page.items
      if (page.items.length && !lastId) lastId = page.items[0].id
    } catch {
      /* shown empty */
    }
  }

  function onEvent(fn) {
    listeners.add(fn)
    return () => listeners.delete(fn)
  }

  function handle(e) {
    let n
    try {
      n = JSON.parse(e.data)
    } catch {
      return
    }
    lastId = n.id || e.lastEventId || lastId
    retries = 0
    if (latest.value.some((x) => x.id === n.id)) return
    latest.value = [n, ...latest.value].slice(0, 8)
    if (!n.read) unread.value += 1
    listeners.forEach((fn) => fn(n))
  }

  function close() {
    clearTimeout(retryTimer)
    retryTimer = null
    if (source) source.close()
    source = null
    connected.value = false
  }

  function open() {
    close()
    const s = session()
    if (!s) return
    const q = new URLSearchParams({ access_token: s.access_token })
    if (lastId) q.set('last_event_id', lastId)
    source = new EventSource(`${api.STREAM_PATH}?${q}`)
    source.addEventListener('open', () => {
      connected.value = true
    })
    source.addEventListener('notification', handle)
    source.addEventListener('superseded', () => {
      close() // no reconnect: wait until this tab is looked at again
      superseded = true
    })
    source.addEventListener('error', () => {
      // EventSource would retry with the same (maybe expired) token: reopen ourselves
      close()
      const delay = Math.min(30000, 1000 * 2 ** retries++)
      retryTimer = setTimeout(async () => {
        if (!session()) return
        if (Date.now() >= session().expires_at - 60000) {
          try {
            await refreshTokens()
          } catch {
            /* the client ends the session if it was refused */
          }
        }
        if (session()) open()
      }, delay)
    })
  }

  async function start() {
    lastId = null
    await Promise.all([loadUnread(), loadLatest()])
    open()
  }

  function stop() {
    close()
    superseded = false
    unread.value = 0
    latest.value = []
    lastId = null
  }

  async function markRead(id) {
    await api.markRead(id)
    const n = latest.value.find((x) => x.id === id)
    if (n && !n.read) n.read = true
    await loadUnread()
  }

  async function markAllRead() {
    await api.markAllRead()
    latest.value.forEach((n) => (n.read = true))
    unread.value = 0
  }

  // a tab whose stream was replaced takes it back when it is shown again (and catches up)
  if (typeof document !== 'undefined')
    document.addEventListener('visibilitychange', () => {
      if (!superseded || document.visibilityState !== 'visible' || !session()) return
      superseded = false
      loadUnread()
      open()
    })

  // sign-in starts the stream, sign-out stops it; a new token (refresh) reopens it
  let wasSignedIn = !!session()
  onSessionChange((s) => {
    if (!s) stop()
    else if (!wasSignedIn) start()
    else if (source) open()
    wasSignedIn = !!s
  })

  return { unread, latest, connected, start, stop, loadUnread, loadLatest, markRead, markAllRead, onEvent }
})
