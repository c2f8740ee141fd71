// The state of a page's requests: loading, the last error, and the rule that only the newest
// answer counts. Starting a request aborts the one before it on the same channel (a filter
// changed twice, a fast pager), and leaving the page aborts what is still running, so a late
// answer never overwrites a newer one or lands on a page that is gone.
import { onBeforeUnmount, ref } from 'vue'
import { ApiError, isAborted } from './client'

export function useRequest() {
  const loading = ref(false)
  const error = ref('')
  const failure = ref<ApiError | null>(null) // the last failure, for its column or stage
  let current: AbortController | null = null

  // Runs f; resolves to its value, or to undefined if it failed (error is set) or was replaced.
  async function run<T>(f: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    current?.abort()
    const mine = new AbortController()
    current = mine
    loading.value = true
    try {
      const v = await f(mine.signal)
      if (current !== mine) return undefined
      error.value = ''
      failure.value = null
      return v
    } catch (e) {
      if (current !== mine || isAborted(e)) return undefined
      error.value = message(e)
      failure.value = e instanceof ApiError ? e : null
      return undefined
    } finally {
      if (current === mine) loading.value = false
    }
  }
  onBeforeUnmount(() => current?.abort())
  return { loading, error, failure, run }
}

// An action (a button): its own error, no aborting; resolves to whether it succeeded. `after`
// runs after each success (a detail pane reloads itself and tells its list).
export function useAction(after?: () => Promise<void> | void) {
  const busy = ref(false)
  const error = ref('')
  async function act(f: () => Promise<unknown>): Promise<boolean> {
    busy.value = true
    error.value = ''
    try {
      await f()
      await after?.()
      return true
    } catch (e) {
      error.value = message(e)
      return false
    } finally {
      busy.value = false
    }
  }
  return { busy, error, act }
}

export function message(e: unknown): string {
  if (e instanceof ApiError) return e.message
  return e instanceof Error ? e.message : String(e)
}
