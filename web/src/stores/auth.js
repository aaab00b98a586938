// The signed-in user: who they are, their role, and signing in and out. Tokens themselves are
// handled by api/session.js and api/client.js.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as accounts from '../api/accounts.js'
import { clearSession, onSessionChange, session, setSession, setSessionUser } from '../api/session.js'
import { i18n, localeOfProfile, profileLang, setLocale } from '../i18n/index.js'

export const useAuth = defineStore('auth', () => {
  const user = ref(session() ? session().user : null)

  const signedIn = computed(() => !!user.value)
  const role = computed(() => (user.value ? user.value.role : null))

  onSessionChange((s) => {
    user.value = s ? s.user : null
  })

  function adopt(u) {
    user.value = u
    setSessionUser(u)
  }

  async function login(username, password) {
    const tokens = await accounts.login(username, password)
    setSession(tokens)
    user.value = tokens.user
    // the profile's language wins over the one chosen before signing in, if it is set
    if (tokens.user && tokens.user.lang) setLocale(localeOfProfile(tokens.user.lang))
    return tokens.user
  }

  async function register(body) {
    const lang = profileLang(i18n.global.locale.value)
    await accounts.register({ ...body, lang })
    return login(body.username, body.password)
  }

  async function logout() {
    try {
      if (session()) await accounts.logout()
    } catch {
      /* the session ends here whatever the server said */
    }
    clearSession()
    user.value = null
  }

  // Re-read the profile (status changes such as a provider's approval).
  async function refreshMe() {
    if (!session()) return null
    const u = await accounts.me()
    adopt(u)
    return u
  }

  // The language is part of the profile: notifications are written in it.
  async function changeLanguage(locale) {
    setLocale(locale)
    if (session()) {
      try {
        adopt(await accounts.updateMe({ lang: profileLang(locale) }))
      } catch {
        /* the page is already in the new language; the profile follows next time */
      }
    }
  }

  return { user, signedIn, role, login, register, logout, refreshMe, changeLanguage, adopt }
})
