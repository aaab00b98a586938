// Photos as resources render them: {id, url, thumb_url} objects (media service), or plain URLs
// from records made before it (id null: they cannot be sent back, the API takes media ids).
export function photoOf(p) {
  if (!p) return null
  if (typeof p === 'string') return { id: null, url: p, thumb_url: p }
  return { id: p.id ?? null, url: p.url || p.thumb_url, thumb_url: p.thumb_url || p.url }
}

export const photosOf = (list) => (Array.isArray(list) ? list.map(photoOf).filter(Boolean) : [])
