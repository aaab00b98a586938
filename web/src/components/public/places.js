// City centres for "near me" when the browser will not say where the user is, and the
// cities offered as suggestions (any other city may be typed).
export const CITIES = [
  { name: '北京', en: 'Beijing', lat: 39.9042, lng: 116.4074 },
  { name: '上海', en: 'Shanghai', lat: 31.2304, lng: 121.4737 },
  { name: '成都', en: 'Chengdu', lat: 30.5728, lng: 104.0668 },
  { name: '广州', en: 'Guangzhou', lat: 23.1291, lng: 113.2644 },
  { name: '深圳', en: 'Shenzhen', lat: 22.5431, lng: 114.0579 },
  { name: '杭州', en: 'Hangzhou', lat: 30.2741, lng: 120.1551 },
  { name: '南京', en: 'Nanjing', lat: 32.0603, lng: 118.7969 },
  { name: '武汉', en: 'Wuhan', lat: 30.5928, lng: 114.3055 },
  { name: '西安', en: "Xi'an", lat: 34.3416, lng: 108.9398 },
  { name: '重庆', en: 'Chongqing', lat: 29.563, lng: 106.5516 },
]

// The centre of a city by its Chinese or English name; null when unknown.
export function cityCentre(city) {
  const c = String(city || '').trim().toLowerCase()
  if (!c) return null
  const hit = CITIES.find((x) => x.name === c || x.en.toLowerCase() === c || c.startsWith(x.name))
  return hit ? { lat: hit.lat, lng: hit.lng } : null
}

// The name the API knows a city by (the Chinese one) for what the user typed.
export function cityValue(city) {
  const c = String(city || '').trim()
  const hit = CITIES.find((x) => x.en.toLowerCase() === c.toLowerCase())
  return hit ? hit.name : c
}

// "lat,lng" as the API's near parameter, 4 decimals (about 10 m).
export const nearParam = (p) => `${p.lat.toFixed(4)},${p.lng.toFixed(4)}`

// Ask the browser where the user is; resolves null when refused, unavailable or too slow.
export function locate(timeoutMs = 8000) {
  return new Promise((resolve) => {
    if (!('geolocation' in navigator)) return resolve(null)
    let done = false
    const finish = (v) => {
      if (!done) {
        done = true
        resolve(v)
      }
    }
    const timer = setTimeout(() => finish(null), timeoutMs + 500)
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        clearTimeout(timer)
        finish({ lat: pos.coords.latitude, lng: pos.coords.longitude })
      },
      () => {
        clearTimeout(timer)
        finish(null)
      },
      { enableHighAccuracy: false, timeout: timeoutMs, maximumAge: 300000 },
    )
  })
}
