// The administrator's journeys in Chromium: signing in through the login form, approving a new
// provider (with its verification photos) from the queue, refusing a listing that breaks the
// platform rules and approving a clean one, hiding an abusive review, finding, suspending and
// reinstating an account, reading those decisions in the audit log, and the monitoring dashboard
// (every service up, today's figures, charts drawn, refreshing by itself) on a desktop in
// Chinese and English and at 360 px. Everything the journeys need is created through the API.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { deflateSync } from 'node:zlib'
import { ADMIN_PASSWORD, ADMIN_USER, BASE, PHONE, adminToken, api, apiOk, daysFromNow, expectClean, launch, loginApi, openPage, shooter, uniq } from './harness.mjs'

const PASSWORD = 'AdminTest2024'
const T = { timeout: 180000 }

let browser
let page // the admin's desktop page, signed in through the form in the first journey
let adminTok
let rulesBefore = null // the platform rules, when a banned word had to be added for the test
const shoot = shooter('admin')
// a whole-page screenshot starts at the top (the header is sticky)
async function shot(p, name, opts = {}) {
  if (opts.fullPage !== false) await p.evaluate(() => window.scrollTo(0, 0))
  return shoot(p, name, opts)
}
const s = {} // what one journey leaves for the next

before(async () => {
  browser = await launch()
  adminTok = await adminToken()
})

after(async () => {
  if (rulesBefore) {
    // put the rules back as they were (a new version with the old content)
    await api('PUT', '/api/v1/admin/rules', {
      token: await adminToken(),
      body: { banned_words: rulesBefore.banned_words, min_price_fen: rulesBefore.min_price_fen, max_price_fen: rulesBefore.max_price_fen, reason: 'browser test: restore' },
    })
  }
  await browser?.close()
})

// ---- helpers

// An el-input puts data-test on its <input>; other wrappers keep it on the outside.
async function fill(scope, testId, value) {
  const el = scope.getByTestId(testId)
  const tag = await el.evaluate((e) => e.tagName)
  await (tag === 'INPUT' || tag === 'TEXTAREA' ? el : el.locator('input, textarea').first()).fill(value)
}

async function signIn(p, username, password) {
  await p.goto(`${BASE}/login`)
  await fill(p, 'login-username', username)
  await fill(p, 'login-password', password)
  await p.getByTestId('login-submit').click()
  await p.waitForURL((u) => !u.pathname.startsWith('/login'))
}

// No problem on the page since the last check (each journey checks its own).
function clean(p) {
  expectClean(p)
  p.problems.length = 0
}

// The admin's desktop page, signed in through the login form the first time it is needed.
async function adminPage() {
  if (!page) {
    page = await openPage(browser)
    await signIn(page, ADMIN_USER, ADMIN_PASSWORD)
  }
  return page
}

// An item of a paged list, pressing "load more" until it shows.
async function findItem(p, selector, moreId) {
  const item = p.locator(selector)
  for (let i = 0; i < 30; i++) {
    await p.locator(`${selector}, [data-test="empty"], [data-test="load-error"], [data-test="${moreId}"]`).first().waitFor()
    if (await item.count()) return item
    const more = p.getByTestId(moreId)
    if (!(await more.count())) break
    await more.click()
    await p.waitForTimeout(400)
  }
  await item.waitFor({ timeout: 1000 })
  return item
}

// The decision dialog: a reason, then confirm.
async function decideInDialog(p, reason) {
  const dlg = p.getByTestId('decision-dialog')
  await dlg.waitFor()
  if (reason !== undefined) await fill(dlg, 'decision-reason', reason)
  await dlg.getByTestId('decision-confirm').click()
  return dlg
}

// Wait until the decision dialog has closed (its fade-out done), so a screenshot shows the page.
async function closed(p) {
  await p.getByTestId('decision-dialog').waitFor({ state: 'hidden' })
  await p.waitForTimeout(300)
}

// Wait until no button is busy (a list being read again), so a screenshot shows the result.
async function settled(p) {
  await p.locator('button.is-loading').first().waitFor({ state: 'detached' })
  await p.waitForTimeout(200)
}

// A small PNG (w×h, one colour with a stripe) to upload as a photo.
const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}
function png(w, h, [r, g, b]) {
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3
      const stripe = Math.floor(y / (h / 6)) % 2 === 0
      raw[o] = stripe ? r : 255
      raw[o + 1] = stripe ? g : 255
      raw[o + 2] = stripe ? b : 255
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

// Upload a photo; null when the platform has no media service yet (404).
async function uploadPhoto(token, purpose, colour) {
  const res = await fetch(`${BASE}/api/v1/media?purpose=${purpose}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/png' },
    body: png(320, 240, colour),
  })
  if (res.status === 404) return null
  const text = await res.text()
  assert.equal(res.status, 201, `upload ${purpose}: ${res.status} ${text}`)
  return JSON.parse(text)
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`)
    await sleep(250)
  }
}

function listingBody(title, description, photos) {
  return {
    title,
    description,
    city: '上海',
    district: '徐汇区',
    address: '漕溪北路 100 号',
    lat: 31.19,
    lng: 121.44,
    species: ['dog', 'cat'],
    max_weight_kg: 30,
    capacity: 3,
    price_per_night_fen: s.price,
    amenities: ['独立房间', '每日遛狗'],
    house_rules: '请自带宠物粮食',
    ...(photos && photos.length ? { photos } : {}),
  }
}

// ---- journeys

test('the admin signs in through the form and approves a new provider from the queue', T, async () => {
  // a provider applies (through the API), with verification photos when the platform takes them
  s.provider = { username: uniq('wadp'), display_name: '阳光宠物之家' }
  await apiOk('POST', '/api/v1/auth/register', { body: { role: 'provider', username: s.provider.username, display_name: s.provider.display_name, password: PASSWORD } })
  let tokens = await loginApi(s.provider.username, PASSWORD)
  s.provider.id = tokens.user.id
  const docs = []
  for (const colour of [[224, 123, 36], [64, 158, 255]]) {
    const m = await uploadPhoto(tokens.access_token, 'verification', colour)
    if (m) docs.push(m.id)
  }
  if (docs.length) {
    const r = await api('PUT', '/api/v1/users/me/verification', { token: tokens.access_token, body: { documents: docs, note: '营业执照与身份证照片' } })
    if (r.status === 404) docs.length = 0 // the user service does not take materials yet
    else assert.equal(r.status, 200, `verification: ${r.status} ${r.text}`)
  }

  await adminPage()
  assert.equal(new URL(page.url()).pathname, '/admin', 'the admin starts on the dashboard')
  await page.getByTestId('dash-service').first().waitFor()
  await shot(page, 'signed-in-dashboard')

  await page.goto(`${BASE}/admin/queue`)
  const item = await findItem(page, `[data-test="queue-provider"][data-id="${s.provider.id}"]`, 'queue-more')
  await item.scrollIntoViewIfNeeded()
  assert.match(await item.innerText(), new RegExp(s.provider.username))
  if (docs.length) {
    // the materials are shown, and open large
    await assert.doesNotReject(item.getByTestId('verification-note').waitFor())
    const thumbs = item.locator('[data-test="verification-docs"] img')
    await until('the verification photos', async () => (await thumbs.count()) === docs.length)
    // their signed URLs load
    await until('the photos to load', () => thumbs.evaluateAll((imgs) => imgs.every((i) => i.complete && i.naturalWidth > 0)))
    await shot(page, 'queue-provider-materials')
    await thumbs.first().click()
    await page.locator('.el-image-viewer__wrapper').waitFor()
    await page.waitForTimeout(400)
    await shot(page, 'queue-provider-document-large', { fullPage: false })
    await page.keyboard.press('Escape')
    await page.locator('.el-image-viewer__wrapper').waitFor({ state: 'detached' })
  } else {
    await assert.doesNotReject(item.getByTestId('no-materials').waitFor())
    await shot(page, 'queue-provider')
  }

  await item.getByTestId('approve').click()
  const dlg = page.getByTestId('decision-dialog')
  await dlg.waitFor()
  assert.match(await dlg.getByTestId('decision-subject').innerText(), new RegExp(s.provider.username))
  await fill(dlg, 'decision-reason', '材料齐全，审核通过')
  await shot(page, 'queue-provider-approve-dialog', { fullPage: false })
  await dlg.getByTestId('decision-confirm').click()
  await item.waitFor({ state: 'detached' })
  await closed(page)
  await shot(page, 'queue-provider-approved')

  tokens = await loginApi(s.provider.username, PASSWORD)
  assert.equal(tokens.user.status, 'active', 'the provider is approved')
  s.provider.token = tokens.access_token
  clean(page)
})

test('a listing with a banned word is refused with its violation listed; a clean one is approved', T, async () => {
  // the rules decide what is banned: use a word they already ban, or add one for this test
  const rules = await apiOk('GET', '/api/v1/admin/rules', { token: adminTok })
  s.price = Math.min(Math.max(8800, rules.min_price_fen), rules.max_price_fen)
  let word = rules.banned_words.find((w) => /^[\p{Script=Han}a-z]+$/u.test(w))
  if (!word) {
    word = 'wadbanned'
    rulesBefore = rules
    await apiOk('PUT', '/api/v1/admin/rules', {
      token: adminTok,
      body: { banned_words: [...rules.banned_words, word], min_price_fen: rules.min_price_fen, max_price_fen: rules.max_price_fen, version: rules.version, reason: 'browser test' },
    })
  }
  s.word = word

  const photos = []
  const m = await uploadPhoto(s.provider.token, 'listing', [82, 196, 26])
  if (m) photos.push(m.id)
  const create = async (title, description) => {
    let r = await api('POST', '/api/v1/listings', { token: s.provider.token, body: listingBody(title, description, photos) })
    if (r.status === 422 && photos.length && r.json.error.fields && Object.keys(r.json.error.fields).some((f) => f.startsWith('photos'))) {
      photos.length = 0 // listings do not take media ids yet
      r = await api('POST', '/api/v1/listings', { token: s.provider.token, body: listingBody(title, description) })
    }
    assert.equal(r.status, 201, `create listing: ${r.status} ${r.text}`)
    return r.json
  }
  const bad = await create(`温馨小院 ${word} 寄养`, `宽敞明亮的独立房间，每天遛狗两次，可提供${word}相关服务。`)
  const good = await create('徐汇阳光寄养屋', '宽敞明亮的独立房间，每天遛狗两次，每晚发送照片和视频。')
  s.bad = bad.id
  s.clean = good.id

  await page.getByTestId('tab-listing').click()
  await page.waitForURL((u) => u.searchParams.get('kind') === 'listing')
  const badItem = await findItem(page, `[data-test="queue-listing"][data-id="${s.bad}"]`, 'queue-more')
  await badItem.scrollIntoViewIfNeeded()
  // the violation is listed and the word highlighted where it occurs
  const words = await badItem.locator('[data-test="listing-violations"] [data-test="violation-word"]').allInnerTexts()
  assert.ok(words.includes(word), `the violations name ${word}: ${words}`)
  assert.ok((await badItem.getByTestId('highlight').count()) >= 2, 'the word is highlighted in the title and the description')
  if (photos.length) {
    const imgs = badItem.locator('.el-image img')
    await until('the listing photos to load', () => imgs.evaluateAll((els) => els.length > 0 && els.every((i) => i.complete && i.naturalWidth > 0)))
  }
  await shot(page, 'queue-listing-violation')

  // approving it is refused by the platform rules: the dialog lists the broken rules
  page.allowedProblems.push(/status of 409/)
  await badItem.getByTestId('approve').click()
  const dlg = await decideInDialog(page)
  const err = dlg.getByTestId('decision-error')
  await err.waitFor()
  const listed = await err.locator('[data-test="violation-word"]').allInnerTexts()
  assert.ok(listed.includes(word), `the refusal lists ${word}: ${listed}`)
  await shot(page, 'queue-listing-approve-refused', { fullPage: false })
  await dlg.getByTestId('decision-cancel').click()
  await dlg.waitFor({ state: 'hidden' })

  // rejecting needs a reason
  await badItem.getByTestId('reject').click()
  const dlg2 = await decideInDialog(page, '')
  await assert.doesNotReject(dlg2.locator('.el-form-item__error').waitFor())
  await shot(page, 'queue-listing-reject-needs-reason', { fullPage: false })
  await fill(dlg2, 'decision-reason', `房源描述含违禁词「${word}」，请修改后重新提交`)
  await dlg2.getByTestId('decision-confirm').click()
  await badItem.waitFor({ state: 'detached' })

  const cleanItem = await findItem(page, `[data-test="queue-listing"][data-id="${s.clean}"]`, 'queue-more')
  await cleanItem.scrollIntoViewIfNeeded()
  await assert.doesNotReject(cleanItem.getByTestId('listing-compliant').waitFor())
  await shot(page, 'queue-listing-clean')
  await cleanItem.getByTestId('approve').click()
  await decideInDialog(page)
  await cleanItem.waitFor({ state: 'detached' })
  await closed(page)
  await shot(page, 'queue-listing-approved')

  const published = await apiOk('GET', `/api/v1/listings/${s.clean}`)
  assert.equal(published.status, 'published')
  const rejected = await apiOk('GET', `/api/v1/listings/${s.bad}`, { token: s.provider.token })
  assert.equal(rejected.status, 'rejected')
  clean(page)
  page.allowedProblems.pop()
})

test('an abusive review is hidden with a reason and the public sees it hidden', T, async () => {
  // an owner stays at the clean listing (through the API): book, pay, accept, check in and out
  const owner = { username: uniq('wado') }
  await apiOk('POST', '/api/v1/auth/register', { body: { role: 'owner', username: owner.username, display_name: '小王', password: PASSWORD } })
  const ot = (await loginApi(owner.username, PASSWORD)).access_token
  const pet = await apiOk('POST', '/api/v1/pets', { token: ot, body: { name: '旺财', species: 'dog', weight_kg: 8 } })
  const order = await apiOk('POST', '/api/v1/orders', {
    token: ot,
    headers: { 'Idempotency-Key': uniq('wadk') },
    body: { listing_id: s.clean, pet_ids: [pet.id], start_date: daysFromNow(0), end_date: daysFromNow(1) },
  })
  const pay = await apiOk('POST', '/api/v1/payments', { token: ot, headers: { 'Idempotency-Key': uniq('wadk') }, body: { order_id: order.id } })
  await apiOk('POST', `/api/v1/payments/${pay.payment_id || pay.id}/sandbox`, { token: ot, body: { outcome: 'succeed' } })
  await until('the order to be paid', async () => (await apiOk('GET', `/api/v1/orders/${order.id}`, { token: ot })).status === 'paid')
  for (const action of ['accept', 'check-in', 'check-out']) await apiOk('POST', `/api/v1/orders/${order.id}/${action}`, { token: s.provider.token })
  const text = '老板态度恶劣，骗子一个，垃圾地方，千万别来！！！'
  const review = await until('the review to be accepted', async () => {
    const r = await api('POST', '/api/v1/reviews', { token: ot, body: { order_id: order.id, rating: 1, text } })
    return r.status === 201 ? r.json : null
  })
  s.review = review.id

  await page.goto(`${BASE}/admin/reviews`)
  const item = await findItem(page, `[data-test="review-item"][data-id="${s.review}"]`, 'reviews-more')
  await item.scrollIntoViewIfNeeded()
  assert.match(await item.getByTestId('review-text').innerText(), /骗子/)
  assert.equal(await item.getByTestId('review-listing-link').getAttribute('href'), `/listings/${s.clean}`)
  await shot(page, 'reviews-abusive')

  const reason = '含人身攻击和辱骂内容'
  await item.getByTestId('review-hide').click()
  const dlg = await decideInDialog(page, '')
  await assert.doesNotReject(dlg.locator('.el-form-item__error').waitFor())
  await fill(dlg, 'decision-reason', reason)
  await shot(page, 'reviews-hide-dialog', { fullPage: false })
  await dlg.getByTestId('decision-confirm').click()
  await item.getByTestId('review-hidden-tag').waitFor()
  assert.match(await item.getByTestId('review-hidden-reason').innerText(), new RegExp(reason))
  await closed(page)
  await shot(page, 'reviews-hidden')

  // only the hidden ones: it is there, with its reason
  await page.getByTestId('reviews-show-hidden').click()
  const hiddenItem = await findItem(page, `[data-test="review-item"][data-id="${s.review}"]`, 'reviews-more')
  assert.equal(await hiddenItem.getAttribute('data-hidden'), 'true')
  await settled(page)
  await shot(page, 'reviews-filter-hidden')

  // the public listing page's reviews: listed, hidden, content withheld, the reason given
  const pub = await apiOk('GET', `/api/v1/listings/${s.clean}/reviews`)
  const r = pub.items.find((x) => x.id === s.review)
  assert.ok(r, 'the review is still listed')
  assert.equal(r.hidden, true)
  assert.equal(r.hidden_reason, reason)
  assert.equal(r.text, null)
  clean(page)
})

test('an account is found by its username prefix, suspended with a reason, then reinstated', T, async () => {
  await page.goto(`${BASE}/admin/users`)
  const prefix = s.provider.username.slice(0, -2)
  await fill(page, 'users-q', prefix)
  await page.getByTestId('users-search').click()
  await page.waitForURL((u) => u.searchParams.get('q') === prefix)
  const row = await findItem(page, `[data-test="user-row"][data-id="${s.provider.id}"]`, 'users-more')
  for (const u of await page.locator('[data-test="user-row"]').evaluateAll((rows) => rows.map((r) => r.dataset.username))) {
    assert.ok(u.startsWith(prefix), `${u} starts with ${prefix}`)
  }
  await settled(page)
  await shot(page, 'users-found')

  await row.getByTestId('suspend').click()
  const dlg = await decideInDialog(page, '')
  await assert.doesNotReject(dlg.locator('.el-form-item__error').waitFor())
  await fill(dlg, 'decision-reason', '多次收到投诉，暂停服务')
  await shot(page, 'users-suspend-dialog', { fullPage: false })
  const suspended = page.waitForResponse((r) => r.url().endsWith(`/admin/users/${s.provider.id}/suspend`))
  await dlg.getByTestId('decision-confirm').click()
  const affected = (await (await suspended).json()).listings_affected
  assert.ok(affected >= 1, `the provider's listings were hidden: ${affected}`)
  await until('the account to show suspended', async () => (await row.getAttribute('data-status')) === 'suspended')
  // a provider's listings leave search: the page says how many
  assert.match(await row.getByTestId('listings-affected').innerText(), new RegExp(`(^|\\D)${affected}\\D`))
  assert.match(await row.getByTestId('user-reason').innerText(), /多次收到投诉/)
  await closed(page)
  await shot(page, 'users-suspended')
  const refused = await api('POST', '/api/v1/auth/login', { body: { username: s.provider.username, password: PASSWORD } })
  assert.equal(refused.status, 403, 'a suspended account cannot sign in')

  await row.getByTestId('reinstate').click()
  const reinstated = page.waitForResponse((r) => r.url().endsWith(`/admin/users/${s.provider.id}/reinstate`))
  await decideInDialog(page)
  const back = (await (await reinstated).json()).listings_affected
  await until('the account to show active', async () => (await row.getAttribute('data-status')) === 'active')
  assert.match(await row.getByTestId('listings-affected').innerText(), new RegExp(`(^|\\D)${back}\\D`))
  await closed(page)
  await shot(page, 'users-reinstated')
  s.provider.token = (await loginApi(s.provider.username, PASSWORD)).access_token

  // an administrator cannot be suspended: no button, the reason said instead
  await fill(page, 'users-q', ADMIN_USER)
  await page.getByTestId('users-search').click()
  const adminRow = page.locator('[data-test="user-row"]').filter({ has: page.getByTestId('admin-protected') }).first()
  await adminRow.waitFor()
  assert.equal(await adminRow.getByTestId('suspend').count(), 0)
  await settled(page)
  await shot(page, 'users-admin-protected')
  clean(page)
})

test('the audit log lists these decisions with their outcome', T, async () => {
  await page.goto(`${BASE}/admin/audit`)
  await page.locator('[data-test="audit-entry"], [data-test="empty"]').first().waitFor()

  // the provider: approved, suspended, reinstated
  await fill(page, 'audit-target', s.provider.id)
  await page.getByTestId('audit-search').click()
  await page.waitForURL((u) => u.searchParams.get('target_id') === s.provider.id)
  const entries = page.locator(`[data-test="audit-entry"][data-target="${s.provider.id}"]`)
  await until('the provider decisions', async () => (await entries.count()) >= 3)
  const got = await entries.evaluateAll((els) => els.map((e) => `${e.dataset.action}:${e.dataset.outcome}`))
  for (const want of ['provider.approve:done', 'user.suspend:done', 'user.reinstate:done']) assert.ok(got.includes(want), `${want} in ${got}`)
  const text = await page.locator('main').innerText()
  for (const words of ['通过服务商入驻', '封禁账号', '解除封禁', '多次收到投诉', '已完成']) assert.ok(text.includes(words), `the log says ${words}`)
  await settled(page)
  await shot(page, 'audit-provider')

  // the refused listing: the approval failed naming the rule, then the rejection
  await fill(page, 'audit-target', s.bad)
  await page.getByTestId('audit-search').click()
  const listing = page.locator(`[data-test="audit-entry"][data-target="${s.bad}"]`)
  await until('the listing decisions', async () => (await listing.count()) >= 2)
  const got2 = await listing.evaluateAll((els) => els.map((e) => `${e.dataset.action}:${e.dataset.outcome}`))
  assert.ok(got2.includes('listing.approve:failed'), `a failed approval in ${got2}`)
  assert.ok(got2.includes('listing.reject:done'), `the rejection in ${got2}`)
  assert.ok((await listing.locator('[data-test="audit-outcome"]').allInnerTexts()).includes('失败'))
  await settled(page)
  await shot(page, 'audit-listing')

  // the hidden review
  await fill(page, 'audit-target', s.review)
  await page.getByTestId('audit-search').click()
  const hid = page.locator(`[data-test="audit-entry"][data-target="${s.review}"][data-action="review.hide"]`)
  await hid.waitFor()
  assert.match(await hid.getByTestId('audit-reason').innerText(), /人身攻击/)
  await settled(page)
  await shot(page, 'audit-review')
  clean(page)
})

test('the dashboard shows every service up, today\'s figures and charts, and refreshes by itself', T, async () => {
  await adminPage()
  await page.goto(`${BASE}/admin`)
  const services = page.getByTestId('dash-service')
  await services.first().waitFor()
  const tiles = await services.evaluateAll((els) => els.map((e) => ({ name: e.dataset.name, up: +e.dataset.up, total: +e.dataset.total })))
  assert.ok(tiles.length >= 8, `every service is shown: ${tiles.map((x) => x.name)}`)
  for (const tile of tiles) assert.ok(tile.total > 0 && tile.up === tile.total, `${tile.name}: ${tile.up}/${tile.total} up`)
  assert.equal(await page.getByTestId('dash-all-up').getAttribute('data-ok'), 'true')

  // today's figures: the stay booked above counts
  const created = await page.getByTestId('stat-orders_created').getByTestId('stat-value').innerText()
  assert.ok(Number(created) >= 1, `orders created today: ${created}`)
  for (const k of ['orders_paid', 'revenue_fen', 'refunds_fen', 'stays_in_care', 'arrivals', 'departures', 'pending_providers', 'pending_listings']) {
    assert.notEqual(await page.getByTestId(`stat-${k}`).getByTestId('stat-value').innerText(), '—', `${k} is known`)
  }
  // the charts are drawn
  for (const c of ['instances', 'rate', 'rate-trend', 'p99-trend', 'errors', 'consumers', 'cache', 'outbox']) {
    await assert.doesNotReject(page.getByTestId(`chart-${c}`).locator('canvas').first().waitFor(), `chart ${c} is drawn`)
  }
  await shot(page, 'dashboard')

  // it refreshes by itself: the "updated" time moves on without a click
  const first = await page.getByTestId('dash-updated').getAttribute('data-at')
  const firstText = await page.getByTestId('dash-updated').innerText()
  await until('the dashboard to refresh itself', async () => (await page.getByTestId('dash-updated').getAttribute('data-at')) !== first, 20000)
  assert.notEqual(await page.getByTestId('dash-updated').innerText(), firstText)
  await shot(page, 'dashboard-refreshed')

  // a refresh that fails keeps the last figures with a warning; the next good one clears it
  page.allowedProblems.push(/net::ERR_FAILED/)
  await page.route('**/api/v1/admin/dashboard', (r) => r.abort('failed'))
  await page.getByTestId('dash-stale').waitFor({ timeout: 25000 })
  assert.ok((await page.getByTestId('dash-service').count()) >= 8, 'the last data stays on the page')
  await page.evaluate(() => window.scrollTo(0, 0))
  await shot(page, 'dashboard-refresh-failed', { fullPage: false })
  await page.unroute('**/api/v1/admin/dashboard')
  await page.getByTestId('dash-stale').waitFor({ state: 'detached', timeout: 25000 })

  // the charts follow the window's size
  const before = await page.getByTestId('chart-rate').locator('canvas').first().evaluate((c) => c.clientWidth)
  await page.setViewportSize({ width: 900, height: 800 })
  await until('the chart to resize', async () => (await page.getByTestId('chart-rate').locator('canvas').first().evaluate((c) => c.clientWidth)) !== before, 5000)
  await page.setViewportSize({ width: 1280, height: 800 })

  // in English
  await page.getByTestId('lang-switch').click()
  await page.getByTestId('lang-en').click()
  await page.getByText('Request rate now').waitFor()
  assert.match(await page.getByTestId('dash-updated').innerText(), /^Updated /)
  await shot(page, 'dashboard-en')
  await page.goto(`${BASE}/admin/audit`)
  await page.getByTestId('audit-entry').first().waitFor()
  const actions = await page.getByTestId('audit-action').allInnerTexts()
  assert.ok(actions.every((a) => /^[A-Z][a-z]+ [a-z]+( [a-z]+)?$/.test(a)), `actions in English: ${actions.slice(0, 5)}`)
  await shot(page, 'audit-en')
  // back to Chinese (the language is kept in the admin's profile)
  await page.getByTestId('lang-switch').click()
  await page.getByTestId('lang-zh-CN').click()
  await page.getByText('审计日志').first().waitFor()
  expectClean(page)
  await page.context().close()
})

test('the admin pages at 360 px: the dashboard stacks its charts, nothing scrolls sideways', T, async () => {
  const phone = await openPage(browser, { viewport: PHONE })
  await signIn(phone, ADMIN_USER, ADMIN_PASSWORD)
  await phone.goto(`${BASE}/admin`)
  await phone.getByTestId('chart-rate').locator('canvas').first().waitFor()
  await phone.waitForTimeout(500)
  const boxes = await phone.locator('[data-test^="chart-"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, w: r.width })))
  for (const b of boxes) assert.ok(b.x >= 0 && b.x + b.w <= 360, `a chart fits: ${JSON.stringify(b)}`)
  assert.ok(new Set(boxes.map((b) => Math.round(b.x))).size === 1, 'the charts are in one column')
  const width = await phone.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(width <= 360, `the dashboard is ${width} px wide`)
  await shot(phone, 'phone-dashboard')
  for (const [path, ready] of [['/admin/queue?kind=listing', 'tab-listing'], ['/admin/users', 'users-q'], ['/admin/reviews', 'reviews-show'], ['/admin/audit', 'audit-target']]) {
    await phone.goto(BASE + path)
    await phone.getByTestId(ready).waitFor()
    await phone.waitForTimeout(800)
    const w = await phone.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(w <= 360, `${path} is ${w} px wide`)
    await shot(phone, `phone-${path.split('/')[2].split('?')[0]}`)
  }
  expectClean(phone)
  await phone.context().close()
})
