// The administrator's journeys in Chromium: signing in through the login form, approving a new
// provider (with its verification photos) from the queue, refusing a listing that breaks the
// platform rules and approving a clean one, hiding an abusive review, finding, suspending and
// reinstating an account, reading those decisions in the audit log, and the monitoring dashboard
// (every service up, today's figures, charts drawn, refreshing by itself) on a desktop in
// Chinese and English and at 360 px. Everything the journeys need is created through the API.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  ADMIN_PASSWORD, ADMIN_USER, BASE, PASSWORD, PHONE, adminToken, api, apiOk, approveListingUi, approveProviderUi, completeStay,
  daysFromNow, dashboardHealthyUi, decideInDialog, eventually, expectClean, field, findItem, fitsWidth, launch, loginApi,
  hideReviewUi, imagesLoaded, loginUi, newListing, openPage, paidOrder, postReview, registerApi, settle, shooter, switchLanguage,
  uploadPhoto,
} from './harness.mjs'

const T = { timeout: 180000 }

let browser
let page // the admin's desktop page, signed in through the form in the first journey
let adminTok
let rulesBefore = null // the platform rules, when a banned word was added for the test
const shot = shooter('admin')
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

// No problem on the page since the last check (each journey checks its own).
function clean(p) {
  expectClean(p)
  p.problems.length = 0
}

// The admin's desktop page, signed in through the login form the first time it is needed.
async function adminPage() {
  if (!page) {
    page = await openPage(browser)
    await loginUi(page, ADMIN_USER, ADMIN_PASSWORD)
  }
  return page
}

// Wait until the decision dialog has closed, so a screenshot shows the page.
const closed = (p) => p.getByTestId('decision-dialog').waitFor({ state: 'hidden' })

// Wait until no button is busy (a list being read again), so a screenshot shows the result.
const settled = (p) => p.locator('button.is-loading').first().waitFor({ state: 'detached' })

// The fields of the listings made here: a flat in Shanghai, with the given photos.
const shanghai = (title, description, photos) => ({
  title, description, city: '上海', district: '徐汇区', address: '漕溪北路 100 号', lat: 31.19, lng: 121.44,
  species: ['dog', 'cat'], max_weight_kg: 30, capacity: 3, price_per_night_fen: s.price,
  amenities: ['独立房间', '每日遛狗'], house_rules: '请自带宠物粮食', photos,
})

// ---- journeys

test('the admin signs in through the form and approves a new provider from the queue', T, async () => {
  // a provider applies (through the API), with verification photos
  const applicant = await registerApi('provider', 'wadp', { displayName: '阳光宠物之家' })
  s.provider = { username: applicant.username, id: applicant.id }
  const docs = []
  for (const rgb of [[224, 123, 36], [64, 158, 255]]) docs.push((await uploadPhoto(applicant.token, 'verification', { rgb })).id)
  await apiOk('PUT', '/api/v1/users/me/verification', { token: applicant.token, body: { documents: docs, note: '营业执照与身份证照片' } })

  await adminPage()
  assert.equal(new URL(page.url()).pathname, '/admin', 'the admin starts on the dashboard')
  await page.getByTestId('dash-service').first().waitFor()
  await shot(page, 'signed-in-dashboard')

  // the materials are shown, and open large; approved with a reason
  await approveProviderUi(page, s.provider.id, { docs: docs.length, username: s.provider.username, reason: '材料齐全，审核通过', shot })

  const tokens = await loginApi(s.provider.username)
  assert.equal(tokens.user.status, 'active', 'the provider is approved')
  s.provider.token = tokens.access_token
  clean(page)
})

test('a listing with a banned word is refused with its violation listed; a clean one is approved', T, async () => {
  // a listing that breaks the rules is refused when it is written (422), so the listing comes
  // first and the rules then come to ban a word in it, as when an admin tightens them
  const rules = await apiOk('GET', '/api/v1/admin/rules', { token: adminTok })
  s.price = Math.min(Math.max(8800, rules.min_price_fen), rules.max_price_fen)
  const word = '虚假宣传'
  const others = rules.banned_words.filter((w) => w !== word)
  const putWords = (words, reason) => apiOk('PUT', '/api/v1/admin/rules', {
    token: adminTok,
    body: { banned_words: words, min_price_fen: rules.min_price_fen, max_price_fen: rules.max_price_fen, reason },
  })
  rulesBefore = rules
  if (others.length !== rules.banned_words.length) await putWords(others, 'browser test: allow the word')
  s.word = word

  const photos = [(await uploadPhoto(s.provider.token, 'listing', { rgb: [82, 196, 26] })).id]
  const create = (title, description) => newListing(s.provider, shanghai(title, description, photos))
  const bad = await create(`温馨小院 ${word} 寄养`, `宽敞明亮的独立房间，每天遛狗两次，拒绝${word}，所见即所得。`)
  const good = await create('徐汇阳光寄养屋', '宽敞明亮的独立房间，每天遛狗两次，每晚发送照片和视频。')
  s.bad = bad.id
  s.clean = good.id
  await putWords([...others, word], 'browser test: ban the word')

  await page.getByTestId('tab-listing').click()
  await page.waitForURL((u) => u.searchParams.get('kind') === 'listing')
  const badItem = await findItem(page, `[data-test="queue-listing"][data-id="${s.bad}"]`, 'queue-more')
  await badItem.scrollIntoViewIfNeeded()
  // the violation is listed and the word highlighted where it occurs
  const words = await badItem.locator('[data-test="listing-violations"] [data-test="violation-word"]').allInnerTexts()
  assert.ok(words.includes(word), `the violations name ${word}: ${words}`)
  assert.ok((await badItem.getByTestId('highlight').count()) >= 2, 'the word is highlighted in the title and the description')
  await eventually('the listing photos to load', () => imagesLoaded(badItem.locator('.el-image img')))
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
  await field(dlg2, 'decision-reason').fill(`房源描述含违禁词「${word}」，请修改后重新提交`)
  await dlg2.getByTestId('decision-confirm').click()
  await badItem.waitFor({ state: 'detached' })

  await approveListingUi(page, s.clean, { photos: 1, shot })

  const published = await apiOk('GET', `/api/v1/listings/${s.clean}`)
  assert.equal(published.status, 'published')
  const rejected = await apiOk('GET', `/api/v1/listings/${s.bad}`, { token: s.provider.token })
  assert.equal(rejected.status, 'rejected')
  clean(page)
  page.allowedProblems.pop()
})

test('an abusive review is hidden with a reason and the public sees it hidden', T, async () => {
  // an owner stays at the clean listing (through the API): book, pay, accept, check in and out
  const owner = await registerApi('owner', 'wado', { displayName: '小王' })
  const pet = await apiOk('POST', '/api/v1/pets', { token: owner.token, body: { name: '旺财', species: 'dog', weight_kg: 8 } })
  const order = await paidOrder(owner, s.clean, { pets: [pet.id], start: daysFromNow(0), end: daysFromNow(1) })
  await completeStay(order, s.provider)
  const review = await postReview(owner, { order_id: order.id, rating: 1, text: '老板态度恶劣，骗子一个，垃圾地方，千万别来！！！' })
  s.review = review.id

  const reason = '含人身攻击和辱骂内容'
  const item = await hideReviewUi(page, s.review, { text: /骗子/, reason, shot })
  assert.equal(await item.getByTestId('review-listing-link').getAttribute('href'), `/listings/${s.clean}`)

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
  await field(page, 'users-q').fill(prefix)
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
  await field(dlg, 'decision-reason').fill('多次收到投诉，暂停服务')
  await shot(page, 'users-suspend-dialog', { fullPage: false })
  const suspended = page.waitForResponse((r) => r.url().endsWith(`/admin/users/${s.provider.id}/suspend`))
  await dlg.getByTestId('decision-confirm').click()
  const affected = (await (await suspended).json()).listings_affected
  assert.ok(affected >= 1, `the provider's listings were hidden: ${affected}`)
  await eventually('the account to show suspended', async () => (await row.getAttribute('data-status')) === 'suspended')
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
  await eventually('the account to show active', async () => (await row.getAttribute('data-status')) === 'active')
  assert.match(await row.getByTestId('listings-affected').innerText(), new RegExp(`(^|\\D)${back}\\D`))
  await closed(page)
  await shot(page, 'users-reinstated')
  s.provider.token = (await loginApi(s.provider.username, PASSWORD)).access_token

  // an administrator cannot be suspended: no button, the reason said instead
  await field(page, 'users-q').fill(ADMIN_USER)
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
  await field(page, 'audit-target').fill(s.provider.id)
  await page.getByTestId('audit-search').click()
  await page.waitForURL((u) => u.searchParams.get('target_id') === s.provider.id)
  const entries = page.locator(`[data-test="audit-entry"][data-target="${s.provider.id}"]`)
  await eventually('the provider decisions', async () => (await entries.count()) >= 3)
  const got = await entries.evaluateAll((els) => els.map((e) => `${e.dataset.action}:${e.dataset.outcome}`))
  for (const want of ['provider.approve:done', 'user.suspend:done', 'user.reinstate:done']) assert.ok(got.includes(want), `${want} in ${got}`)
  const text = await page.locator('main').innerText()
  for (const words of ['通过服务商入驻', '封禁账号', '解除封禁', '多次收到投诉', '已完成']) assert.ok(text.includes(words), `the log says ${words}`)
  await settled(page)
  await shot(page, 'audit-provider')

  // the refused listing: the approval failed naming the rule, then the rejection
  await field(page, 'audit-target').fill(s.bad)
  await page.getByTestId('audit-search').click()
  const listing = page.locator(`[data-test="audit-entry"][data-target="${s.bad}"]`)
  await eventually('the listing decisions', async () => (await listing.count()) >= 2)
  const got2 = await listing.evaluateAll((els) => els.map((e) => `${e.dataset.action}:${e.dataset.outcome}`))
  assert.ok(got2.includes('listing.approve:failed'), `a failed approval in ${got2}`)
  assert.ok(got2.includes('listing.reject:done'), `the rejection in ${got2}`)
  assert.ok((await listing.locator('[data-test="audit-outcome"]').allInnerTexts()).includes('失败'))
  await settled(page)
  await shot(page, 'audit-listing')

  // the hidden review
  await field(page, 'audit-target').fill(s.review)
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
  // every service up; today's figures: the stay booked above counts
  await dashboardHealthyUi(page)
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
  await eventually('the dashboard to refresh itself', async () => (await page.getByTestId('dash-updated').getAttribute('data-at')) !== first, 20000)
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
  await eventually('the chart to resize', async () => (await page.getByTestId('chart-rate').locator('canvas').first().evaluate((c) => c.clientWidth)) !== before, 5000)
  await page.setViewportSize({ width: 1280, height: 800 })

  // in English
  await switchLanguage(page, 'en')
  await page.getByText('Request rate now').waitFor()
  assert.match(await page.getByTestId('dash-updated').innerText(), /^Updated /)
  await shot(page, 'dashboard-en')
  await page.goto(`${BASE}/admin/audit`)
  await page.getByTestId('audit-entry').first().waitFor()
  const actions = await page.getByTestId('audit-action').allInnerTexts()
  assert.ok(actions.every((a) => /^[A-Z][a-z]+ [a-z]+( [a-z]+)?$/.test(a)), `actions in English: ${actions.slice(0, 5)}`)
  await shot(page, 'audit-en')
  // back to Chinese (the language is kept in the admin's profile)
  await switchLanguage(page, 'zh-CN')
  await page.getByText('审计日志').first().waitFor()
  expectClean(page)
  await page.context().close()
})

test('the admin pages at 360 px: the dashboard stacks its charts, nothing scrolls sideways', T, async () => {
  const phone = await openPage(browser, { viewport: PHONE })
  await loginUi(phone, ADMIN_USER, ADMIN_PASSWORD)
  await phone.goto(`${BASE}/admin`)
  await phone.getByTestId('chart-rate').locator('canvas').first().waitFor()
  await settle(phone)
  const boxes = await phone.locator('[data-test^="chart-"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, w: r.width })))
  for (const b of boxes) assert.ok(b.x >= 0 && b.x + b.w <= 360, `a chart fits: ${JSON.stringify(b)}`)
  assert.ok(new Set(boxes.map((b) => Math.round(b.x))).size === 1, 'the charts are in one column')
  await fitsWidth(phone, 360, 'the dashboard')
  await shot(phone, 'phone-dashboard')
  for (const [path, ready] of [['/admin/queue?kind=listing', 'tab-listing'], ['/admin/users', 'users-q'], ['/admin/reviews', 'reviews-show'], ['/admin/audit', 'audit-target']]) {
    await phone.goto(BASE + path)
    await phone.getByTestId(ready).waitFor()
    await phone.getByTestId('loading').first().waitFor({ state: 'detached' }) // the list has come
    await settle(phone)
    await fitsWidth(phone, 360, path)
    await shot(phone, `phone-${path.split('/')[2].split('?')[0]}`)
  }
  expectClean(phone)
  await phone.context().close()
})
