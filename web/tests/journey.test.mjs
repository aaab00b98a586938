// The whole stay, all three roles in the browser at once (a provider, the admin and an owner,
// each in their own context, desktop, Chinese): the provider signs up and applies with
// verification photos, the admin approves it from the queue, the provider publishes a listing
// with two photos and the admin approves that; the owner signs up, records a pet with a photo
// and a vaccination, finds the listing from the home page, books it at the quoted price and
// pays in the sandbox, watching the order turn paid and the bell rise live; the provider
// accepts the request before its deadline, checks the pet in and writes a care log with a
// photo, which the owner sees arrive live; the provider checks out, the owner reviews the stay
// and the provider replies; an abusive review of a second stay (completed through the API:
// the UI path is the first stay's) is hidden by the admin, and the public listing shows it
// hidden with the reason. Then the owner's stay page in English and at 360 px, and the admin
// dashboard. Every step is clicked by the role doing it; the API only checks what the pages
// claim and reads ids. Screenshots (for the manual and the demo video): OUT/screenshots/journey.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  ADMIN_PASSWORD, ADMIN_USER, BASE, PHONE, DESKTOP, addPetUi, apiOk, approveListingUi, approveProviderUi, checkQuoteUi,
  completeStay, daysFromNow, dashboardHealthyUi, eventually, expectClean, field, fillListingUi, fitsWidth, imagesLoaded,
  hideReviewUi, jpeg, launch, loginApi, loginUi, openPage, openTab, paidOrder, payInCashierUi, pickDate, pngFile, registerUi,
  searchFromHomeUi, seeApprovedUi, seeReviewHiddenUi, sendVerificationUi, shooter, switchLanguage, unreadBadge,
  writeCareLogUi, writeReviewUi,
} from './harness.mjs'

const T = { timeout: 240000 }
const CITY = '杭州'
const shot = shooter('journey')
// the screenshots are named for the role whose page they show
const shotAs = (role) => (page, name, opts) => shot(page, `${role}-${name}`, opts)
const shotP = shotAs('provider')
const shotA = shotAs('admin')
const shotO = shotAs('owner')

let browser
let P // the provider's page
let A // the admin's page
let O // the owner's page (a second tab of it pays)
const j = {} // what the steps learn: names, tokens, ids

before(async () => {
  browser = await launch()
  // three people at their own computers
  ;[P, A, O] = await Promise.all([openPage(browser), openPage(browser), openPage(browser)])
})

after(async () => {
  await browser?.close()
})

// ---- the bell

// The unread count the server keeps for `token`.
const serverUnread = async (token) => {
  const r = await apiOk('GET', '/api/v1/notifications/unread-count', { token })
  return r.unread ?? r.count ?? 0
}

// Waits until the page's bell shows what the server counts; returns that count.
async function bellInStep(page, token) {
  const got = await eventually('the bell to show the unread count', async () => {
    const n = await serverUnread(token)
    return (await unreadBadge(page)) === n && { n }
  })
  return got.n
}

// Waits until `token` has a notification of `type` about `data` (order_id, listing_id…), and
// the page's bell, which only the live stream raises, has risen above `before`.
async function notifiedLive(page, token, type, data, before) {
  await eventually(`a ${type} notification`, async () => {
    const inbox = await apiOk('GET', '/api/v1/notifications?limit=20', { token })
    return inbox.items.some((n) => n.type === type && Object.entries(data).every(([k, v]) => n.data && n.data[k] === v))
  })
  await eventually(`the bell to rise above ${before}`, async () => (await unreadBadge(page)) > before)
}

// A mark in the page's window: gone if the page is reloaded.
const markPage = (page) => page.evaluate(() => (window.__journeyMark = true))
const stillSamePage = async (page) => assert.ok(await page.evaluate(() => window.__journeyMark === true), 'the page was not reloaded')

// ---- the stay

test('a new provider signs up, sees the application under review and sends verification photos', T, async () => {
  j.provider = await registerUi(P, { role: 'provider', prefix: 'jprov', displayName: '西湖边的家', shot: shotP })
  await sendVerificationUi(P, {
    files: [
      pngFile('身份证.png', 480, 300, [224, 123, 36]),
      { name: '营业执照.jpg', mimeType: 'image/jpeg', buffer: await jpeg(P, 360, 480, [58, 123, 213]) },
    ],
    note: '家住西湖边，带院子，养狗十年。',
    shot: shotP,
  })
  const tokens = await loginApi(j.provider)
  j.providerId = tokens.user.id
  j.providerToken = tokens.access_token
  const me = await apiOk('GET', '/api/v1/users/me', { token: j.providerToken })
  assert.equal(me.status, 'pending_review')
  assert.equal(me.verification.documents.length, 2)
})

test('the admin finds the provider in the review queue with its photos and approves it; the provider, after a reload, is approved', T, async () => {
  assert.ok(j.providerId, 'the provider applied')
  await loginUi(A, ADMIN_USER, ADMIN_PASSWORD)
  await approveProviderUi(A, j.providerId, { docs: 2, username: j.provider, reason: '身份证与营业执照齐全，审核通过', shot: shotA })

  await P.reload()
  await seeApprovedUi(P)
  await shotP(P, 'approved')
  j.providerToken = (await loginApi(j.provider)).access_token
})

test('the provider creates a listing with two photos; the admin approves it; it is published', T, async () => {
  assert.ok(j.providerToken, 'the provider is approved')
  j.code = `XH${Date.now().toString(36).slice(-4).toUpperCase()}`
  j.title = `西湖边的阳光小院 ${j.code}`
  j.priceFen = 12800
  await P.getByTestId('home-new-listing').click()
  await P.waitForURL((u) => u.pathname === '/provider/listings/new', { waitUntil: 'commit' })
  await P.getByTestId('review-note').waitFor()
  await fillListingUi(P, {
    title: j.title,
    description: '独门小院，草坪宽敞，离西湖步行十分钟。主人全职在家，每天遛狗三次，每晚发照片和视频。',
    city: CITY, district: '西湖区', address: '西湖区北山街 1 号', lat: 30.2592, lng: 120.149,
    species: ['dog', 'cat'], weight: 25, capacity: 3, price: j.priceFen / 100, amenities: ['带院子', '空调', '每日遛狗'],
    rules: '需完成疫苗接种；请自带宠物粮食。',
    photos: [pngFile('院子.png', 960, 640, [106, 176, 76]), pngFile('客厅.png', 960, 640, [232, 160, 64])],
  })
  await shotP(P, 'listing-form')
  await P.getByTestId('edit-save').click()
  await P.waitForURL((u) => u.pathname === '/provider/listings', { waitUntil: 'commit' })
  const row = P.getByTestId('listing-row').filter({ hasText: j.title })
  await row.waitFor()
  assert.equal(await row.getAttribute('data-status'), 'pending_review')
  j.listingId = await row.getAttribute('data-id')
  await shotP(P, 'listing-pending-review')
  const mine = await apiOk('GET', `/api/v1/listings/${j.listingId}`, { token: j.providerToken })
  assert.equal(mine.photos.length, 2, 'the listing keeps its two photos')

  // the admin approves it; the provider hears of it live, and its list says so after a reload
  const before = await bellInStep(P, j.providerToken)
  await approveListingUi(A, j.listingId, { photos: 2, shot: shotA })
  await notifiedLive(P, j.providerToken, 'listing.approved', { listing_id: j.listingId }, before)
  await P.reload()
  await P.locator(`[data-test="listing-row"][data-id="${j.listingId}"][data-status="published"]`).waitFor()
  await shotP(P, 'listing-published')
})

test('an owner signs up and records a pet with a photo and a vaccination', T, async () => {
  j.owner = await registerUi(O, { prefix: 'jown', displayName: '林小姐', shot: shotO })
  j.ownerToken = (await loginApi(j.owner)).access_token
  await addPetUi(O, {
    name: '豆豆', breed: '柯基', species: 'dog', weight: 11.5, feeding: '早晚各一次狗粮，每次半碗', photo: pngFile('豆豆.png', 480, 480, [245, 190, 80]),
    vaccination: { name: '狂犬疫苗', given: daysFromNow(-60), expires: daysFromNow(305) },
  }, { shot: shotO })
  j.petId = new URL(O.url()).pathname.split('/').pop()
})

test('the owner finds the listing from the home page, opens it (photos, calendar), books it at the quoted price', T, async () => {
  assert.ok(j.listingId && j.petId, 'the listing is published and the owner has a pet')
  const card = await searchFromHomeUi(O, { city: CITY, word: j.code, title: j.title, shot: shotO })
  await shotO(O, 'search-found')
  await card.click()
  await O.waitForURL((u) => u.pathname === `/listings/${j.listingId}`, { timeout: 30000 })
  // the photos: the first large, the other beside it; the calendar of free places
  await eventually('the listing photos to load', () => imagesLoaded(O.locator('[data-test="listing-hero"] img, .lv-thumbs img')))
  assert.equal(await O.locator('[data-test="listing-hero"] img, .lv-thumbs img').count(), 2)
  await O.getByTestId('availability').waitFor()
  assert.ok(await O.getByTestId('availability').isVisible())

  // two nights from today for the one pet
  j.start = daysFromNow(0)
  j.end = daysFromNow(2)
  await pickDate(O, 'lv-start', j.start)
  await pickDate(O, 'lv-end', j.end)
  await shotO(O, 'listing-dates-picked') // the listing with its photos, calendar and estimate
  await O.getByTestId('book-button').click()
  await O.waitForURL((u) => u.pathname === `/book/${j.listingId}`, { timeout: 30000 })
  j.totalFen = await checkQuoteUi(O, { nights: 2, pets: 1, priceFen: j.priceFen })
  await shotO(O, 'book-quote')
  await O.getByTestId('book-confirm').click()
  await O.waitForURL(/\/pay\/\d+$/, { timeout: 30000 })
  await O.getByTestId('pay-order').waitFor()
  j.orderId = (await O.getByTestId('pay-order').getAttribute('href')).split('/').pop()
})

test('the owner pays in the sandbox and watches the order turn paid and the bell rise without reloading', T, async () => {
  assert.ok(j.orderId, 'the owner booked')
  // the provider waits on the requests page; the owner opens the order in a second tab
  await P.goto(`${BASE}/provider/requests`)
  await P.getByTestId('request-tabs').waitFor()
  const providerBefore = await bellInStep(P, j.providerToken)
  const tab = await openTab(O)
  await tab.goto(`${BASE}/orders`)
  const card = tab.locator(`[data-test="order-card"][data-id="${j.orderId}"]`)
  await card.waitFor()
  await card.locator('a').first().click()
  await tab.waitForURL((u) => u.pathname === `/orders/${j.orderId}`)
  await tab.locator('[data-test="order-status"][data-status="pending_payment"]').waitFor()
  await tab.getByTestId('order-countdown').waitFor()
  // the booking's own notification has come before the payment
  await eventually('the order.created notification', async () => {
    const inbox = await apiOk('GET', '/api/v1/notifications?limit=20', { token: j.ownerToken })
    return inbox.items.some((n) => n.type === 'order.created' && n.data?.order_id === j.orderId)
  })
  const before = await bellInStep(tab, j.ownerToken)
  await markPage(tab)
  await shotO(tab, 'order-awaiting-payment')

  // pay in the cashier (the first tab)
  await O.bringToFront()
  await payInCashierUi(O, j.totalFen, { shot: shotO })

  // the order tab turns paid by itself, its bell rising with the payment's notifications
  await tab.bringToFront()
  await tab.locator('[data-test="order-status"][data-status="paid"]').waitFor({ timeout: 45000 })
  await notifiedLive(tab, j.ownerToken, 'order.paid', { order_id: j.orderId }, before)
  await stillSamePage(tab)
  await shotO(tab, 'order-paid-live')

  // the cashier tab went on to the order too; the owner keeps the one they watched
  await O.waitForURL((u) => u.pathname === `/orders/${j.orderId}`, { timeout: 30000 })
  expectClean(O)
  await O.close()
  O = tab

  // the request reached the provider's open requests page by itself
  j.providerBefore = providerBefore
})

test('the provider sees the request with its deadline and accepts it; the owner sees it confirmed live', T, async () => {
  assert.ok(j.orderId, 'the order is paid')
  const row = P.locator(`[data-test="request-row"][data-id="${j.orderId}"]`)
  await row.waitFor({ timeout: 45000 }) // arrived with the notification, no reload
  await notifiedLive(P, j.providerToken, 'order.paid', { order_id: j.orderId }, j.providerBefore)
  const deadline = row.getByTestId('accept-deadline')
  assert.match(await deadline.innerText(), /剩余 \d+:\d\d(:\d\d)? 内处理/)
  const order = await apiOk('GET', `/api/v1/orders/${j.orderId}`, { token: j.providerToken })
  assert.ok(order.accept_before, 'the request has a deadline')
  await row.scrollIntoViewIfNeeded()
  await shotP(P, 'request-with-deadline')

  const before = await bellInStep(O, j.ownerToken)
  await markPage(O)
  await row.getByTestId('request-accept').click()
  await row.waitFor({ state: 'detached' })
  await P.getByRole('tab', { name: '待入住' }).click()
  await P.locator(`[data-test="request-row"][data-id="${j.orderId}"]`).waitFor()
  await shotP(P, 'request-accepted')

  // the owner's page: confirmed, and the bell up, both from the live stream (a paid order is not polled)
  await O.locator('[data-test="order-status"][data-status="confirmed"]').waitFor({ timeout: 45000 })
  await notifiedLive(O, j.ownerToken, 'order.accepted', { order_id: j.orderId }, before)
  await stillSamePage(O)
  await shotO(O, 'order-confirmed-live')
})

test('the provider checks the pet in and writes a care log with a photo; the owner sees it arrive live', T, async () => {
  assert.ok(j.orderId, 'the order is confirmed')
  const row = P.locator(`[data-test="request-row"][data-id="${j.orderId}"]`)
  await row.getByTestId('request-stay-link').click()
  await P.waitForURL((u) => u.pathname === `/orders/${j.orderId}`)
  const panel = P.getByTestId('provider-order-panel')
  await panel.waitFor()
  assert.equal(await panel.getAttribute('data-status'), 'confirmed')
  await shotP(P, 'stay-before-check-in')
  await panel.getByTestId('panel-check-in').click()
  await P.locator('[data-test="provider-order-panel"][data-status="in_care"]').waitFor()
  await O.locator('[data-test="order-status"][data-status="in_care"]').waitFor({ timeout: 45000 })
  await shotP(P, 'stay-checked-in')

  const before = await bellInStep(O, j.ownerToken)
  await markPage(O)
  const entry = await writeCareLogUi(P, panel.getByTestId('care-log-form'), {
    meals: '早晚各一餐，都吃完了', walks: 3, mood: 'happy', notes: '下午在院子里追球，玩得很开心，晚上睡得很香。',
    photos: [{ name: '豆豆在院子里.jpg', mimeType: 'image/jpeg', buffer: await jpeg(P, 800, 600, [120, 180, 90]) }],
    shot: shotP,
  })
  assert.equal(entry.photos.length, 1)
  // the provider's stay page lists it at once, with its photo
  const mine = P.getByTestId('care-log').first()
  await mine.waitFor()
  assert.match(await mine.innerText(), /院子里追球/)
  await mine.scrollIntoViewIfNeeded()
  await eventually('the care-log photo to load', () => imagesLoaded(mine.locator('img')))
  await shotP(P, 'care-log-sent')

  // the owner's stay page: the entry with its photo, and the notification, without a reload
  const log = O.getByTestId('care-log').first()
  await log.waitFor({ timeout: 45000 })
  assert.match(await log.innerText(), /院子里追球/)
  assert.match(await log.innerText(), /开心/)
  await log.scrollIntoViewIfNeeded()
  await eventually('the care-log photo to load', () => imagesLoaded(log.locator('img')))
  await notifiedLive(O, j.ownerToken, 'care_log.added', { order_id: j.orderId }, before)
  await stillSamePage(O)
  await shotO(O, 'care-log-live')
  await O.getByTestId('bell').click()
  const item = O.getByTestId('bell-item').first()
  await item.waitFor()
  assert.match(await item.innerText(), /照护日志/)
  await O.evaluate(() => window.scrollTo(0, 0))
  await shotO(O, 'bell-care-log', { fullPage: false })
  await O.getByTestId('bell').click()
  await item.waitFor({ state: 'hidden' })
})

test('the provider checks out; the owner reviews the stay; the provider replies on the reviews page', T, async () => {
  assert.ok(j.orderId, 'the pet is in care')
  const panel = P.getByTestId('provider-order-panel')
  await P.evaluate(() => window.scrollTo(0, 0))
  await panel.getByTestId('panel-check-out').click()
  await P.locator('.el-message-box').waitFor()
  await shotP(P, 'check-out-confirm', { fullPage: false })
  await P.locator('.el-message-box .el-button--primary').click()
  await P.locator('[data-test="provider-order-panel"][data-status="completed"]').waitFor()
  await shotP(P, 'stay-checked-out')

  // the owner's page turns completed by itself and offers the review form
  O.allowedProblems.push(/status of 409/) // the review service may hear of the completion a moment later
  await O.locator('[data-test="order-status"][data-status="completed"]').waitFor({ timeout: 45000 })
  await writeReviewUi(O, { rating: 5, care: 5, text: '豆豆回家后特别开心！每天都有照片和日志，主人很细心，下次还来。', shot: shotO })
  await shotO(O, 'reviewed')
  const reviews = await apiOk('GET', `/api/v1/reviews?order_id=${j.orderId}`)
  j.reviewId = reviews.items[0].id

  await P.goto(`${BASE}/provider/reviews`)
  const item = P.locator(`[data-test="review-item"][data-id="${j.reviewId}"]`)
  await item.waitFor()
  assert.match(await item.innerText(), /豆豆回家后特别开心/)
  await shotP(P, 'review-to-answer')
  await field(item, 'reply-input').fill('谢谢林小姐！豆豆很乖，随时欢迎再来。')
  await item.getByTestId('reply-submit').click()
  await item.getByTestId('review-reply').waitFor()
  assert.match(await item.getByTestId('review-reply').innerText(), /随时欢迎再来/)
  await shotP(P, 'review-replied')
})

test('an abusive review of a second stay is hidden by the admin with a reason; the public listing shows it hidden', T, async () => {
  assert.ok(j.reviewId, 'the first stay is reviewed')
  // a second stay, of a second pet (the first one's nights are taken), completed through the
  // API: the first stay went through every page of it
  const pet = await apiOk('POST', '/api/v1/pets', { token: j.ownerToken, body: { name: '旺财', species: 'dog', weight_kg: 8 } })
  const order = await paidOrder({ token: j.ownerToken }, j.listingId, { pets: [pet.id], start: daysFromNow(0), end: daysFromNow(1) })
  await completeStay(order, { token: j.providerToken })
  j.order2 = order.id

  // the owner reviews it from their orders
  await O.goto(`${BASE}/orders`)
  const card = O.locator(`[data-test="order-card"][data-id="${j.order2}"]`)
  await card.waitFor()
  await card.locator('a').first().click()
  await O.locator('[data-test="order-status"][data-status="completed"]').waitFor()
  const abusive = '老板态度恶劣，骗子一个，垃圾地方，千万别来！！！'
  await writeReviewUi(O, { rating: 1, text: abusive })
  await shotO(O, 'abusive-review-posted')
  j.review2 = (await apiOk('GET', `/api/v1/reviews?order_id=${j.order2}`)).items[0].id

  // the admin's moderation page
  const reason = '含人身攻击和辱骂内容'
  await hideReviewUi(A, j.review2, { text: /骗子/, reason, shot: shotA })

  // the public listing page: the first review with the reply, the second hidden with the reason
  await O.goto(`${BASE}/listings/${j.listingId}`)
  await O.getByTestId('rating-summary').waitFor()
  await seeReviewHiddenUi(O, { text: /骗子/, reason })
  assert.doesNotMatch(await O.locator('main').innerText(), /骗子/)
  const shown = O.locator('[data-test="review"][data-hidden="false"]').filter({ hasText: '豆豆回家后特别开心' })
  await shown.waitFor()
  assert.match(await shown.getByTestId('review-reply').innerText(), /随时欢迎再来/)
  await shotO(O, 'listing-reviews-one-hidden')
  await O.setViewportSize(PHONE)
  await fitsWidth(O)
  await shotO(O, 'listing-reviews-one-hidden-360')
})

test('the owner\'s stay page at 360 px, then in English', T, async () => {
  assert.ok(j.orderId, 'the stay is over')
  await O.goto(`${BASE}/orders/${j.orderId}`)
  await O.locator('[data-test="order-status"][data-status="completed"]').waitFor()
  await O.getByTestId('care-log').first().waitFor()
  await fitsWidth(O)
  await shotO(O, 'stay-360')

  await O.setViewportSize(DESKTOP)
  await switchLanguage(O, 'en')
  await O.locator('h2', { hasText: 'Care log' }).waitFor()
  assert.match(await O.getByTestId('order-status').innerText(), /Completed/)
  assert.match(await O.getByTestId('order-review').innerText(), /My review[\s\S]*Reply from the host/)
  await shotO(O, 'stay-en')
  await O.setViewportSize(PHONE)
  await fitsWidth(O)
  await shotO(O, 'stay-en-360')
})

test('the admin dashboard shows every service up and today\'s orders', T, async () => {
  await A.goto(`${BASE}/admin`)
  await dashboardHealthyUi(A)
  await shotA(A, 'dashboard')
})

test('no page reported a problem', async () => {
  for (const page of [P, A, O]) {
    expectClean(page)
    await page.context().close()
  }
})
