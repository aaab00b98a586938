// Field errors of list items (amenities.2, photos.0, documents.1): the first one as a message
// naming the item, to show on the list's form item.
export function firstIndexed(errors, field, t) {
  const re = new RegExp(`^${field}\\.(\\d+)$`)
  for (const [k, v] of Object.entries(errors)) {
    const m = k.match(re)
    if (m) return t('provider.form.itemError', { n: Number(m[1]) + 1, msg: v })
  }
  return ''
}

// The indexes of the list items a 422 named (to mark them).
export function badIndexes(errors, field) {
  const re = new RegExp(`^${field}\\.(\\d+)$`)
  const out = new Set()
  for (const k of Object.keys(errors)) {
    const m = k.match(re)
    if (m) out.add(Number(m[1]))
  }
  return out
}
