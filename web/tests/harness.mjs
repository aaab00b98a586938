// Browser-test harness: Debian's Chromium driven by playwright-core against the gateway of a
// running stack (PB_GATEWAY, set by scripts/test.sh), screenshots per journey, a record of
// every console error and failed page script, and a few direct API calls for setting up what
// a journey does not need to click through.
import { chromium, selectors } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import assert from 'node:assert/strict'

export const BASE = (process.env.PB_GATEWAY || 'http://127.0.0.1:18080').replace(/\/$/, '')
export const OUT = process.env.PB_BROWSER_OUT || join(process.cwd(), 'test-results')
export const ADMIN_USER = process.env.PB_ADMIN_USER || 'admin'
export const ADMIN_PASSWORD = process.env.PB_ADMIN_PASSWORD || ''
const CHROMIUM = process.env.PB_CHROMIUM || '/usr/bin/chromium'

// Flags for a closed network: without the background ones Chromium keeps trying to reach
// Google's hosts. --no-sandbox because the tests run as root in CI.
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions',
  '--disable-dev-shm-usage', '--metrics-recording-only', '--mute-audio',
]

// Elements are found by their data-test attribute (page.getByTestId).
selectors.setTestIdAttribute('data-test')

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
}

export const DESKTOP = { width: 1280, height: 800 }
export const PHONE = { width: 360, height: 740 }

// A fresh browser context (its own storage) with one page. Everything the page logs as an
// error, every uncaught exception, and every response with status >= 500 is collected in
// page.problems; expectClean(page) fails the test if there is any.
export async function openPage(browser, { viewport = DESKTOP, locale = 'zh-CN', geolocation = null } = {}) {
  const context = await browser.newContext({
    viewport,
    locale,
    // a user in China: the platform's days are Beijing's, whatever the machine's zone
    timezoneId: 'Asia/Shanghai',
    deviceScaleFactor: 1,
    ...(geolocation ? { geolocation, permissions: ['geolocation'] } : {}),
  })
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  page.problems = []
  page.allowedProblems = [] // regexps of expected problems (e.g. a 409 the test provokes)
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.problems.push(`console error: ${msg.text()}`)
  })
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`))
  page.on('response', (res) => {
    if (res.status() >= 500) page.problems.push(`HTTP ${res.status()} ${res.request().method()} ${res.url()}`)
  })
  return page
}

export function expectClean(page) {
  const real = page.problems.filter((p) => !page.allowedProblems.some((re) => re.test(p)))
  assert.deepEqual(real, [], `the page reported problems:\n${real.join('\n')}`)
}

// Screenshots of one journey go to OUT/screenshots/<journey>/NN-<name>.png, numbered in order.
export function shooter(journey) {
  const dir = join(OUT, 'screenshots', journey)
  mkdirSync(dir, { recursive: true })
  let n = 0
  return async (page, name, opts = {}) => {
    n += 1
    const file = join(dir, `${String(n).padStart(2, '0')}-${name}.png`)
    await page.screenshot({ path: file, fullPage: opts.fullPage ?? true })
    return file
  }
}

// A name no other run uses (usernames are unique on the platform).
export function uniq(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`
}

// ---- the API directly, for setting up (not for what the journey is about)
export async function api(method, path, { token, body, headers = {} } = {}) {
  const res = await fetch(BASE + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  })
  const text = await res.text()
  let json = null
  try {
    json = JSON.parse(text)
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, text }
}

export async function apiOk(method, path, opts) {
  const r = await api(method, path, opts)
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} → ${r.status} ${r.text}`)
  return r.json
}

export async function loginApi(username, password) {
  return apiOk('POST', '/api/v1/auth/login', { body: { username, password } })
}

export async function adminToken() {
  assert.ok(ADMIN_PASSWORD, 'PB_ADMIN_PASSWORD is not set')
  return (await loginApi(ADMIN_USER, ADMIN_PASSWORD)).access_token
}

// Sign a page in through the login form.
export async function loginUi(page, username, password) {
  await page.goto(`${BASE}/login`)
  // Element Plus puts an el-input's attributes on its <input> itself
  await page.locator('input[data-test="login-username"], [data-test="login-username"] input').first().fill(username)
  await page.locator('input[data-test="login-password"], [data-test="login-password"] input').first().fill(password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

// Dates as the API writes them, in the local calendar.
export function isoDate(d) {
  const z = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${z(d.getMonth() + 1)}-${z(d.getDate())}`
}
// n days after today in the platform's calendar (UTC+8, as the server counts days)
export function daysFromNow(n) {
  return new Date(Date.now() + 8 * 3600 * 1000 + n * 86400000).toISOString().slice(0, 10)
}
