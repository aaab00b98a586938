// Photos as the API renders them: objects {id, url, thumb_url} (older records: plain URLs).
export const asPhoto = (p) => (typeof p === 'string' ? { id: p, url: p, thumb_url: p } : p)
export const asPhotos = (list) => (Array.isArray(list) ? list.filter(Boolean).map(asPhoto) : [])
