// Languages of the app: Chinese (zh-CN) first, English switchable. The choice is kept in
// localStorage and, for a signed-in user, in the profile (so notifications are written in it).
// Messages live in locales/<lang>/<area>.js, one file per part of the app.
import { createI18n } from 'vue-i18n'
import zhCommon from './locales/zh-CN/common.js'
import zhPublic from './locales/zh-CN/public.js'
import zhOwner from './locales/zh-CN/owner.js'
import zhProvider from './locales/zh-CN/provider.js'
import zhAdmin from './locales/zh-CN/admin.js'
import enCommon from './locales/en/common.js'
import enPublic from './locales/en/public.js'
import enOwner from './locales/en/owner.js'
import enProvider from './locales/en/provider.js'
import enAdmin from './locales/en/admin.js'

export const LOCALES = ['zh-CN', 'en']
const KEY = 'pb.locale'

function initial() {
  const saved = localStorage.getItem(KEY)
  return LOCALES.includes(saved) ? saved : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: 'zh-CN',
  messages: {
    'zh-CN': { ...zhCommon, public: zhPublic, owner: zhOwner, provider: zhProvider, admin: zhAdmin },
    en: { ...enCommon, public: enPublic, owner: enOwner, provider: enProvider, admin: enAdmin },
  },
  missingWarn: false,
  fallbackWarn: false,
})

export function setLocale(locale) {
  if (!LOCALES.includes(locale)) return
  i18n.global.locale.value = locale
  localStorage.setItem(KEY, locale)
  document.documentElement.lang = locale
}

// The profile's language code for a locale, and back.
export const profileLang = (locale) => (locale === 'en' ? 'en' : 'zh')
export const localeOfProfile = (lang) => (lang === 'en' ? 'en' : 'zh-CN')

document.documentElement.lang = initial()
