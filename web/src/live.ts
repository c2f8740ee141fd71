// The live socket (/api/v1/live): one connection per page load, reconnecting with backoff.
// Keeps the last few minutes of figures for the events-per-second chart.
import { reactive } from 'vue'

export interface Tick {
  ts: string
  eps: number
  metrics: Record<string, number>
  alerts_open?: number
  alerts?: any[]
  events?: any[]
}

export const live = reactive({
  connected: false,
  last: null as Tick | null,
  series: [] as { t: string; eps: number }[],
  events: [] as any[],
  newAlerts: [] as any[],
})

let ws: WebSocket | null = null
let backoff = 1000
let stopped = true

function connect() {
  if (stopped) return
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  ws = new WebSocket(`${proto}//${location.host}/api/v1/live`)
  ws.onopen = () => {
    live.connected = true
    backoff = 1000
  }
  ws.onmessage = (m) => {
    const tick = JSON.parse(m.data) as Tick
    live.last = tick
    live.series.push({ t: tick.ts, eps: tick.eps })
    if (live.series.length > 300) live.series.splice(0, live.series.length - 300)
    const seen = new Set(live.events.map((e) => e['@timestamp'] + (e['event.original'] ?? e.message)))
    const fresh = (tick.events ?? []).filter((e) => !seen.has(e['@timestamp'] + (e['event.original'] ?? e.message)))
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
