// The provider's journey in the browser, on a stack without demo data: a new provider signs
// up and sends verification photos, is approved (admin, API), publishes a listing with a photo
// (approved by the admin through the API), closes a night in the calendar, answers a booking an
// owner made and paid (API) before its deadline, checks the pet in, writes a care log with a
// photo, checks out, and replies to the owner's review (API). Photos are drawn in the page's
// canvas (no network). Screenshots of every step: desktop and 360 px, Chinese and English.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  BASE, PHONE, DESKTOP, adminToken, api, apiOk, daysFromNow, expectClean, launch, loginApi, openPage, shooter, uniq,
} from './harness.mjs'

const PASSWORD = 'Provider2024!'
const s = {} // what the steps share: accounts, ids
let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// An image drawn in the page's canvas: PNG or JPEG bytes for a file input.
async function drawImage(page, { width = 160, height = 120, type = 'image/png', color = '#e07b24', text = 'PB' } = {}) {
  const dataUrl = await page.evaluate(
    ({ width, height, type, color, text }) => {
      const c = document.createElement('canvas')
      c.width = width
      c.height = height
      const g = c.getContext('2d')
      g.fillStyle = color
      g.fillRect(0, 0, width, height)
      g.fillStyle = '#ffffff'
      g.fillRect(width / 8, height / 8, (width * 3) / 4, (height * 3) / 4)
      g.fillStyle = '#262626'
      g.font = `${Math.floor(height / 4)}px sans-serif`
      g.fillText(text, width / 5, height / 1.8)
      return c.toDataURL(type, 0.9)
    },
    { width, height, type, color, text },
  )
  return Buffer.from(dataUrl.split(',')[1], 'base64')
}

// Attach photos to the PhotoUpload inside `scope` and wait until they are uploaded.
async function addPhotos(page, scope, files) {
  const before = await scope.getByTestId('photo-item').count()
  await scope.getByTestId('photo-input').setInputFiles(files)
  await assert.doesNotReject(
    page.waitForFunction(
      ({ sel, n }) => document.querySelectorAll(sel).length >= n,
      { sel: '[data-test="photo-item"]', n: before + files.length },
      { timeout: 30000 },
    ),
  )
}

// Sign in through the login form (Element Plus puts data-test on the <input> itself).
async function loginUi(page, username, password) {
  await page.goto(`${BASE}/login`)
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'), { waitUntil: 'commit' })
}

// Screenshots of a journey, taken once transitions settled; a whole page from its top, or
// what is in view (drawers and dialogs).
function shots(journey) {
  const shot = shooter(journey)
  return async (page, name, { fullPage = true } = {}) => {
    await page.waitForTimeout(400)
    if (fullPage) await page.evaluate(() => window.scrollTo(0, 0))
    return shot(page, name, { fullPage })
  }
}

// The page must not scroll sideways.
async function fitsWidth(page, width = PHONE.width) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(w <= width, `the page is ${w} px wide at ${width} px`)
}

// Type into an Element Plus number input.
async function fillNumber(locator, value) {
  const input = locator.locator('input')
  await input.fill(String(value))
  await input.press('Tab')
}

// Repeat fn until it returns something truthy (events travel between services).
async function eventually(fn, what, timeout = 20000) {
  const end = Date.now() + timeout
  let last
  while (Date.now() < end) {
    last = await fn()
    if (last) return last
    await sleep(400)
  }
  assert.fail(`timed out waiting for ${what}`)
}

test('a new provider signs up, sees the application under review and sends verification photos', async () => {
  const shot = shots('provider-1-apply')
  const page = await openPage(browser)
  s.username = uniq('tprov')
  await page.goto(`${BASE}/register?role=provider`)
  await page.getByTestId('role-provider').click()
  await page.getByTestId('register-username').fill(s.username)
  await page.getByTestId('register-display-name').fill('测试寄养之家')
  await page.getByTestId('register-password').fill(PASSWORD)
  await shot(page, 'register-as-provider')
  await page.getByTestId('register-submit').click()
  await page.waitForURL((u) => u.pathname === '/provider', { waitUntil: 'commit' })

  const status = page.getByTestId('provider-status')
  await status.waitFor()
  assert.equal(await status.getAttribute('data-status'), 'pending_review')
  assert.match(await status.innerText(), /审核中/)
  await shot(page, 'under-review')

  // the materials: an ID card (PNG) and a business licence (JPEG), and a note
  const form = page.getByTestId('verification')
  const png = await drawImage(page, { width: 320, height: 200, text: 'ID 身份证' })
  const jpg = await drawImage(page, { width: 300, height: 420, type: 'image/jpeg', color: '#3a7bd5', text: '执照' })
  await addPhotos(page, form, [
    { name: 'id-card.png', mimeType: 'image/png', buffer: png },
    { name: 'licence.jpg', mimeType: 'image/jpeg', buffer: jpg },
  ])
  await page.getByTestId('verification-note').fill('家有小院，养狗十年。')
  await shot(page, 'verification-filled')
  await page.getByTestId('verification-submit').click()
  await page.getByTestId('verification-submitted').waitFor()
  assert.equal(await form.getByTestId('photo-item').count(), 2)
  await shot(page, 'verification-sent')

  // the saved materials come back with the profile
  const tokens = await loginApi(s.username, PASSWORD)
  s.providerId = tokens.user.id
  const me = await apiOk('GET', '/api/v1/users/me', { token: tokens.access_token })
  assert.equal(me.status, 'pending_review')
  assert.equal(me.verification.documents.length, 2)
  assert.equal(me.verification.note, '家有小院，养狗十年。')

  await page.setViewportSize(PHONE)
  await page.reload()
  await page.getByTestId('verification-submitted').waitFor()
  await fitsWidth(page)
  await shot(page, 'under-review-360')
  expectClean(page)
  await page.context().close()
})

test('approved by the admin, the provider sees it and publishes a listing with a photo; it waits for review', async () => {
  assert.ok(s.providerId, 'the previous step made the provider')
  const shot = shots('provider-2-listing')
  s.admin = await adminToken()
  await apiOk('POST', `/api/v1/admin/providers/${s.providerId}/approve`, { token: s.admin, body: { reason: '材料齐全' } })

  const page = await openPage(browser, { geolocation: { latitude: 39.9334, longitude: 116.475 } })
  page.allowedProblems.push(/status of 422/)
  await loginUi(page, s.username, PASSWORD)
  await page.goto(`${BASE}/provider`)
  const status = page.getByTestId('provider-status')
  await status.waitFor()
  assert.equal(await status.getAttribute('data-status'), 'active')
  assert.match(await status.innerText(), /已通过审核/)
  await page.getByTestId('provider-overview').waitFor()
  await shot(page, 'approved')

  await page.getByTestId('home-new-listing').click()
  await page.waitForURL((u) => u.pathname === '/provider/listings/new', { waitUntil: 'commit' })
  await page.getByTestId('review-note').waitFor()
  s.title = `测试小院寄养 ${s.username.slice(-5)}`
  await page.getByTestId('edit-title').fill(s.title)
  await page.getByTestId('edit-description').fill('太短')
  await page.getByTestId('edit-city').fill('北京')
  await page.getByTestId('edit-district').fill('朝阳区')
  await page.getByTestId('edit-address').fill('朝阳公园南路 1 号')
  await page.getByTestId('edit-locate').click()
  await page.waitForFunction(() => document.querySelector('[data-test="edit-lat"] input')?.value.startsWith('39.93'))
  await page.getByTestId('species-dog').click()
  await fillNumber(page.getByTestId('edit-weight'), 25)
  await fillNumber(page.getByTestId('edit-capacity'), 3)
  await fillNumber(page.getByTestId('edit-price'), 88)
  await page.getByTestId('amenity-input').fill('带院子')
  await page.getByTestId('amenity-input').press('Enter')
  await page.getByTestId('edit-rules').fill('需完成疫苗接种')
  const photo = await drawImage(page, { width: 640, height: 480, color: '#6ab04c', text: '小院' })
  await addPhotos(page, page, [{ name: 'yard.png', mimeType: 'image/png', buffer: photo }])

  // a description of 2 characters: the server's 422 shows on that field
  await page.getByTestId('edit-save').click()
  const descItem = page.locator('.el-form-item', { has: page.getByTestId('edit-description') })
  await descItem.locator('.el-form-item__error').waitFor()
  assert.match(await descItem.locator('.el-form-item__error').innerText(), /至少 10 个字符/)
  await shot(page, 'field-error')

  await page.getByTestId('edit-description').fill('独门小院，每天遛狗三次，主人全职在家照顾。')
  await page.getByTestId('edit-save').click()
  await page.waitForURL((u) => u.pathname === '/provider/listings', { waitUntil: 'commit' })
  const row = page.getByTestId('listing-row').filter({ hasText: s.title })
  await row.waitFor()
  assert.equal(await row.getAttribute('data-status'), 'pending_review')
  assert.match(await row.getByTestId('listing-status').innerText(), /待审核/)
  s.listingId = await row.getAttribute('data-id')
  assert.ok(await row.locator('img').count(), 'the listing shows its photo')
  await shot(page, 'listing-pending')
  expectClean(page)
  await page.context().close()
})

test('the admin approves the listing; the provider closes a night in the calendar', async () => {
  assert.ok(s.listingId, 'the previous step made the listing')
  const shot = shots('provider-3-calendar')
  await apiOk('POST', `/api/v1/admin/listings/${s.listingId}/approve`, { token: s.admin })

  const page = await openPage(browser)
  await loginUi(page, s.username, PASSWORD)
  await page.goto(`${BASE}/provider/listings`)
  const row = page.getByTestId('listing-row').filter({ hasText: s.title })
  await row.waitFor()
  assert.equal(await row.getAttribute('data-status'), 'published')
  await shot(page, 'listing-published')
  await row.getByTestId('listing-calendar').click()
  await page.waitForURL((u) => u.pathname.endsWith('/calendar'), { waitUntil: 'commit' })

  s.closedNight = daysFromNow(5)
  await page.getByTestId('cal-month').waitFor()
  if ((await page.getByTestId('cal-month').getAttribute('data-month')) !== s.closedNight.slice(0, 7)) await page.getByTestId('cal-next').click()
  const cell = page.getByTestId(`night-${s.closedNight}`)
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'open', `[data-test="night-${s.closedNight}"]`)
  assert.match(await cell.innerText(), /3\/3/)
  await cell.click()
  assert.equal(await cell.getAttribute('aria-pressed'), 'true')
  await fillNumber(page.getByTestId('cal-capacity'), 0)
  await shot(page, 'night-selected')
  await page.getByTestId('cal-set-capacity').click()
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'closed', `[data-test="night-${s.closedNight}"]`)
  assert.match(await cell.innerText(), /已关闭/)
  const nights = await apiOk('GET', `/api/v1/listings/${s.listingId}/availability?from=${s.closedNight}&to=${s.closedNight}`)
  assert.equal(nights[0].capacity, 0)
  await shot(page, 'night-closed')

  await page.setViewportSize(PHONE)
  await fitsWidth(page)
  await shot(page, 'calendar-360')
  expectClean(page)
  await page.context().close()
})

test('a paid booking: the provider accepts before the deadline, checks in, writes a care log with a photo and checks out', async () => {
  assert.ok(s.listingId, 'the listing is published')
  const shot = shots('provider-4-stay')

  // the owner books from today for two nights and pays (API)
  s.owner = uniq('towner')
  await apiOk('POST', '/api/v1/auth/register', { body: { role: 'owner', username: s.owner, display_name: '小林', password: PASSWORD } })
  const owner = await loginApi(s.owner, PASSWORD)
  s.ownerToken = owner.access_token
  const pet = await apiOk('POST', '/api/v1/pets', { token: s.ownerToken, body: { name: '豆豆', species: 'dog', weight_kg: 12 } })
  const order = await apiOk('POST', '/api/v1/orders', {
    token: s.ownerToken,
    headers: { 'Idempotency-Key': uniq('k') },
    body: { listing_id: s.listingId, pet_ids: [pet.id], start_date: daysFromNow(0), end_date: daysFromNow(2), note: '豆豆怕打雷' },
  })
  s.orderId = order.id
  const pay = await apiOk('POST', '/api/v1/payments', { token: s.ownerToken, headers: { 'Idempotency-Key': uniq('k') }, body: { order_id: order.id } })
  await apiOk('POST', `/api/v1/payments/${pay.payment_id}/sandbox`, { token: s.ownerToken, body: { outcome: 'succeed' } })
  await eventually(async () => (await apiOk('GET', `/api/v1/orders/${order.id}`, { token: s.ownerToken })).status === 'paid', 'the order to be paid')

  const page = await openPage(browser)
  page.allowedProblems.push(/status of 409/)
  await loginUi(page, s.username, PASSWORD)

  // the request with its deadline
  await page.goto(`${BASE}/provider/requests`)
  const row = page.locator(`[data-test="request-row"][data-id="${s.orderId}"]`)
  await row.waitFor()
  const deadline = row.getByTestId('accept-deadline')
  assert.match(await deadline.innerText(), /剩余 \d+:\d\d(:\d\d)? 内处理/)
  assert.match(await row.innerText(), /豆豆怕打雷/)
  await shot(page, 'request-with-deadline')
  await page.setViewportSize(PHONE)
  await fitsWidth(page)
  await shot(page, 'request-360')
  await page.setViewportSize(DESKTOP)

  // a night with a booking cannot go below it: the calendar says so
  await page.goto(`${BASE}/provider/listings/${s.listingId}/calendar`)
  const today = daysFromNow(0)
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'some', `[data-test="night-${today}"]`)
  await page.getByTestId(`night-${today}`).click()
  await fillNumber(page.getByTestId('cal-capacity'), 0)
  await page.getByTestId('cal-set-capacity').click()
  const problem = page.getByTestId('cal-problem')
  await problem.waitFor()
  assert.match(await problem.innerText(), /已有 1 只宠物预订/)
  await shot(page, 'calendar-409')

  // accept
  await page.goto(`${BASE}/provider/requests`)
  await row.waitFor()
  await row.getByTestId('request-accept').click()
  await row.waitFor({ state: 'detached' })
  assert.equal((await apiOk('GET', `/api/v1/orders/${s.orderId}`, { token: s.ownerToken })).status, 'confirmed')
  await page.getByRole('tab', { name: '待入住' }).click()
  await page.locator(`[data-test="request-row"][data-id="${s.orderId}"]`).waitFor()
  await shot(page, 'accepted')

  // check in from today's schedule
  await page.goto(`${BASE}/provider/schedule`)
  const arrival = page.getByTestId(`schedule-arrivals-${s.orderId}`)
  await arrival.waitFor()
  await shot(page, 'schedule-arrival')
  await arrival.getByTestId(`schedule-check-in-${s.orderId}`).click()
  await arrival.locator('[data-status="in_care"]').waitFor()
  await shot(page, 'checked-in')

  // the care log, with a photo, from the stay opened beside the schedule
  await arrival.getByTestId(`schedule-open-${s.orderId}`).click()
  const panel = page.getByTestId('provider-order-panel')
  await panel.waitFor()
  assert.equal(await panel.getAttribute('data-status'), 'in_care')
  const form = panel.getByTestId('care-log-form')
  await form.getByTestId('care-log-meals').fill('早晚各一餐，都吃完了')
  await fillNumber(form.getByTestId('care-log-walks'), 2)
  await form.getByTestId('mood-happy').click()
  await form.getByTestId('care-log-notes').fill('下午在院子里玩球，很开心。')
  const photo = await drawImage(page, { width: 400, height: 300, type: 'image/jpeg', color: '#f6b93b', text: '豆豆' })
  await addPhotos(page, form, [{ name: 'doudou.jpg', mimeType: 'image/jpeg', buffer: photo }])
  await form.getByTestId('care-log-submit').scrollIntoViewIfNeeded()
  await shot(page, 'care-log-filled', { fullPage: false })
  await form.getByTestId('care-log-submit').click()
  const entry = page.getByTestId('care-log-entry').first()
  await entry.waitFor()
  assert.match(await entry.innerText(), /开心/)
  await entry.scrollIntoViewIfNeeded()
  await entry.locator('img').first().waitFor() // the gallery loads its images once in view
  assert.equal(await entry.locator('img').count(), 1)
  const logs = await apiOk('GET', `/api/v1/orders/${s.orderId}/care-logs`, { token: s.ownerToken })
  assert.equal(logs.items.length, 1)
  assert.equal(logs.items[0].photos.length, 1)
  await shot(page, 'care-log-sent', { fullPage: false })

  // check out (early: the stay was booked until the day after tomorrow)
  await panel.getByTestId('panel-check-out').click()
  await page.locator('.el-message-box').waitFor()
  await shot(page, 'check-out-confirm', { fullPage: false })
  await page.locator('.el-message-box .el-button--primary').click()
  await page.waitForFunction(() => document.querySelector('[data-test="provider-order-panel"]')?.dataset.status === 'completed')
  assert.equal((await apiOk('GET', `/api/v1/orders/${s.orderId}`, { token: s.ownerToken })).status, 'completed')
  await panel.scrollIntoViewIfNeeded()
  await shot(page, 'checked-out', { fullPage: false })
  expectClean(page)
  await page.context().close()
})

test('the owner reviews the stay; the provider replies, then edits the listing (English, desktop and 360 px)', async () => {
  assert.ok(s.orderId, 'the stay is completed')
  const shot = shots('provider-5-reviews')
  // the review service hears of the completed stay a moment after the check-out
  await eventually(async () => {
    const r = await api('POST', '/api/v1/reviews', {
      token: s.ownerToken,
      body: { order_id: s.orderId, rating: 5, care: 5, communication: 4, text: 'Doudou came home happy. Thank you!' },
    })
    if (r.status === 201) s.reviewId = r.json.id
    else assert.equal(r.status, 409, `POST /reviews → ${r.status} ${r.text}`)
    return r.status === 201
  }, 'the review to be accepted')

  const page = await openPage(browser, { locale: 'en' })
  await loginUi(page, s.username, PASSWORD)
  // the profile says Chinese (the sign-up's language): switch, which the profile keeps
  await page.getByTestId('lang-switch').click()
  await page.getByTestId('lang-en').click()
  await page.goto(`${BASE}/provider/reviews`)
  const item = page.locator(`[data-test="review-item"][data-id="${s.reviewId}"]`)
  await item.waitFor()
  assert.match(await item.innerText(), /Doudou came home happy/)
  assert.match(await page.getByTestId('reviews-summary').innerText(), /Reviews: 1 · waiting for a reply: 1/)
  await shot(page, 'review-to-answer-en')

  await item.getByTestId('reply-input').fill('Thank you! Doudou is welcome back any time.')
  await item.getByTestId('reply-submit').click()
  await item.getByTestId('review-reply').waitFor()
  assert.match(await item.getByTestId('review-reply').innerText(), /welcome back/)
  const list = await apiOk('GET', `/api/v1/listings/${s.listingId}/reviews`)
  assert.match(list.items[0].reply.text, /welcome back/)
  await shot(page, 'replied-en')

  await page.setViewportSize(PHONE)
  await fitsWidth(page)
  await shot(page, 'replied-en-360')
  await page.goto(`${BASE}/provider`)
  await page.getByTestId('provider-overview').waitFor()
  await fitsWidth(page)
  await shot(page, 'home-en-360')

  // editing reviewed text: the form says the listing goes back to review, and it does
  await page.setViewportSize(DESKTOP)
  await page.goto(`${BASE}/provider/listings/${s.listingId}/edit`)
  await page.waitForFunction(() => document.querySelector('[data-test="edit-title"]')?.value)
  await fillNumber(page.getByTestId('edit-price'), 98)
  assert.equal(await page.getByTestId('review-warning').count(), 0, 'a new price needs no review')
  await page.getByTestId('edit-title').fill(`${s.title} · garden`)
  await page.getByTestId('review-warning').waitFor()
  assert.match(await page.getByTestId('review-warning').innerText(), /back to review: Title\./)
  await shot(page, 'edit-review-warning-en')
  await page.getByTestId('edit-save').click()
  await page.locator('.el-message-box').waitFor()
  await shot(page, 'edit-review-confirm-en', { fullPage: false })
  await page.locator('.el-message-box .el-button--primary').click()
  await page.waitForFunction(() => document.querySelector('[data-test="edit-status"]')?.dataset.status === 'pending_review')
  const provider = await loginApi(s.username, PASSWORD)
  const listing = await apiOk('GET', `/api/v1/listings/${s.listingId}`, { token: provider.access_token })
  assert.equal(listing.status, 'pending_review')
  assert.equal(listing.price_per_night_fen, 9800)
  expectClean(page)
  await page.context().close()
})
