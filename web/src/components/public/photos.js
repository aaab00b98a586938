// Photos as resources render them: {id, url, thumb_url} objects (media service), or plain URLs
// from records made before it. Views read both through photoOf().
export function photoOf(p) {
  if (!p) return null
  if (typeof p === 'string') return { id: p, url: p, thumb_url: p }
  return { id: p.id, url: p.url || p.thumb_url, thumb_url: p.thumb_url || p.url }
}

export const photosOf = (list) => (Array.isArray(list) ? list.map(photoOf).filter(Boolean) : [])
