// Formatting of money, dates and times for display. Money is integer fen everywhere in the
// API; it becomes yuan only here.
import { i18n } from '../i18n/index.js'

const t = (...a) => i18n.global.t(...a)

// Two formatters made once (toLocaleString with options builds a new one on every call, a
// few milliseconds each: a page of prices paid for it on first render).
const WHOLE = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 0 })
const CENTS = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

export function yuan(fen) {
  if (fen === null || fen === undefined || Number.isNaN(Number(fen))) return '—'
  const v = Number(fen) / 100
  return '¥' + (v % 1 ? CENTS : WHOLE).format(v)
}

// "YYYY-MM-DD" of a Date in local time (the API's calendar dates).
export function isoDate(d) {
  const z = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${z(d.getMonth() + 1)}-${z(d.getDate())}`
}

export function addDays(iso, n) {
  const [y, m, d] = iso.split('-').map(Number)
  return isoDate(new Date(y, m - 1, d + n))
}

// The platform's calendar is China's (UTC+8, no daylight saving), whatever the browser's time
// zone: "today" is the day the server counts from (lib/dates.h, PB_UTC_OFFSET_S).
export const PLATFORM_UTC_OFFSET_MS = 8 * 3600 * 1000

export function today() {
  return new Date(Date.now() + PLATFORM_UTC_OFFSET_MS).toISOString().slice(0, 10)
}

export function nightsBetween(start, end) {
  if (!start || !end) return 0
  const a = Date.UTC(...start.split('-').map((x, i) => (i === 1 ? x - 1 : +x)))
  const b = Date.UTC(...end.split('-').map((x, i) => (i === 1 ? x - 1 : +x)))
  return Math.round((b - a) / 86400000)
}

// A timestamp (RFC 3339) in the viewer's time zone.
export function dateTime(ts) {
  if (!ts) return '—'
  const d = new Date(ts)
  return d.toLocaleString(i18n.global.locale.value, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
}

export function date(ts) {
  if (!ts) return '—'
  return new Date(ts.length === 10 ? ts + 'T00:00:00' : ts).toLocaleDateString(i18n.global.locale.value, { year: 'numeric', month: '2-digit', day: '2-digit' })
}

export function timeAgo(ts) {
  const s = Math.max(0, (Date.now() - new Date(ts).getTime()) / 1000)
  if (s < 60) return t('time.justNow')
  if (s < 3600) return t('time.minutesAgo', { n: Math.floor(s / 60) })
  if (s < 86400) return t('time.hoursAgo', { n: Math.floor(s / 3600) })
  if (s < 86400 * 30) return t('time.daysAgo', { n: Math.floor(s / 86400) })
  return date(ts)
}

// Remaining time until a deadline as "mm:ss" or "h:mm:ss"; null once it passed.
export function countdown(ts, now = Date.now()) {
  const ms = new Date(ts).getTime() - now
  if (!(ms > 0)) return null
  const s = Math.floor(ms / 1000)
  const z = (n) => String(n).padStart(2, '0')
  const h = Math.floor(s / 3600)
  return h ? `${h}:${z(Math.floor((s % 3600) / 60))}:${z(s % 60)}` : `${z(Math.floor(s / 60))}:${z(s % 60)}`
}
