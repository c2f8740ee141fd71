// Chinese first, English on a switch: vue-i18n with one dictionary per language (locales/).
// A key missing in English falls back to Chinese, and a key missing everywhere shows itself
// (so a test can catch it). Element Plus follows the same switch (see App.vue).
import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import zh from './locales/zh-CN'
import en from './locales/en'

export type Locale = 'zh-CN' | 'en'
export const dictionaries: Record<Locale, Record<string, string>> = { 'zh-CN': zh, en }

function initial(): Locale {
  try {
    const s = localStorage.getItem('wardsec.locale')
    if (s === 'en' || s === 'zh-CN') return s
  } catch {
    /* storage may be off */
  }
  return 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: 'zh-CN',
  flatJson: true,
  messages: { 'zh-CN': { ...zh }, en: { ...en } }, // copies: flatJson nests them in place
  missingWarn: false,
  fallbackWarn: false,
})

// The current language as a read-only ref; setLocale changes it.
export const locale = computed<Locale>(() => i18n.global.locale.value as Locale)

export function setLocale(l: Locale) {
  i18n.global.locale.value = l
  document.documentElement.lang = l
  try {
    localStorage.setItem('wardsec.locale', l)
  } catch {
    /* storage may be off */
  }
}

export function t(key: string, vars?: Record<string, string | number>): string {
  return vars ? i18n.global.t(key, vars) : i18n.global.t(key)
}

// The server answers "中文 / English"; show the half in the chosen language.
export function serverText(msg: string): string {
  const i = msg.indexOf(' / ')
  if (i < 0) return msg
  return locale.value === 'en' ? msg.slice(i + 3) : msg.slice(0, i)
}

// A text the server holds in both languages ({zh, en} or two strings): the chosen one, or the
// other when it is empty.
export function pick(zh: string | undefined, en: string | undefined): string {
  return (locale.value === 'en' ? en || zh : zh || en) ?? ''
}
