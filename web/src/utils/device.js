// A readable name for a device from its browser's User-Agent: "Chrome · Windows",
// "Safari · iPhone", "WeChat · Android". Pure (no i18n): null when the agent is unknown or
// says nothing recognisable, and the caller shows its own "unknown device".

// The browser: the first rule that matches wins, so the wrappers (WeChat, Edge, Opera, the
// Chinese browsers) come before the engines whose names they also carry (Chrome, Safari).
const BROWSERS = [
  [/MicroMessenger\//, 'WeChat'],
  [/DingTalk\//, 'DingTalk'],
  [/AlipayClient\//, 'Alipay'],
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/UCBrowser\//, 'UC'],
  [/QQBrowser\//, 'QQ'],
  [/Quark\//, 'Quark'],
  [/HuaweiBrowser\//, 'Huawei'],
  [/MiuiBrowser\//, 'Mi'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/HeadlessChrome\//, 'Headless Chrome'],
  [/Chrome\/|CriOS\//, 'Chrome'],
  [/Version\/[\d.]+.*Safari\//, 'Safari'],
  [/curl\//, 'curl'],
]

const SYSTEMS = [
  [/iPhone/, 'iPhone'],
  [/iPad/, 'iPad'],
  [/HarmonyOS|OpenHarmony/, 'HarmonyOS'],
  [/Android/, 'Android'],
  [/Windows/, 'Windows'],
  [/CrOS/, 'ChromeOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
]

const first = (rules, s) => rules.find(([re]) => re.test(s))?.[1] || null

// "Browser · OS", either alone when only one is known, or null.
export function deviceName(ua) {
  if (!ua) return null
  const parts = [first(BROWSERS, ua), first(SYSTEMS, ua)].filter(Boolean)
  return parts.length ? parts.join(' · ') : null
}

// Whether the agent is a phone or tablet (the list shows another icon for it).
export function isMobile(ua) {
  return !!ua && /Mobile|Android|iPhone|iPad|HarmonyOS/.test(ua)
}
