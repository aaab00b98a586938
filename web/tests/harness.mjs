// Browser-test harness: Debian's Chromium driven by playwright-core against the gateway of a
// running stack (PB_GATEWAY, set by scripts/test.sh), screenshots per journey, a record of
// every console error and failed page script, direct API calls for setting up what a journey
// does not need to click through, and the UI steps more than one journey takes.
import { chromium, selectors } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import assert from 'node:assert/strict'

export const BASE = (process.env.PB_GATEWAY || 'http://127.0.0.1:18080').replace(/\/$/, '')
export const OUT = process.env.PB_BROWSER_OUT || join(process.cwd(), 'test-results')
export const ADMIN_USER = process.env.PB_ADMIN_USER || 'admin'
export const ADMIN_PASSWORD = process.env.PB_ADMIN_PASSWORD || ''
const CHROMIUM = process.env.PB_CHROMIUM || '/usr/bin/chromium'

// The password of the accounts the tests make.
export const PASSWORD = 'PetTest2024'

// Flags for a closed network: without the background ones Chromium keeps trying to reach
// Google's hosts. --no-sandbox because the tests run as root in CI.
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions',
  '--disable-dev-shm-usage', '--metrics-recording-only', '--mute-audio',
]

// Elements are found by their data-test attribute (page.getByTestId).
selectors.setTestIdAttribute('data-test')

// Debian's Chromium, headless, for one test file.
export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
}

// The viewports the pages are looked at in: a laptop, and the narrowest phone supported.
export const DESKTOP = { width: 1280, height: 800 }
export const PHONE = { width: 360, height: 740 }

// A fresh browser context (its own storage) with one page. Everything the page logs as an
// error, every Content-Security-Policy violation (whatever its console level), every
// uncaught exception, and every response with status >= 500 is collected in page.problems;
// expectClean(page) fails the test if there is any.
export async function openPage(browser, { viewport = DESKTOP, locale = 'zh-CN', geolocation = null } = {}) {
  const context = await browser.newContext({
    viewport,
    locale,
    // a user in China: the platform's days are Beijing's, whatever the machine's zone
    timezoneId: 'Asia/Shanghai',
    deviceScaleFactor: 1,
    ...(geolocation ? { geolocation, permissions: ['geolocation'] } : {}),
  })
  // a blocked resource or script raises securitypolicyviolation in the page: logged as a
  // console error that names the policy, so watchPage records it whatever Chromium logs itself
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`Content Security Policy violation: ${e.effectiveDirective} blocked ${e.blockedURI || 'inline code'}`),
    )
  })
  return watchPage(await context.newPage())
}

// Another tab of the same user (same context, so the same session): watched like the first.
export async function openTab(page) {
  return watchPage(await page.context().newPage())
}

function watchPage(page) {
  page.setDefaultTimeout(15000)
  page.problems = []
  page.allowedProblems = [] // regexps of expected problems (e.g. a 409 the test provokes)
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) page.problems.push(`CSP violation: ${msg.text()}`)
    else if (msg.type() === 'error') page.problems.push(`console error: ${msg.text()}`)
  })
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`))
  page.on('response', (res) => {
    if (res.status() >= 500) page.problems.push(`HTTP ${res.status()} ${res.request().method()} ${res.url()}`)
  })
  return page
}

// Fails listing the page's problems (see openPage) that no page.allowedProblems pattern allows.
export function expectClean(page) {
  const real = page.problems.filter((p) => !page.allowedProblems.some((re) => re.test(p)))
  assert.deepEqual(real, [], `the page reported problems:\n${real.join('\n')}`)
}

// ---- waiting

// A pause: only between the tries of eventually() (everything else awaits a condition).
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// fn() again and again until it returns something truthy, which is returned; fails naming
// `what` after `timeout` ms (events travel between services: give them time).
export async function eventually(what, fn, timeout = 30000) {
  const end = Date.now() + timeout
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`)
    await sleep(300)
  }
}

// ---- screenshots

// Waits (at most `timeout` ms, then goes on) until the page is still: no finite CSS animation
// or transition running (fades, dialogs, tags), every image loaded (lazy ones once in view).
// With `scroll`, it first scrolls through the page (lazy photos load when seen) and back up.
export async function settle(page, { scroll = false, timeout = 5000 } = {}) {
  if (scroll) {
    await page.evaluate(async () => {
      const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
      for (let y = 0, i = 0; y < document.documentElement.scrollHeight && i < 30; y += window.innerHeight, i++) {
        window.scrollTo(0, y)
        await frame()
      }
      window.scrollTo(0, 0)
    })
  }
  await page.evaluate(() => (window.__pbStill = 0))
  await page
    .waitForFunction(
      (scrolled) => {
        // still for three frames in a row: a transition Vue has just scheduled has started by then
        const moving = document.getAnimations().some((a) => a.playState === 'running' && a.effect?.getTiming().iterations !== Infinity)
        // a lazy photo shows a placeholder until seen: after a scroll through the page every
        // one has been seen, else only those in view count
        const inView = (e) => scrolled || (e.getBoundingClientRect().top < window.innerHeight && e.getBoundingClientRect().bottom > 0)
        const loading = [...document.images].some((i) => !i.complete) || [...document.querySelectorAll('.el-image__wrapper')].some(inView)
        window.__pbStill = moving || loading ? 0 : window.__pbStill + 1
        return window.__pbStill >= 3
      },
      scroll,
      { timeout },
    )
    .catch(() => {}) // a page that never holds still is still worth a picture
}

// Screenshots of one journey go to OUT/screenshots/<journey>/NN-<name>.png, numbered in order.
// shot(page, name, { fullPage = true }): the whole page from its top (a full-page shot of a
// scrolled page draws the sticky header in the middle), or only what is in view (dialogs,
// drawers, a part scrolled to); either once the page has settled, the pointer out of the way.
export function shooter(journey) {
  const dir = join(OUT, 'screenshots', journey)
  mkdirSync(dir, { recursive: true })
  let n = 0
  return async (page, name, { fullPage = true } = {}) => {
    // the pointer off the page: a button it last clicked would look hovered
    await page.mouse.move(page.viewportSize().width - 1, page.viewportSize().height - 1)
    await settle(page, { scroll: fullPage })
    n += 1
    const file = join(dir, `${String(n).padStart(2, '0')}-${name}.png`)
    await page.screenshot({ path: file, fullPage })
    return file
  }
}

// A name no other run uses (usernames are unique on the platform).
export function uniq(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`
}

// n days after today in the platform's calendar (UTC+8, as the server counts days): YYYY-MM-DD.
export function daysFromNow(n) {
  return new Date(Date.now() + 8 * 3600 * 1000 + n * 86400000).toISOString().slice(0, 10)
}

// ---- pictures to upload (made here: no file, no network)

// The RGB pixels of a w×h picture: a paw print on a background of colour rgb, lighter at the top.
function pixels(w, h, [r, g, b]) {
  const s = Math.min(w, h) * 0.32
  const cx = w / 2
  const cy = h / 2 + s * 0.12
  const blobs = [[0, 0.3, 0.46, 0.36], [-0.58, -0.22, 0.17, 0.22], [-0.22, -0.58, 0.17, 0.22], [0.22, -0.58, 0.17, 0.22], [0.58, -0.22, 0.17, 0.22]]
  const inPaw = (x, y) => blobs.some(([bx, by, rx, ry]) => ((x - cx - bx * s) / (rx * s)) ** 2 + ((y - cy - by * s) / (ry * s)) ** 2 <= 1)
  const out = Buffer.alloc(w * h * 3)
  for (let y = 0; y < h; y++) {
    const light = 0.45 * (1 - y / h) // the top mixed with white
    for (let x = 0; x < w; x++) {
      // 2×2 samples a pixel: smooth edges
      const cover = (inPaw(x + 0.25, y + 0.25) + inPaw(x + 0.75, y + 0.25) + inPaw(x + 0.25, y + 0.75) + inPaw(x + 0.75, y + 0.75)) / 4
      const o = (y * w + x) * 3
      ;[r, g, b].forEach((c, k) => {
        const bg = c + (255 - c) * light
        out[o + k] = Math.round(bg + (250 - bg) * cover * 0.9)
      })
    }
  }
  return out
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const x of buf) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function pngChunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}

// A w×h PNG (bytes): a light paw print on colour rgb ([r, g, b], 0–255).
export function png(w = 320, h = 240, rgb = [224, 123, 36]) {
  const px = pixels(w, h, rgb)
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) px.copy(raw, y * (w * 3 + 1) + 1, y * w * 3, (y + 1) * w * 3) // filter byte 0: none
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // 8 bits, RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))])
}

// The same picture as a JPEG (bytes), encoded by the page's canvas.
export async function jpeg(page, w = 320, h = 240, rgb = [224, 123, 36]) {
  const px = pixels(w, h, rgb)
  const rgba = Buffer.alloc(w * h * 4, 255)
  for (let i = 0; i < w * h; i++) px.copy(rgba, i * 4, i * 3, i * 3 + 3)
  const dataUrl = await page.evaluate(
    ({ w, h, b64 }) => {
      const c = document.createElement('canvas')
      c.width = w
      c.height = h
      const bytes = Uint8ClampedArray.from(atob(b64), (ch) => ch.charCodeAt(0))
      c.getContext('2d').putImageData(new ImageData(bytes, w, h), 0, 0)
      return c.toDataURL('image/jpeg', 0.9)
    },
    { w, h, b64: rgba.toString('base64') },
  )
  return Buffer.from(dataUrl.split(',')[1], 'base64')
}

// A file for a file input: { name, mimeType, buffer } of a PNG.
export const pngFile = (name, w, h, rgb) => ({ name, mimeType: 'image/png', buffer: png(w, h, rgb) })

// ---- the API directly, for setting up (not for what the journey is about)

// One API call (JSON body, bearer token): { status, json, text }, whatever the status.
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

// One API call that must succeed (2xx): its JSON.
export async function apiOk(method, path, opts) {
  const r = await api(method, path, opts)
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} → ${r.status} ${r.text}`)
  return r.json
}

// Signs in through the API: { access_token, refresh_token, user, … }.
export async function loginApi(username, password = PASSWORD) {
  return apiOk('POST', '/api/v1/auth/login', { body: { username, password } })
}

// An access token of the platform's admin (PB_ADMIN_PASSWORD): one login per test file, kept
// for the file's run. An account keeps 10 live sessions and a new login ends the oldest, so a
// login per call would log out the admin's browser page of a journey still under way.
let adminLogin = null
export async function adminToken() {
  assert.ok(ADMIN_PASSWORD, 'PB_ADMIN_PASSWORD is not set')
  adminLogin ??= loginApi(ADMIN_USER, ADMIN_PASSWORD)
  return (await adminLogin).access_token
}

// Uploads a PNG (opts: w, h, rgb) as `purpose` (listing | pet | care_log | verification)
// for the holder of token; returns the photo {id, url, thumb_url}.
export async function uploadPhoto(token, purpose, { w = 320, h = 240, rgb } = {}) {
  const res = await fetch(`${BASE}/api/v1/media?purpose=${purpose}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/png' },
    body: png(w, h, rgb),
  })
  const text = await res.text()
  assert.equal(res.status, 201, `upload ${purpose}: ${res.status} ${text}`)
  return JSON.parse(text)
}

// A new account of `role` named uniq(prefix): { username, password, id, token, status }.
export async function registerApi(role, prefix, { displayName = `${prefix}测试`, password = PASSWORD } = {}) {
  const username = uniq(prefix)
  await apiOk('POST', '/api/v1/auth/register', { body: { username, password, role, display_name: displayName } })
  const tokens = await loginApi(username, password)
  return { username, password, id: tokens.user.id, token: tokens.access_token, status: tokens.user.status }
}

// A new provider the admin has approved (signed in again, so its token says so).
export async function approvedProvider(prefix = 'prov', opts) {
  const p = await registerApi('provider', prefix, opts)
  await apiOk('POST', `/api/v1/admin/providers/${p.id}/approve`, { token: await adminToken(), body: { reason: '浏览器测试' } })
  const tokens = await loginApi(p.username, p.password)
  return { ...p, token: tokens.access_token, status: tokens.user.status }
}

// A listing's fields for POST /listings: a quiet yard in Chengdu, `fields` on top.
export const listingFields = (fields = {}) => ({
  title: `测试小院 ${uniq('')}`, description: '测试用的寄养房源：安静的小院，每天遛狗两次，每晚发照片。',
  city: '成都', district: '武侯区', address: '武侯区测试路 1 号', lat: 30.6416, lng: 104.0433,
  species: ['dog', 'cat'], max_weight_kg: 20, capacity: 3, price_per_night_fen: 12800,
  amenities: ['院子', '空调'], house_rules: '需提供疫苗证明。',
  ...fields,
})

// A listing of `provider` (listingFields(fields)), waiting for review.
export async function newListing(provider, fields) {
  return apiOk('POST', '/api/v1/listings', { token: provider.token, body: listingFields(fields) })
}

// A listing of `provider` (listingFields(fields)), approved by the admin: published.
export async function publishedListing(provider, fields) {
  const l = await newListing(provider, fields)
  await apiOk('POST', `/api/v1/admin/listings/${l.id}/approve`, { token: await adminToken(), body: { reason: '浏览器测试' } })
  return l
}

// An order of `owner` ({token}) for `pets` (ids) at the listing from `start` to `end`: booked
// (with the optional note), paid in the sandbox and seen paid; returns the order.
export async function paidOrder(owner, listingId, { pets, start, end, note }) {
  const order = await apiOk('POST', '/api/v1/orders', {
    token: owner.token,
    headers: { 'Idempotency-Key': uniq('key-') },
    body: { listing_id: listingId, pet_ids: pets, start_date: start, end_date: end, ...(note ? { note } : {}) },
  })
  const pay = await apiOk('POST', '/api/v1/payments', { token: owner.token, headers: { 'Idempotency-Key': uniq('key-') }, body: { order_id: order.id } })
  await apiOk('POST', `/api/v1/payments/${pay.payment_id}/sandbox`, { token: owner.token, body: { outcome: 'succeed' } })
  await eventually('the order to be paid', async () => (await apiOk('GET', `/api/v1/orders/${order.id}`, { token: owner.token })).status === 'paid')
  return order
}

// A paid order taken to its end by `provider`: accepted, checked in, the care-log entry
// `careLog` written (when given), checked out.
export async function completeStay(order, provider, { careLog } = {}) {
  for (const action of ['accept', 'check-in']) await apiOk('POST', `/api/v1/orders/${order.id}/${action}`, { token: provider.token, body: {} })
  if (careLog) await apiOk('POST', `/api/v1/orders/${order.id}/care-logs`, { token: provider.token, body: careLog })
  await apiOk('POST', `/api/v1/orders/${order.id}/check-out`, { token: provider.token, body: {} })
}

// POST /reviews as `owner` until the review service, which hears of the completed stay a
// moment after the check-out, takes it (409 until then); returns the review.
export async function postReview(owner, body) {
  return eventually('the review to be accepted', async () => {
    const r = await api('POST', '/api/v1/reviews', { token: owner.token, body })
    if (r.status !== 201) assert.equal(r.status, 409, `POST /reviews → ${r.status} ${r.text}`)
    return r.status === 201 && r.json
  })
}

// ---- the UI

// The text box of a form field by its data-test: Element Plus puts an el-input's attributes on
// the <input> (or <textarea>) itself, other components keep them on their wrapper.
export const field = (scope, id) =>
  scope.locator(`input[data-test="${id}"], textarea[data-test="${id}"], [data-test="${id}"] input, [data-test="${id}"] textarea`).first()

// Types into an Element Plus number input (found by its data-test) and leaves it.
export async function fillNumber(scope, id, value) {
  const input = field(scope, id)
  await input.fill(String(value))
  await input.press('Tab')
}

// An Element Plus date picker (by the id of its input): type the date, confirm it, check it.
export async function pickDate(page, inputId, iso) {
  const input = page.locator(`#${inputId}`)
  await input.click()
  await input.fill(iso)
  await input.press('Enter')
  await page.keyboard.press('Escape')
  await eventually(`${inputId} to say ${iso}`, async () => (await input.inputValue()) === iso, 5000)
}

// Signs a page in through the login form; resolves once the header shows the account.
export async function loginUi(page, username, password = PASSWORD) {
  await page.goto(`${BASE}/login`)
  await field(page, 'login-username').fill(username)
  await field(page, 'login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'), { waitUntil: 'commit' })
  await page.getByTestId('user-menu').waitFor()
}

// Signs up through the form as `role`, with `shot(page, 'register')` of the filled form when
// given; resolves signed in on the role's start page. Returns the username (uniq(prefix)).
export async function registerUi(page, { role = 'owner', prefix, displayName, password = PASSWORD, shot }) {
  const username = uniq(prefix)
  await page.goto(`${BASE}/register${role === 'owner' ? '' : `?role=${role}`}`)
  await page.getByTestId(`role-${role}`).click()
  await field(page, 'register-username').fill(username)
  await field(page, 'register-display-name').fill(displayName)
  await field(page, 'register-password').fill(password)
  if (shot) await shot(page, 'register')
  await page.getByTestId('register-submit').click()
  const home = { owner: '/', provider: '/provider' }[role]
  await page.waitForURL((u) => u.pathname === home, { waitUntil: 'commit', timeout: 30000 })
  await page.getByTestId('user-menu').waitFor()
  return username
}

// Fails unless the page fits `width` (its viewport's) without scrolling sideways.
export async function fitsWidth(page, width = page.viewportSize().width, what = 'the page') {
  const w = await page.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(w <= width, `${what} is ${w} px wide at ${width} px`)
}

// Switches the language in the header (lang: 'en' | 'zh-CN'); resolves once <html lang> says so.
export async function switchLanguage(page, lang) {
  await page.getByTestId('lang-switch').click()
  await page.getByTestId(`lang-${lang}`).click()
  await page.waitForFunction((l) => document.documentElement.lang === l, lang)
  await page.getByTestId(`lang-${lang}`).waitFor({ state: 'hidden' })
}

// The number on the header's bell (0 when it shows none).
export async function unreadBadge(page) {
  const sup = page.locator('[data-test="bell-badge"] .el-badge__content')
  if (!(await sup.isVisible())) return 0
  return Number(await sup.innerText())
}

// Attaches `files` ({name, mimeType, buffer}) to the photo upload inside `scope`; resolves
// once they are uploaded and their thumbnails loaded.
export async function addPhotos(scope, files) {
  const items = scope.getByTestId('photo-item')
  const before = await items.count()
  await scope.getByTestId('photo-input').setInputFiles(files)
  await items.nth(before + files.length - 1).waitFor({ timeout: 30000 })
  await eventually('the thumbnails to load', () => imagesLoaded(items.locator('img')))
}

// True once every image `imgs` finds (at least one) has loaded.
export async function imagesLoaded(imgs) {
  return imgs.evaluateAll((els) => els.length > 0 && els.every((i) => i.complete && i.naturalWidth > 0))
}

// An item of a paged list, pressing "load more" (moreId) until it shows.
export async function findItem(page, selector, moreId) {
  const item = page.locator(selector)
  for (let i = 0; i < 30; i++) {
    await page.locator(`${selector}, [data-test="empty"], [data-test="load-error"], [data-test="${moreId}"]`).first().waitFor()
    if (await item.count()) return item
    const more = page.getByTestId(moreId)
    if (!(await more.count())) break
    // the next page has come once its response has and the button stopped spinning
    await Promise.all([page.waitForResponse((r) => r.url().includes('cursor=')), more.click()])
    await page.waitForFunction((id) => !document.querySelector(`[data-test="${id}"].is-loading`), moreId)
  }
  await item.waitFor({ timeout: 1000 })
  return item
}

// The admin's decision dialog: the reason (when given), then confirm; returns the dialog.
export async function decideInDialog(page, reason) {
  const dlg = page.getByTestId('decision-dialog')
  await dlg.waitFor()
  if (reason !== undefined) await field(dlg, 'decision-reason').fill(reason)
  await dlg.getByTestId('decision-confirm').click()
  return dlg
}

// ---- steps more than one journey takes (shot: the journey's shooter, or nothing)

// The provider's start page, under review: sends the verification photos (files) and note.
export async function sendVerificationUi(page, { files, note, shot }) {
  const status = page.getByTestId('provider-status')
  await status.waitFor()
  assert.equal(await status.getAttribute('data-status'), 'pending_review')
  assert.match(await status.innerText(), /审核中/)
  if (shot) await shot(page, 'under-review')
  const form = page.getByTestId('verification')
  await addPhotos(form, files)
  await field(page, 'verification-note').fill(note)
  if (shot) await shot(page, 'verification-filled')
  await page.getByTestId('verification-submit').click()
  await page.getByTestId('verification-submitted').waitFor()
  assert.equal(await form.getByTestId('photo-item').count(), files.length)
  if (shot) await shot(page, 'verification-sent')
}

// The provider's start page once approved: says so, with the day's overview.
export async function seeApprovedUi(page) {
  const status = page.getByTestId('provider-status')
  await status.waitFor()
  assert.equal(await status.getAttribute('data-status'), 'active')
  assert.match(await status.innerText(), /已通过审核/)
  await page.getByTestId('provider-overview').waitFor()
}

// The listing form (new or edit): fills what `l` gives — title, description, city, district,
// address, lat/lng (or `locate` for the browser's position), species, weight, capacity, price
// (yuan), amenities, rules, photos (files).
export async function fillListingUi(page, l) {
  for (const [k, id] of [['title', 'edit-title'], ['description', 'edit-description'], ['city', 'edit-city'], ['district', 'edit-district'], ['address', 'edit-address']]) {
    if (l[k] !== undefined) await field(page, id).fill(l[k])
  }
  if (l.locate) {
    await page.getByTestId('edit-locate').click()
    await page.waitForFunction((lat) => document.querySelector('[data-test="edit-lat"] input')?.value.startsWith(lat), String(l.locate))
  }
  if (l.lat !== undefined) await fillNumber(page, 'edit-lat', l.lat)
  if (l.lng !== undefined) await fillNumber(page, 'edit-lng', l.lng)
  for (const s of l.species || []) await page.getByTestId(`species-${s}`).click()
  for (const [k, id] of [['weight', 'edit-weight'], ['capacity', 'edit-capacity'], ['price', 'edit-price']]) {
    if (l[k] !== undefined) await fillNumber(page, id, l[k])
  }
  for (const a of l.amenities || []) {
    await field(page, 'amenity-input').fill(a)
    await field(page, 'amenity-input').press('Enter')
  }
  if (l.rules !== undefined) await field(page, 'edit-rules').fill(l.rules)
  if (l.photos) await addPhotos(page, l.photos)
}

// The admin's queue: the provider `providerId` with its verification photos (`docs` of them,
// loaded, the first opened large) and its note, approved with `reason`.
export async function approveProviderUi(page, providerId, { docs, username, reason, shot }) {
  await page.goto(`${BASE}/admin/queue`)
  const item = await findItem(page, `[data-test="queue-provider"][data-id="${providerId}"]`, 'queue-more')
  await item.scrollIntoViewIfNeeded()
  assert.match(await item.innerText(), new RegExp(username))
  await item.getByTestId('verification-note').waitFor()
  const thumbs = item.locator('[data-test="verification-docs"] img')
  await eventually('the verification photos', async () => (await thumbs.count()) === docs)
  await eventually('the photos to load', () => imagesLoaded(thumbs)) // their signed URLs load
  if (shot) await shot(page, 'queue-provider-materials')
  await thumbs.first().click()
  await page.locator('.el-image-viewer__wrapper').waitFor()
  if (shot) await shot(page, 'queue-provider-document-large', { fullPage: false })
  await page.keyboard.press('Escape')
  await page.locator('.el-image-viewer__wrapper').waitFor({ state: 'detached' })

  await item.getByTestId('approve').click()
  const dlg = page.getByTestId('decision-dialog')
  await dlg.waitFor()
  assert.match(await dlg.getByTestId('decision-subject').innerText(), new RegExp(username))
  await field(dlg, 'decision-reason').fill(reason)
  if (shot) await shot(page, 'queue-provider-approve-dialog', { fullPage: false })
  await dlg.getByTestId('decision-confirm').click()
  await item.waitFor({ state: 'detached' })
  await dlg.waitFor({ state: 'hidden' })
  if (shot) await shot(page, 'queue-provider-approved')
}

// The admin's queue of listings: `listingId`, compliant with the rules, its photos loaded
// (when it has any), approved.
export async function approveListingUi(page, listingId, { photos = 0, shot } = {}) {
  await page.goto(`${BASE}/admin/queue?kind=listing`) // the queue as it is now
  const item = await findItem(page, `[data-test="queue-listing"][data-id="${listingId}"]`, 'queue-more')
  await item.scrollIntoViewIfNeeded()
  await item.getByTestId('listing-compliant').waitFor()
  if (photos) {
    const imgs = item.locator('.el-image img')
    await eventually('the listing photos to load', async () => (await imgs.count()) >= photos && imgs.evaluateAll((els) => els.every((i) => i.complete && i.naturalWidth > 0)))
  }
  if (shot) await shot(page, 'queue-listing-clean')
  await item.getByTestId('approve').click()
  const dlg = await decideInDialog(page)
  await item.waitFor({ state: 'detached' })
  await dlg.waitFor({ state: 'hidden' })
  if (shot) await shot(page, 'queue-listing-approved')
}

// The admin's reviews page: the review `reviewId` (its text matching `text`), hidden with
// `reason` — refused first without one — then shown hidden with the reason.
export async function hideReviewUi(page, reviewId, { text, reason, shot }) {
  await page.goto(`${BASE}/admin/reviews`)
  const item = await findItem(page, `[data-test="review-item"][data-id="${reviewId}"]`, 'reviews-more')
  await item.scrollIntoViewIfNeeded()
  assert.match(await item.getByTestId('review-text').innerText(), text)
  if (shot) await shot(page, 'reviews-abusive')
  await item.getByTestId('review-hide').click()
  const dlg = await decideInDialog(page, '')
  await dlg.locator('.el-form-item__error').waitFor()
  await field(dlg, 'decision-reason').fill(reason)
  if (shot) await shot(page, 'reviews-hide-dialog', { fullPage: false })
  await dlg.getByTestId('decision-confirm').click()
  await item.getByTestId('review-hidden-tag').waitFor()
  assert.match(await item.getByTestId('review-hidden-reason').innerText(), new RegExp(reason))
  await dlg.waitFor({ state: 'hidden' })
  if (shot) await shot(page, 'reviews-hidden')
  return item
}

// The public listing page (already open): a review hidden by a moderator, saying so with
// `reason`; no hidden review shows its text (matching `text`).
export async function seeReviewHiddenUi(page, { text, reason }) {
  const hidden = page.locator('[data-test="review"][data-hidden="true"]')
  await hidden.first().waitFor()
  assert.match(await hidden.first().getByTestId('review-hidden').innerText(), new RegExp(`已被管理员隐藏.*${reason}`))
  for (const t of await hidden.allInnerTexts()) assert.doesNotMatch(t, text)
}

// The admin dashboard: every service up, and at least one order created today.
export async function dashboardHealthyUi(page) {
  const services = page.getByTestId('dash-service')
  await services.first().waitFor()
  const tiles = await services.evaluateAll((els) => els.map((e) => ({ name: e.dataset.name, up: +e.dataset.up, total: +e.dataset.total })))
  assert.ok(tiles.length >= 8, `every service is shown: ${tiles.map((x) => x.name)}`)
  for (const tile of tiles) assert.ok(tile.total > 0 && tile.up === tile.total, `${tile.name}: ${tile.up}/${tile.total} up`)
  assert.equal(await page.getByTestId('dash-all-up').getAttribute('data-ok'), 'true')
  const created = await page.getByTestId('stat-orders_created').getByTestId('stat-value').innerText()
  assert.ok(Number(created) >= 1, `orders created today: ${created}`)
}

// A new owner's pets: adds the first one, `pet` (name, breed, species, weight, feeding, photo
// file) through the form, then its vaccination (name, given, expires); ends on the pet's page.
export async function addPetUi(page, pet, { shot } = {}) {
  await page.goto(`${BASE}/pets`)
  await page.getByTestId('empty').waitFor() // a new owner's first pet
  if (shot) await shot(page, 'pets-empty')
  await page.getByTestId('pet-add').click()
  await field(page, 'pet-name').fill(pet.name)
  await field(page, 'pet-breed').fill(pet.breed)
  await page.getByTestId(`pet-species-${pet.species}`).click()
  await fillNumber(page, 'pet-weight', pet.weight)
  await field(page, 'pet-care-feeding').fill(pet.feeding)
  await addPhotos(page.getByTestId('pet-form'), [pet.photo])
  if (shot) await shot(page, 'pet-form')
  await page.getByTestId('pet-save').click()
  await page.waitForURL(/\/pets\/\d+$/, { timeout: 30000 })
  await page.getByTestId('vaccinations').waitFor()
  const v = pet.vaccination
  await field(page, 'vaccination-name').fill(v.name)
  await pickDate(page, 'vac-given', v.given)
  await pickDate(page, 'vac-expires', v.expires)
  await page.getByTestId('vaccination-add').click()
  await page.getByTestId('vaccination').first().waitFor()
  assert.match(await page.getByTestId('vaccination').first().innerText(), new RegExp(v.name))
  if (shot) await shot(page, 'pet-saved')
}

// From the home page: searches `city` (typed, then picked from the suggested cities), then
// narrows the results with `word`; returns the card whose text matches `title`.
export async function searchFromHomeUi(page, { city, word, title, shot }) {
  await page.goto(`${BASE}/`)
  await page.getByTestId('home-search').waitFor()
  await field(page, 'search-city').fill(city)
  await page.getByTestId(`city-option-${city}`).click()
  await page.getByTestId(`city-option-${city}`).waitFor({ state: 'hidden' })
  if (shot) await shot(page, 'home-search')
  await page.getByTestId('search-submit').click()
  await page.waitForURL(/\/search\?/, { timeout: 30000 })
  assert.equal(new URL(page.url()).searchParams.get('city'), city)
  await page.getByTestId('search-results').waitFor()
  await field(page, 'search-q').fill(word)
  await page.getByTestId('search-filters').getByTestId('search-submit').click()
  await page.waitForURL((u) => u.searchParams.get('q') === word, { timeout: 30000 })
  const card = page.getByTestId('listing-card').filter({ hasText: title })
  await card.waitFor()
  return card
}

// Money as the page writes it (¥1,234.50) in fen.
export const fen = (s) => Math.round(Number(String(s).replace(/[^\d.]/g, '')) * 100)

// The booking page: the quote must be nights × price × pets (as expected); returns its total.
export async function checkQuoteUi(page, { nights, pets, priceFen }) {
  await page.getByTestId('quote-total').waitFor()
  assert.equal(Number(await page.getByTestId('quote-nights').innerText()), nights)
  assert.equal(Number(await page.getByTestId('quote-pets').innerText()), pets)
  const totalFen = Number(await page.getByTestId('quote-total').getAttribute('data-fen'))
  assert.equal(totalFen, nights * priceFen * pets)
  assert.equal(fen(await page.getByTestId('quote-total').innerText()), totalFen)
  return totalFen
}

// The sandbox cashier (open): shows `totalFen`, pays; resolves once it says paid.
export async function payInCashierUi(page, totalFen, { shot } = {}) {
  await page.getByTestId('pay-amount').waitFor()
  assert.equal(fen(await page.getByTestId('pay-amount').innerText()), totalFen)
  await page.getByTestId('pay-countdown').waitFor()
  if (shot) await shot(page, 'cashier')
  await page.getByTestId('pay-succeed').click()
  await page.getByTestId('pay-succeeded').waitFor({ timeout: 30000 })
  if (shot) await shot(page, 'paid')
}

// The owner's stay page (completed): writes the review (stars: rating and care, text), sending
// it again while the review service has not yet heard of the completion (409); returns it.
export async function writeReviewUi(page, { rating, care, text, shot }) {
  const form = page.getByTestId('review-form')
  await form.waitFor()
  await page.getByTestId('review-rating').locator('.el-rate__item').nth(rating - 1).click()
  if (care) await page.getByTestId('review-care').locator('.el-rate__item').nth(care - 1).click()
  await field(page, 'review-text').fill(text)
  if (shot) await shot(page, 'review-form')
  await eventually('the review to be taken', async () => {
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/reviews') && r.request().method() === 'POST'),
      page.getByTestId('review-submit').click(),
    ])
    if (res.status() !== 201) assert.equal(res.status(), 409, `POST /reviews → ${res.status()}`)
    return res.status() === 201
  })
  const mine = page.getByTestId('order-review').getByTestId('review')
  await mine.waitFor()
  assert.ok((await mine.innerText()).includes(text.slice(0, 6)), 'the page shows the review')
  return mine
}

// The provider's care-log form `form` (a stay in care): writes meals, walks, mood, notes and
// photos (files) and sends it; returns the entry the server made.
export async function writeCareLogUi(page, form, { meals, walks, mood, notes, photos = [], shot }) {
  await field(form, 'care-log-meals').fill(meals)
  await fillNumber(form, 'care-log-walks', walks)
  await form.getByTestId(`mood-${mood}`).click()
  await field(form, 'care-log-notes').fill(notes)
  if (photos.length) await addPhotos(form, photos)
  await form.getByTestId('care-log-submit').scrollIntoViewIfNeeded()
  if (shot) await shot(page, 'care-log-filled', { fullPage: false })
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/care-logs') && r.request().method() === 'POST'),
    form.getByTestId('care-log-submit').click(),
  ])
  assert.equal(res.status(), 201, `POST care-logs → ${res.status()}`)
  return res.json()
}
