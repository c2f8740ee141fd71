// The dashboard's charts as ECharts options, shared by the overview (Dashboard.vue) and the
// wall screen (Screen.vue, dark): pure functions of the dashboard answer.
import type { Schemas } from '../../api/client'
import { fmtTime, levelColor, levels } from '../../format'
import { locale, t } from '../../i18n'

type D = Schemas['Dashboard']
export interface Theme {
  text: string
  node: string
  hot: string
}
export const light: Theme = { text: '#222', node: '#e3ecf9', hot: '#fde2d6' }
export const dark: Theme = { text: '#d8e6ff', node: '#16335f', hot: '#5a2410' }

export function epsOption(series: { t: string; eps: number }[], th: Theme = light) {
  return {
    grid: { left: 50, right: 10, top: 10, bottom: 24 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: series.map((p) => fmtTime(p.t).slice(11)), boundaryGap: false, axisLabel: { color: th.text } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { color: th.text } },
    series: [{ type: 'line', data: series.map((p) => Math.round(p.eps * 10) / 10), showSymbol: false, areaStyle: { opacity: 0.15 }, smooth: true, lineStyle: { width: 2 }, color: '#3b82f6' }],
  }
}

export function alertsOption(d: D, th: Theme = light) {
  const a = d.alerts_24h
  return {
    grid: { left: 40, right: 10, top: 30, bottom: 24 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: levels.map((l) => t('level.' + l)), textStyle: { color: th.text } },
    xAxis: { type: 'category', data: a.hours.map((h) => fmtTime(h).slice(11, 16)), axisLabel: { color: th.text } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { color: th.text } },
    series: levels.map((l) => ({ name: t('level.' + l), type: 'bar', stack: 'a', data: a.series[l] ?? [], color: levelColor[l] })),
  }
}

export function topAssetsOption(d: D, th: Theme = light) {
  const v = [...d.top_assets].reverse()
  return {
    grid: { left: 110, right: 20, top: 5, bottom: 20 },
    tooltip: {},
    xAxis: { type: 'value', minInterval: 1, axisLabel: { color: th.text } },
    yAxis: { type: 'category', data: v.map((x) => x.asset), axisLabel: { color: th.text } },
    series: [{ type: 'bar', data: v.map((x) => x.alerts), color: '#e8590c', barMaxWidth: 16 }],
  }
}

export function levelOption(d: D, th: Theme = light) {
  const name = (k: string) => (locale.value !== 'en' ? k : k === '未定级' ? 'Not graded' : k.replace('第', 'Level ').replace('级', ''))
  return {
    tooltip: { trigger: 'item' },
    legend: { bottom: 0, textStyle: { color: th.text } },
    series: [
      {
        type: 'pie', radius: ['45%', '70%'], center: ['50%', '45%'], label: { formatter: '{b}: {c}', color: th.text },
        data: Object.entries(d.assets_by_level).map(([k, v]) => ({ name: name(k), value: v })), color: ['#a8071a', '#e8590c', '#3b82c4', '#8c8c8c'],
      },
    ],
  }
}

// The zone map: fixed places for the usual zones, the Internet on top.
const place: Record<string, [number, number]> = {
  public: [300, 0], 'external-link': [40, 120], internet: [560, 120], core: [300, 200], ops: [40, 300],
  office: [300, 380], 'medical-devices': [560, 300], wireless: [560, 420],
}
interface Edge {
  data: { source: string; target: string; events: number; alerts: number }
  dataType: string
  name: string
}
export function zoneOption(d: D, th: Theme = light) {
  const zs = d.zones
  const links = d.zone_links
  let extra = 0
  const nodes = zs.map((z) => {
    const p = place[z.name] ?? [60 + 120 * extra++, 440]
    const label = locale.value !== 'en' ? z.name_zh : z.name === 'public' ? 'Internet (outside)' : z.name
    return {
      name: z.name, x: p[0], y: p[1], value: z.alerts, symbolSize: 22 + Math.min(Math.sqrt(z.alerts) * 2, 26),
      label: { show: true, position: 'bottom', formatter: `${label}\n${z.alerts} ${t('dash.zone_alerts')}` },
      itemStyle: { color: z.alerts > 0 ? th.hot : th.node, borderColor: z.alerts > 0 ? '#e8590c' : '#1f5fbf', borderWidth: 2 },
    }
  })
  // Two invisible corners keep the drawing's box from collapsing (no zones yet, or one): ECharts'
  // view of a graph with a zero-sized box cannot invert its transform and throws.
  for (const [i, p] of [[0, 0], [600, 440]].entries())
    nodes.push({ name: `\u200b${i}`, x: p[0], y: p[1], value: 0, symbolSize: 0, label: { show: false, position: 'bottom', formatter: '' }, itemStyle: { color: 'transparent', borderColor: 'transparent', borderWidth: 0 } })
  const max = Math.max(1, ...links.map((l) => l.events))
  const drawn = (n: string) => zs.some((z) => z.name === n)
  return {
    tooltip: {
      formatter: (p: Edge) =>
        p.dataType === 'edge' ? `${p.data.source} → ${p.data.target}<br>${p.data.events} ${t('dash.zone_events')} · ${p.data.alerts} ${t('dash.zone_alerts')}` : p.name.startsWith('\u200b') ? '' : p.name,
    },
    series: [
      {
        type: 'graph', layout: 'none', roam: false, edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 8, label: { color: th.text, fontSize: 11 }, data: nodes,
        // An edge to a zone that is not drawn would leave ECharts without its end point.
        links: links
          .filter((l) => l.from !== l.to && drawn(l.from) && drawn(l.to))
          .map((l) => ({
            source: l.from, target: l.to, events: l.events, alerts: l.alerts,
            lineStyle: { width: 1 + 5 * (l.events / max), color: l.alerts > 0 ? '#e8590c' : '#7a9cc6', curveness: 0.15 },
          })),
      },
    ],
  }
}
