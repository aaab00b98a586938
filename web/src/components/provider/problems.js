// Why the server refused a provider's action (409 / 403), in words: the order, listing, night
// and review services explain a refusal in an English sentence; the known ones become a
// sentence in the user's language here, anything else falls back to the error code's text.
import { i18n } from '../../i18n/index.js'
import { errorMessage } from '../../api/errors.js'

const t = (...a) => i18n.global.t(...a)
// check-in → checkIn: the message key of an action
export const actionKey = (a) => a.replace(/-(\w)/g, (_, c) => c.toUpperCase())

const REASONS = [
  [/^check-in opens on the start date$/, 'checkInEarly'],
  [/^the acceptance deadline has passed$/, 'acceptLate'],
  [/^care logs are written while the pet is in care$/, 'careNotInCare'],
  [/^the care log closes a day after the stay$/, 'careClosed'],
  [/^this status change does not apply/, 'listingStatus'],
  [/already has more pets reserved/, 'belowReserved'],
  [/^only providers approved by an admin/, 'notApproved'],
  [/already has a reply$/, 'alreadyReplied'],
  [/^your role cannot do this$/, 'role'],
]

// err: an ApiError; action: what was tried (accept, reject, check-in, check-out, care-log,
// publish, pause, reply, verification) for a sentence about a state that no longer allows it.
export function problemMessage(err, action = '') {
  if (!err || err.name !== 'ApiError') return errorMessage(err)
  if (err.status === 409 || err.status === 403) {
    for (const [re, key] of REASONS) if (re.test(err.message || '')) return t(`provider.problem.${key}`)
    if (err.status === 409 && action) return t(`provider.problem.state.${actionKey(action)}`, t('provider.problem.stateOther'))
  }
  return errorMessage(err)
}
