// Display names of accounts known only by id (a listing's provider, the admin of an audit entry),
// read once each from the public profile and kept for the session; unknown ones stay ids.
import { reactive } from 'vue'
import { publicUser } from '../../api/accounts.js'

const names = reactive({})
const asked = new Set()

// The display name of a user id, or '' while it is read (the caller shows the id meanwhile).
export function userName(id) {
  if (!id) return ''
  if (!asked.has(id)) {
    asked.add(id)
    publicUser(id)
      .then((u) => {
        names[id] = u.display_name || ''
      })
      .catch(() => {
        /* a deleted or unreadable account: the id is shown */
      })
  }
  return names[id] || ''
}
