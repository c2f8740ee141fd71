// The bastion's web terminal and live watching in Debian's Chromium (playwright-core), driven by
// tests/integration/bastion.py, which owns the target (OpenSSH sshd), the center and the
// accounts: an operator opens a session to a granted host account from 我的主机 (xterm.js over
// the center's WebSocket), runs a command and sees its output; a denied command is refused;
// a security administrator watches the session live and ends it; the operator's terminal says so.
// Prints "ok"/"FAIL" lines; exits non-zero on a failure.
//
//   node e2e/terminal.e2e.mjs --base https://127.0.0.1:PORT --op-cookie SID --sec-cookie SID --marker DIR [--shots DIR]
import { chromium } from 'playwright-core'
import path from 'node:path'

const argv = process.argv.slice(2)
const opt = (k, d) => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : d)
const base = opt('--base')
const marker = opt('--marker')
const shots = opt('--shots', '')
let failed = 0
function check(cond, what) {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`)
  if (!cond) failed++
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function screenText(page, scope = '') {
  return page.locator(`${scope} .xterm-rows`).first().innerText().catch(() => '')
}
async function waitText(page, re, what, scope = '') {
  const end = Date.now() + 30000
  let last = ''
  while (Date.now() < end) {
    last = await screenText(page, scope)
    if (re.test(last)) return last
    await sleep(200)
  }
  throw new Error(`timed out waiting for ${what}; the screen shows:\n${last}`)
}

const browser = await chromium.launch({ executablePath: opt('--chromium', '/usr/bin/chromium'), headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
const errors = []
async function loggedIn(cookie) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
  const u = new URL(base)
  await context.addCookies([{ name: 'wardsec_session', value: cookie, domain: u.hostname, path: '/', secure: true, httpOnly: true, sameSite: 'Strict' }])
  const page = await context.newPage()
  page.on('pageerror', (e) => errors.push(String(e.stack ?? e)))
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()))
  return page
}

try {
  const op = await loggedIn(opt('--op-cookie'))
  await op.goto(`${base}/bastion/mine`)
  await op.click('[data-test^="web-terminal-"]')
  await waitText(op, /[#$] *$/m, 'the target shell prompt')
  check(true, 'the web terminal opens a shell on the granted host account')
  await op.click('[data-test="terminal"]')
  await op.keyboard.type('echo web-$((3*4))\n')
  await waitText(op, /web-12/, 'the command output')
  check(true, 'keys typed in the browser reach the target and its output comes back')
  await op.keyboard.type(`touch ${marker}/web-denied; reboot\n`)
  await waitText(op, /命令被拒绝/, 'the denial')
  check(true, 'a denied command is refused in the web terminal as over SSH')
  if (shots) await op.screenshot({ path: path.join(shots, 'bastion-terminal-zh.png') })

  const sec = await loggedIn(opt('--sec-cookie'))
  await sec.goto(`${base}/bastion/live`)
  await sec.click('[data-test^="watch-"]')
  await waitText(sec, /web-12/, 'the watcher to see what was already on the screen', '.el-dialog')
  // The operator's page gets the keys again (focus is per page and the watcher's page took it).
  await op.bringToFront()
  await op.click('[data-test="terminal"]')
  await op.keyboard.type('echo watched-$((5*5))\n')
  await waitText(op, /watched-25/, "the operator's own terminal to show the new output")
  await waitText(sec, /watched-25/, 'the watcher to see new output live', '.el-dialog')
  check(true, 'a security administrator watches the session live')
  if (shots) await sec.screenshot({ path: path.join(shots, 'bastion-watch-zh.png') })
  await sec.click('[data-test="watch-end"]')
  const end = Date.now() + 20000
  let ended = ''
  while (Date.now() < end && !ended) {
    ended = await op.locator('[data-test="terminal-ended"]').innerText().catch(() => '')
    await sleep(200)
  }
  const screen = await screenText(op)
  check(/终止|ended/.test(screen + ended), `ending it from the console ends the operator's web terminal (${ended})`)
  check(errors.length === 0, `no errors in the browser console: ${errors.join(' | ')}`)
} catch (e) {
  check(false, String(e.stack ?? e))
} finally {
  await browser.close()
}
process.exit(failed ? 1 : 0)
