// Turns an ApiError into words in the user's language: a sentence for the error's code, and
// for 422 answers one message per field. The server writes field messages in English from a
// small set of patterns (lib/jv.c and the services' rules); the known ones are translated
// here, and an unknown one is shown as the server wrote it rather than hidden.
import { i18n } from '../i18n/index.js'

const t = (...a) => i18n.global.t(...a)
const te = (k) => i18n.global.te(k)

// Patterns of the server's field messages → a message key and its named values.
const PATTERNS = [
  [/^is required$/, 'required'],
  [/^unknown field$/, 'unknown'],
  [/^must not be (empty|blank)$/, 'blank'],
  [/^must be at most (\d+) characters$/, 'max_chars', ['n']],
  [/^must be at least (\d+) characters$/, 'min_chars', ['n']],
  [/^must be an integer between (-?[\d.]+) and (-?[\d.]+)$/, 'int_between', ['min', 'max']],
  [/^must be a number between (-?[\d.e+]+) and (-?[\d.e+]+)$/, 'num_between', ['min', 'max']],
  [/^must be one of: (.*)$/, 'one_of', ['list']],
  [/^must be a date YYYY-MM-DD$/, 'date'],
  [/^must have between (\d+) and (\d+) items$/, 'items_between', ['min', 'max']],
  [/^must not repeat an? (item|id)$/, 'repeat'],
  [/^must be valid UTF-8$/, 'utf8'],
  [/^must not contain control characters$/, 'control'],
  [/^must be today or later$/, 'today_or_later'],
  [/^must be after start_date$/, 'after_start'],
  [/^must be 1 to 60 nights after start_date$|^a stay is at most 60 nights$/, 'max_nights'],
  [/^must be within a year( of today)?$|^must be between today and a year from now$/, 'within_year'],
  [/^must not be below min_price_fen$/, 'below_min_price'],
  // the platform rules (services/admin/rules.c), on listing writes and approvals
  [/^\d+ fen is above the maximum of \d+ fen$/, 'rule_max_price'],
  [/^\d+ fen is below the minimum of \d+ fen$/, 'rule_min_price'],
  [/^contains the banned word "(.*)"$/, 'banned_word', ['word']],
  [/^requires city$/, 'requires_city'],
  [/^(distance )?requires near$/, 'requires_near'],
  [/^must be lat,lng$/, 'lat_lng'],
  [/^at most 5 words$/, 'max_words'],
  [/^appears twice$/, 'repeat'],
  [/^is not a (valid id|cursor.*)$/, 'invalid'],
  [/^must be (an? )?(integer|number|string|array|object|true or false).*$/, 'type'],
]

// One field's message in the user's language.
export function fieldMessage(raw) {
  if (typeof raw !== 'string') return ''
  for (const [re, key, names] of PATTERNS) {
    const m = raw.match(re)
    if (!m) continue
    const values = {}
    ;(names || []).forEach((n, i) => (values[n] = m[i + 1]))
    return t(`errors.field.${key}`, values)
  }
  return raw
}

// The sentence for an error as a whole (a toast, an alert above a form).
export function errorMessage(err) {
  if (!err) return ''
  if (!(err.name === 'ApiError')) return t('errors.code.unexpected')
  const key = `errors.code.${err.code}`
  let msg = te(key) ? t(key) : t('errors.code.unexpected')
  if (err.code === 'network') msg = t('errors.code.network')
  return msg
}

// The field messages of a 422 (or a 409 naming fields), keyed by field name as the server
// names it (dotted for nested fields), translated.
export function fieldErrors(err) {
  const out = {}
  if (!err || !err.fields) return out
  for (const [k, v] of Object.entries(err.fields)) out[k] = fieldMessage(v)
  return out
}
