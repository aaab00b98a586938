// Entry point: the app, its router, its stores and its languages.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import router from './router/index.js'
import { i18n } from './i18n/index.js'
import { onSessionEnded } from './api/client.js'
import './styles/main.css'

const app = createApp(App)
app.use(createPinia())
app.use(router)
app.use(i18n)

// A session that can no longer be renewed: back to the login page, then to where the user was.
onSessionEnded(() => {
  const here = router.currentRoute.value
  if (here.name !== 'login') router.push({ name: 'login', query: { redirect: here.fullPath, expired: '1' } })
})

app.mount('#app')
