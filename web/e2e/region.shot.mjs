// Screenshots of the 区域监管 page (docs/screenshots/region-*.png), against a regional console
// that scripts/region_screenshots.py starts over a real NATS, ClickHouse and two collectors:
// logs in as the given administrator, shows the sites, searches across them, both languages.
//
//   node e2e/region.shot.mjs --base https://127.0.0.1:PORT --user secadmin --password P --secret S --shots DIR
import { chromium } from 'playwright-core'
import path from 'node:path'
import { totp } from './totp.mjs'

const argv = process.argv.slice(2)
const opt = (k, d) => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : d)
const base = opt('--base')
const shots = path.resolve(opt('--shots', '../docs/screenshots'))
const browser = await chromium.launch({ executablePath: opt('--chromium', '/usr/bin/chromium'), headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
try {
  const page = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })).newPage()
  await page.goto(base + '/login')
  await page.fill('input[name=username]', opt('--user'))
  await page.fill('input[name=password]', opt('--password'))
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-test=mfa-form]')
  await page.fill('input[name=code]', totp(opt('--secret'), 1)) // the next step: the driver used this one
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-test=who]')
  await page.goto(base + '/region')
  await page.waitForSelector('[data-test=region-sites] .el-table__row')
  await page.waitForSelector('[data-test=region-alerts] .el-table__row')
  await page.fill('[data-test=region-q]', 'event.outcome:failure AND source.ip:10.99.0.0/16')
  await page.click('[data-test=region-go]')
  await page.waitForSelector('[data-test=region-events] .el-table__row')
  for (const lang of ['zh-CN', 'en']) {
    if ((await page.evaluate(() => document.documentElement.lang)) !== lang) await page.click('[data-test=lang]')
    await page.waitForFunction((w) => document.documentElement.lang === w, lang)
    await page.evaluate(() => window.scrollTo(0, 0))
    await new Promise((r) => setTimeout(r, 600))
    // the sites, the region's alerts and the first results (the rest of 200 rows is more of the same)
    await page.screenshot({ path: path.join(shots, `region-${lang === 'en' ? 'en' : 'zh'}.png`), fullPage: true, clip: { x: 0, y: 0, width: 1366, height: 1500 } })
  }
  // the accounts' sites (the security administrator's card), in Chinese
  await page.click('[data-test=lang]')
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN')
  await page.fill('[data-test=scope-user]', 'hosp_east')
  await page.click('[data-test=scope-sites]')
  await page.locator('.el-select-dropdown__item:visible', { hasText: 'east-campus' }).click()
  await page.keyboard.press('Escape')
  await page.click('[data-test=scope-save]')
  await page.waitForSelector('[data-test=scope-remove-hosp_east]')
  const card = await page.$('[data-test=region-scopes]')
  await card.scrollIntoViewIfNeeded()
  await page.mouse.move(0, 0)
  await new Promise((r) => setTimeout(r, 800))
  await card.screenshot({ path: path.join(shots, 'region-scopes-zh.png') })
  console.log('region screenshots written to ' + shots)
} finally {
  await browser.close()
}
