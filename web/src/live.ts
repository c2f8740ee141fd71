// The live socket (/api/v1/live): one connection per page load, reconnecting with backoff.
// Keeps the last few minutes of figures for the events-per-second chart.
import { reactive } from 'vue'
import type { Schemas } from './api/client'

type Event = Schemas['Event']
export interface Tick {
  ts: string
  eps: number
  metrics: Schemas['Metrics']
  alerts_open?: number
  alerts?: Schemas['Alert'][]
  events?: Event[]
}

export const live = reactive({
  connected: false,
  last: null as Tick | null,
  series: [] as { t: string; eps: number }[],
  events: [] as Event[],
  newAlerts: [] as Schemas['Alert'][],
})

let ws: WebSocket | null = null
let backoff = 1000
let stopped = true
const key = (e: Event) => String(e['@timestamp']) + String(e['event.original'] ?? e.message)

function connect() {
  if (stopped) return
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  ws = new WebSocket(`${proto}//${location.host}/api/v1/live`)
  ws.onopen = () => {
    live.connected = true
    backoff = 1000
  }
  ws.onmessage = (m) => {
    let tick: Tick
    try {
      tick = JSON.parse(String(m.data)) as Tick
    } catch {
      return
    }
    live.last = tick
    live.series.push({ t: tick.ts, eps: tick.eps })
    if (live.series.length > 300) live.series.splice(0, live.series.length - 300)
    const seen = new Set(live.events.map(key))
    const fresh = (tick.events ?? []).filter((e) => !seen.has(key(e)))
    live.events = [...fresh, ...live.events].slice(0, 50)
    if (tick.alerts?.length) live.newAlerts = [...tick.alerts, ...live.newAlerts].slice(0, 20)
  }
  ws.onclose = () => {
    live.connected = false
    ws = null
    if (!stopped) setTimeout(connect, backoff)
    backoff = Math.min(backoff * 2, 15000)
  }
}

export function startLive() {
  if (!stopped) return
  stopped = false
  connect()
}

export function stopLive() {
  stopped = true
  ws?.close()
  ws = null
  live.connected = false
}
