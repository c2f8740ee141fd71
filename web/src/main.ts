import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { setUnauthorizedHandler } from './api'
import { setMe } from './session'
import { locale, setLocale } from './i18n'
import './style.css'

setLocale(locale.value)
setUnauthorizedHandler(() => {
  setMe(null)
  if (router.currentRoute.value.path !== '/login') router.push({ path: '/login', query: { expired: '1' } })
})
createApp(App).use(router).mount('#app')
