// The provider's journey in the browser, on a stack without demo data: a new provider signs
// up and sends verification photos, is approved (admin, API), publishes a listing with a photo
// (approved by the admin through the API), closes a night in the calendar, answers a booking an
// owner made and paid (API) before its deadline, checks the pet in, writes a care log with a
// photo, checks out, and replies to the owner's review (API). Photos are made by the harness
// (no network). Screenshots of every step: desktop and 360 px, Chinese and English.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  BASE, DESKTOP, PHONE, adminToken, apiOk, daysFromNow, expectClean, field, fillListingUi, fillNumber,
  fitsWidth, jpeg, launch, loginApi, loginUi, openPage, paidOrder, pngFile, postReview, registerApi, registerUi,
  sendVerificationUi, seeApprovedUi, shooter, switchLanguage, writeCareLogUi,
} from './harness.mjs'

const s = {} // what the steps share: accounts, ids
let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('a new provider signs up, sees the application under review and sends verification photos', async () => {
  const shot = shooter('provider-1-apply')
  const page = await openPage(browser)
  s.username = await registerUi(page, { role: 'provider', prefix: 'tprov', displayName: '测试寄养之家', shot })

  // the materials: an ID card (PNG) and a business licence (JPEG), and a note
  await sendVerificationUi(page, {
    files: [
      pngFile('id-card.png', 320, 200, [224, 123, 36]),
      { name: 'licence.jpg', mimeType: 'image/jpeg', buffer: await jpeg(page, 300, 420, [58, 123, 213]) },
    ],
    note: '家有小院，养狗十年。',
    shot,
  })

  // the saved materials come back with the profile
  const tokens = await loginApi(s.username)
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
  const shot = shooter('provider-2-listing')
  s.admin = await adminToken()
  await apiOk('POST', `/api/v1/admin/providers/${s.providerId}/approve`, { token: s.admin, body: { reason: '材料齐全' } })

  const page = await openPage(browser, { geolocation: { latitude: 39.9334, longitude: 116.475 } })
  page.allowedProblems.push(/status of 422/)
  await loginUi(page, s.username)
  await page.goto(`${BASE}/provider`)
  await seeApprovedUi(page)
  await shot(page, 'approved')

  await page.getByTestId('home-new-listing').click()
  await page.waitForURL((u) => u.pathname === '/provider/listings/new', { waitUntil: 'commit' })
  await page.getByTestId('review-note').waitFor()
  s.title = `测试小院寄养 ${s.username.slice(-5)}`
  await fillListingUi(page, {
    title: s.title, description: '太短', city: '北京', district: '朝阳区', address: '朝阳公园南路 1 号', locate: 39.93,
    species: ['dog'], weight: 25, capacity: 3, price: 88, amenities: ['带院子'], rules: '需完成疫苗接种',
    photos: [pngFile('yard.png', 640, 480, [106, 176, 76])],
  })

  // a description of 2 characters: the server's 422 shows on that field
  await page.getByTestId('edit-save').click()
  const descItem = page.locator('.el-form-item', { has: page.getByTestId('edit-description') })
  await descItem.locator('.el-form-item__error').waitFor()
  assert.match(await descItem.locator('.el-form-item__error').innerText(), /至少 10 个字符/)
  await shot(page, 'field-error')

  await field(page, 'edit-description').fill('独门小院，每天遛狗三次，主人全职在家照顾。')
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
  const shot = shooter('provider-3-calendar')
  await apiOk('POST', `/api/v1/admin/listings/${s.listingId}/approve`, { token: s.admin })

  const page = await openPage(browser)
  await loginUi(page, s.username)
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
  await fillNumber(page, 'cal-capacity', 0)
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
  const shot = shooter('provider-4-stay')

  // the owner books from today for two nights and pays (API)
  const owner = await registerApi('owner', 'towner', { displayName: '小林' })
  s.owner = owner.username
  s.ownerToken = owner.token
  const pet = await apiOk('POST', '/api/v1/pets', { token: s.ownerToken, body: { name: '豆豆', species: 'dog', weight_kg: 12 } })
  const order = await paidOrder(owner, s.listingId, { pets: [pet.id], start: daysFromNow(0), end: daysFromNow(2), note: '豆豆怕打雷' })
  s.orderId = order.id

  const page = await openPage(browser)
  page.allowedProblems.push(/status of 409/)
  await loginUi(page, s.username)

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
  await fillNumber(page, 'cal-capacity', 0)
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
  await writeCareLogUi(page, panel.getByTestId('care-log-form'), {
    meals: '早晚各一餐，都吃完了', walks: 2, mood: 'happy', notes: '下午在院子里玩球，很开心。',
    photos: [{ name: 'doudou.jpg', mimeType: 'image/jpeg', buffer: await jpeg(page, 400, 300, [246, 185, 59]) }],
    shot,
  })
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
  const shot = shooter('provider-5-reviews')
  // the review service hears of the completed stay a moment after the check-out
  const review = await postReview({ token: s.ownerToken }, {
    order_id: s.orderId, rating: 5, care: 5, communication: 4, text: 'Doudou came home happy. Thank you!',
  })
  s.reviewId = review.id

  const page = await openPage(browser, { locale: 'en' })
  await loginUi(page, s.username)
  // the profile says Chinese (the sign-up's language): switch, which the profile keeps
  await switchLanguage(page, 'en')
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
  await fillNumber(page, 'edit-price', 98)
  assert.equal(await page.getByTestId('review-warning').count(), 0, 'a new price needs no review')
  await field(page, 'edit-title').fill(`${s.title} · garden`)
  await page.getByTestId('review-warning').waitFor()
  assert.match(await page.getByTestId('review-warning').innerText(), /back to review: Title\./)
  await shot(page, 'edit-review-warning-en')
  await page.getByTestId('edit-save').click()
  await page.locator('.el-message-box').waitFor()
  await shot(page, 'edit-review-confirm-en', { fullPage: false })
  await page.locator('.el-message-box .el-button--primary').click()
  await page.waitForFunction(() => document.querySelector('[data-test="edit-status"]')?.dataset.status === 'pending_review')
  const provider = await loginApi(s.username)
  const listing = await apiOk('GET', `/api/v1/listings/${s.listingId}`, { token: provider.access_token })
  assert.equal(listing.status, 'pending_review')
  assert.equal(listing.price_per_night_fen, 9800)
  expectClean(page)
  await page.context().close()
})
