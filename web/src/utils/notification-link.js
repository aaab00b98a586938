// Where a notification leads: the order it is about, the listing, or the provider's page.
export function notificationLink(n) {
  const d = n.data || {}
  if (d.order_id) return `/orders/${d.order_id}`
  if (d.listing_id && n.type && n.type.startsWith('listing.')) return '/provider/listings'
  if (d.listing_id) return `/listings/${d.listing_id}`
  if (n.type && n.type.startsWith('provider.')) return '/provider'
  return '/notifications'
}
