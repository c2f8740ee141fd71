import { createApp } from 'vue'
import 'element-plus/theme-chalk/base.css'
import App from './App.vue'
import { router } from './router'
import { setUnauthorizedHandler } from './api/client'
import { setMe } from './session'
import { i18n, locale, setLocale } from './i18n'
import './style.css'

setLocale(locale.value)
setUnauthorizedHandler(() => {
  setMe(null)
  if (router.currentRoute.value.path !== '/login') router.push({ path: '/login', query: { expired: '1' } })
})
createApp(App).use(i18n).use(router).mount('#app')
