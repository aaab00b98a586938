// A booking's or a quote's refusal, sorted by where the booking page shows it: the dates, the
// pets, or the page as a whole; the order service's own sentences about pets and the listing
// are put into the user's language here (the others by api/errors.js).
import { i18n } from '../../i18n/index.js'
import { errorMessage, fieldMessage } from '../../api/errors.js'

const t = (...a) => i18n.global.t(...a)

function petMessage(raw, petName) {
  let m
  if ((m = /^(.+): this listing does not take its species$/.exec(raw))) return t('owner.book.err.species', { name: m[1] })
  if ((m = /^(.+) weighs ([\d.]+) kg, more than the ([\d.]+) kg this listing takes$/.exec(raw)))
    return t('owner.book.err.weight', { name: m[1], weight: m[2], max: m[3] })
  if (/not yours$/.test(raw)) return t('owner.book.err.notYours')
  if ((m = /^pet (\S+) already has a stay on the night of (\S+)$/.exec(raw))) return t('owner.book.err.busy', { name: petName(m[1]), night: m[2] })
  return fieldMessage(raw)
}

// err: an ApiError; petName(id) → the pet's name. Returns {dates, start_date, end_date, pet_ids, general}.
export function bookingErrors(err, petName = (id) => id) {
  const out = {}
  if (!err || err.name !== 'ApiError') return { general: t('errors.code.unexpected') }
  const f = err.fields || {}
  if (err.code === 'fully_booked') {
    out.dates = f.night ? t('owner.book.err.fullNight', { night: f.night }) : t('errors.code.fully_booked')
    return out
  }
  if (f.start_date) out.start_date = fieldMessage(f.start_date)
  if (f.end_date) out.end_date = fieldMessage(f.end_date)
  if (f.pet_ids) out.pet_ids = petMessage(f.pet_ids, petName)
  for (const [k, v] of Object.entries(f)) if (k.startsWith('pet_ids.')) out.pet_ids = out.pet_ids || fieldMessage(v)
  if (f.listing_id) out.general = /open for bookings/.test(f.listing_id) || /no such listing/.test(f.listing_id) ? t('owner.book.err.listingClosed') : fieldMessage(f.listing_id)
  if (!Object.keys(out).length) out.general = errorMessage(err)
  return out
}
