// The rules of a stay's dates, as the API checks them: check-in today or later (within a year),
// check-out 1 to 60 nights after it.
import { addDays, nightsBetween, today } from '../../utils/format.js'

export const MAX_NIGHTS = 60
export const isDate = (s) => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s)

// 'start' | 'end' | null: which of the two dates is wrong, and why (a message key of public.dates)
export function stayProblem(start, end) {
  if (!start && !end) return null
  if (!isDate(start)) return { field: 'start_date', key: 'startRequired' }
  if (start < today()) return { field: 'start_date', key: 'past' }
  if (start > addDays(today(), 365)) return { field: 'start_date', key: 'tooFar' }
  if (!isDate(end)) return { field: 'end_date', key: 'endRequired' }
  const n = nightsBetween(start, end)
  if (n < 1) return { field: 'end_date', key: 'afterStart' }
  if (n > MAX_NIGHTS) return { field: 'end_date', key: 'maxNights' }
  return null
}
