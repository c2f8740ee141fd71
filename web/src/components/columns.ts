// Column settings of a table: which columns show, remembered per table in the browser.
import { ref, watch } from 'vue'

export interface Column {
  key: string
  label: string // i18n key
}

export function useColumns(table: string, columns: Column[]) {
  const storage = `wardsec.columns.${table}`
  let saved: string[] = []
  try {
    const v: unknown = JSON.parse(localStorage.getItem(storage) ?? '[]')
    if (Array.isArray(v)) saved = v.filter((x): x is string => typeof x === 'string' && columns.some((c) => c.key === x))
  } catch {
    /* storage off or damaged: all columns show */
  }
  const hidden = ref<string[]>(saved)
  watch(hidden, (h) => {
    try {
      localStorage.setItem(storage, JSON.stringify(h))
    } catch {
      /* storage may be off */
    }
  })
  const show = (key: string) => !hidden.value.includes(key)
  return { columns, hidden, show }
}
