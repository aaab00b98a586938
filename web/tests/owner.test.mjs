// The owner's journeys in Chromium: sign up, record a pet with a photo, find a listing by its
// city, book it with the server's quote (nights × price × pets), pay in the sandbox and see
// the order turn paid without reloading, cancel with the refund quote shown first; a fully
// booked night shown at the dates and an unsuitable pet at the pets; the search page at
// 360 px; the page in English. A provider and approved listings are set up through the API
// as the admin (CI has no demo data).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  BASE, DESKTOP, PHONE, addPetUi, adminToken, apiOk, approvedProvider, checkQuoteUi, completeStay, daysFromNow, expectClean, fen, field, fitsWidth,
  launch, loginUi, openPage, paidOrder, payInCashierUi, pickDate, pngFile, publishedListing, registerApi, registerUi,
  searchFromHomeUi, seeReviewHiddenUi, shooter, switchLanguage, uniq, writeReviewUi,
} from './harness.mjs'

const CITY = '成都'
let browser
let fx // what the set-up made

// ---- set-up through the API

before(async () => {
  browser = await launch()
  const provider = await approvedProvider('wpoprov')
  const word = `Wpo${Date.now().toString(36)}`
  const roomy = await publishedListing(provider, {
    title: `${word} 阳光小院寄养`, species: ['dog', 'cat'], max_weight_kg: 20, capacity: 3, price_per_night_fen: 12800,
  })
  const small = await publishedListing(provider, {
    title: `${word} 单间狗狗寄养`, species: ['dog'], max_weight_kg: 15, capacity: 1, price_per_night_fen: 9900,
  })
  // another owner takes the only place of the small listing for one night
  const other = await registerApi('owner', 'wpoother')
  const otherPet = await apiOk('POST', '/api/v1/pets', { token: other.token, body: { name: '占位', species: 'dog', weight_kg: 5 } })
  const fullNight = daysFromNow(20)
  await apiOk('POST', '/api/v1/orders', {
    token: other.token,
    headers: { 'Idempotency-Key': uniq('wpo-key-') },
    body: { listing_id: small.id, pet_ids: [otherPet.id], start_date: fullNight, end_date: daysFromNow(21) },
  })
  fx = { word, roomy, small, fullNight, provider }
})

after(async () => {
  await browser?.close()
})

test('an owner signs up, records a pet with a photo, finds and books a listing, pays, sees it paid, cancels with the refund shown', async () => {
  const shot = shooter('owner-booking')
  const page = await openPage(browser)
  await registerUi(page, { prefix: 'wpoown', displayName: '小王', shot })
  await shot(page, 'home-signed-in')

  // a pet with a photo, and a vaccination
  await addPetUi(page, {
    name: '旺财', breed: '柴犬', species: 'dog', weight: 9.5, feeding: '早晚各一次狗粮', photo: pngFile('wangcai.png'),
    vaccination: { name: '狂犬疫苗', given: daysFromNow(-30), expires: daysFromNow(335) },
  }, { shot })
  await page.goto(`${BASE}/pets`)
  await page.getByTestId('pet-card').first().waitFor()
  assert.match(await page.getByTestId('pet-card-name').first().innerText(), /旺财/)
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-test="pet-card-photo"]')
    return img && img.complete && img.naturalWidth > 0
  })
  await shot(page, 'pets-list')

  // search the listing's city from the home page, then narrow it with its word
  const card = await searchFromHomeUi(page, { city: CITY, word: fx.word, title: '阳光小院寄养', shot })
  assert.match(await card.getByTestId('listing-price').innerText(), /128/)
  await shot(page, 'search-found')

  // the listing, then booking 3 nights for the one pet
  await card.click()
  await page.waitForURL(`${BASE}/listings/${fx.roomy.id}`, { timeout: 30000 })
  await page.getByTestId('availability').waitFor()
  assert.match(await page.getByTestId('listing-title').innerText(), /阳光小院寄养/)
  await pickDate(page, 'lv-start', daysFromNow(10))
  await pickDate(page, 'lv-end', daysFromNow(13))
  await shot(page, 'listing')
  await page.getByTestId('book-button').click()
  await page.waitForURL((u) => u.pathname === `/book/${fx.roomy.id}`, { timeout: 30000 })
  const totalFen = await checkQuoteUi(page, { nights: 3, pets: 1, priceFen: fx.roomy.price_per_night_fen })
  await shot(page, 'book-quote')

  await page.getByTestId('book-confirm').click()
  await page.waitForURL(/\/pay\/\d+$/, { timeout: 30000 })
  await payInCashierUi(page, totalFen, { shot })
  await page.waitForURL(/\/orders\/\d+$/, { timeout: 30000 })
  // the order page turns paid by itself (notification or its own polling): no reload here
  await page.locator('[data-test="order-status"][data-status="paid"]').waitFor({ timeout: 45000 })
  assert.equal(fen(await page.getByTestId('order-total').innerText()), totalFen)
  await page.getByTestId('order-pet').first().waitFor()
  assert.match(await page.getByTestId('order-pet').first().innerText(), /旺财/)
  await shot(page, 'order-paid')

  // cancel: the refund quote first (more than 48 h before check-in: everything back)
  await page.getByTestId('order-cancel').click()
  await page.getByTestId('refund-quote').waitFor()
  assert.equal(Number(await page.getByTestId('refund-amount').getAttribute('data-fen')), totalFen)
  assert.match(await page.getByTestId('refund-rule').innerText(), /100%/)
  await shot(page, 'cancel-quote')
  await page.getByTestId('cancel-confirm').click()
  await page.locator('[data-test="order-status"][data-status="cancelled"]').waitFor({ timeout: 20000 })
  await page.locator('[data-test="order-history"] [data-status="cancelled"]').waitFor()
  await page.getByTestId('refund-quote').waitFor({ state: 'hidden' })
  // the refund follows as steps of the history, in words: the page refreshes when its
  // notification arrives
  const refunded = page.locator('[data-test="order-history"] [data-status="refunded"]')
  await refunded.waitFor({ timeout: 20000 })
  assert.equal((await refunded.innerText()).trim(), '已退款')
  // its note in the reader's language (newest step first: the refund's note leads)
  const note = page.locator('[data-test="order-history"] [data-test="history-note"]').first()
  assert.equal((await note.innerText()).trim(), `¥${totalFen / 100} 已退回原支付方式`)
  await shot(page, 'order-cancelled')
  // the same history at 360 px, then in English
  await page.setViewportSize(PHONE)
  await fitsWidth(page, PHONE.width, 'the cancelled order')
  await shot(page, 'order-cancelled-phone')
  await page.setViewportSize(DESKTOP)
  await switchLanguage(page, 'en')
  assert.equal((await refunded.innerText()).trim(), 'Refunded')
  assert.equal((await note.innerText()).trim(), `¥${totalFen / 100} returned to the original payment method`)
  await shot(page, 'order-cancelled-en')
  await switchLanguage(page, 'zh-CN')

  // the orders list shows it
  await page.goto(`${BASE}/orders`)
  await page.getByTestId('order-card').first().waitFor()
  assert.match(await page.getByTestId('order-card').first().innerText(), /阳光小院寄养/)
  await shot(page, 'orders')
  expectClean(page)
  await page.context().close()
})


test('cancelling a paid stay that starts tomorrow shows the late-cancellation refund (50%) in plain words', async () => {
  const shot = shooter('owner-late-cancel')
  const owner = await registerApi('owner', 'wpolate')
  const pet = await apiOk('POST', '/api/v1/pets', { token: owner.token, body: { name: '晚晚', species: 'dog', weight_kg: 6 } })
  const order = await paidOrder(owner, fx.roomy.id, { pets: [pet.id], start: daysFromNow(1), end: daysFromNow(2) })
  const page = await openPage(browser)
  await loginUi(page, owner.username)
  await page.goto(`${BASE}/orders/${order.id}`)
  await page.locator('[data-test="order-status"][data-status="paid"]').waitFor()
  await page.getByTestId('order-cancel').click()
  await page.getByTestId('refund-quote').waitFor()
  assert.equal(Number(await page.getByTestId('refund-amount').getAttribute('data-fen')), order.total_fen / 2)
  const rule = await page.getByTestId('refund-rule').innerText()
  assert.match(rule, /退还 50%/)
  assert.doesNotMatch(rule, /以上|-\d/, 'the catch-all rule has no threshold to quote')
  await shot(page, 'cancel-quote-late')
  await page.close()
})
test('a fully booked night is shown at the dates, an unsuitable pet at the pets', async () => {
  const shot = shooter('owner-refusals')
  const owner = await registerApi('owner', 'wpoown')
  await apiOk('POST', '/api/v1/pets', { token: owner.token, body: { name: '豆豆', species: 'dog', weight_kg: 6 } })
  await apiOk('POST', '/api/v1/pets', { token: owner.token, body: { name: '咪咪', species: 'cat', weight_kg: 4 } })
  const page = await openPage(browser)
  // the refusals this journey provokes are answers, not faults
  page.allowedProblems.push(/status of 409/, /status of 422/)
  await loginUi(page, owner.username)

  await page.goto(`${BASE}/book/${fx.small.id}?start=${fx.fullNight}&end=${daysFromNow(21)}`)
  await page.getByTestId('dates-error').waitFor()
  const msg = await page.getByTestId('dates-error').innerText()
  assert.match(msg, /订满/)
  assert.ok(msg.includes(fx.fullNight), msg)
  assert.equal(await page.getByTestId('quote-total').count(), 0)
  assert.ok(await page.getByTestId('book-confirm').isDisabled())
  await shot(page, 'fully-booked')

  // other dates: the dog fits; only the cat is refused, at the pets
  await pickDate(page, 'bk-start', daysFromNow(25))
  await pickDate(page, 'bk-end', daysFromNow(26))
  await page.getByTestId('quote-total').waitFor()
  assert.equal(await page.getByTestId('dates-error').count(), 0)
  const boxes = page.getByTestId('book-pets').locator('label.el-checkbox')
  await boxes.filter({ hasText: '豆豆' }).click()
  await boxes.filter({ hasText: '咪咪' }).click()
  const petsItem = page.locator('.bk-pets-item')
  await petsItem.locator('.el-form-item__error').waitFor()
  assert.match(await petsItem.locator('.el-form-item__error').innerText(), /咪咪.*不接收/)
  await shot(page, 'wrong-species')
  expectClean(page)
  await page.context().close()
})

test('after a completed stay the owner reads the care log and reviews it; the listing shows the rating, then the moderator hiding it', async () => {
  const shot = shooter('owner-review')
  const owner = await registerApi('owner', 'wpoown')
  const pet = await apiOk('POST', '/api/v1/pets', { token: owner.token, body: { name: '小黑', species: 'dog', weight_kg: 7 } })
  // a stay from today to tomorrow, paid, accepted, checked in, logged and checked out, through the API
  const order = await paidOrder(owner, fx.roomy.id, { pets: [pet.id], start: daysFromNow(0), end: daysFromNow(1) })
  await completeStay(order, fx.provider, {
    careLog: { date: daysFromNow(0), meals: '早晚各一顿狗粮', walks: 2, mood: 'happy', notes: '在院子里玩得很开心' },
  })

  const page = await openPage(browser)
  // the review service may learn of the completion a moment after the order service: a 409 then
  page.allowedProblems.push(/status of 409/)
  await loginUi(page, owner.username)
  await page.goto(`${BASE}/orders/${order.id}`)
  await page.locator('[data-test="order-status"][data-status="completed"]').waitFor()
  await page.getByTestId('care-log').first().waitFor()
  const log = await page.getByTestId('care-log').first().innerText()
  assert.match(log, /早晚各一顿狗粮/)
  assert.match(log, /开心/)
  await writeReviewUi(page, { rating: 5, care: 4, text: '照顾得很细心，每天都有照片，下次还来。', shot })
  await shot(page, 'reviewed')

  // the listing: the rating summary and the review
  await page.goto(`${BASE}/listings/${fx.roomy.id}`)
  await page.getByTestId('rating-summary').waitFor()
  assert.match(await page.getByTestId('rating-average').innerText(), /5\.0/)
  assert.match(await page.getByTestId('review').first().innerText(), /照顾得很细心/)
  await shot(page, 'listing-rated')

  // a moderator hides it: the listing says so, with the reason, instead of the text
  const reviews = await apiOk('GET', `/api/v1/listings/${fx.roomy.id}/reviews`)
  const rid = reviews.items.find((r) => r.order_id === order.id).id
  await apiOk('POST', `/api/v1/admin/reviews/${rid}/hide`, { token: await adminToken(), body: { reason: '含有联系方式' } })
  await page.reload()
  await seeReviewHiddenUi(page, { text: /照顾得很细心/, reason: '含有联系方式' })
  assert.doesNotMatch(await page.getByTestId('review').first().innerText(), /照顾得很细心/)
  await shot(page, 'listing-review-hidden')
  expectClean(page)
  await page.context().close()
})

test('search filters live in the URL (back, forward, reload) and the server\'s refusals show at the filter they name', async () => {
  const shot = shooter('owner-search')
  const page = await openPage(browser)
  // the refusals this journey provokes are answers, not faults
  page.allowedProblems.push(/status of 422/)
  const filterError = (id) => page.locator(`.el-form-item:has([data-test="${id}"]) .el-form-item__error`)

  await page.goto(`${BASE}/search?city=${encodeURIComponent(CITY)}&min_price=300&max_price=100&q=a%20b%20c%20d%20e%20f`)
  await page.getByTestId('search-invalid').waitFor()
  assert.match(await filterError('search-max-price').innerText(), /不能低于最低价格/)
  assert.match(await filterError('search-q').innerText(), /最多 5 个关键词/)
  assert.equal(await page.getByTestId('listing-card').count(), 0)
  await shot(page, 'refused-filters')

  // fix them in the form: a new URL; then narrow by price and sort
  await field(page, 'search-min-price').fill('')
  await field(page, 'search-max-price').fill('')
  await field(page, 'search-q').fill(fx.word)
  await page.getByTestId('search-filters').getByTestId('search-submit').click()
  await page.waitForURL((u) => u.searchParams.get('q') === fx.word && !u.searchParams.has('min_price'), { timeout: 30000 })
  await page.getByTestId('listing-card').nth(1).waitFor()
  assert.equal(await page.getByTestId('listing-card').count(), 2)
  await field(page, 'search-max-price').fill('100')
  await page.getByTestId('search-filters').getByTestId('search-submit').click()
  await page.waitForURL((u) => u.searchParams.get('max_price') === '100', { timeout: 30000 })
  await page.waitForFunction(() => document.querySelectorAll('[data-test="listing-card"]').length === 1)
  assert.match(await page.getByTestId('listing-card').innerText(), /单间狗狗寄养/)
  await shot(page, 'max-price')

  // back: both listings and the form without the price; forward and reload: the price again
  await page.goBack()
  await page.waitForURL((u) => !u.searchParams.has('max_price'))
  await page.waitForFunction(() => document.querySelectorAll('[data-test="listing-card"]').length === 2)
  assert.equal(await field(page, 'search-max-price').inputValue(), '')
  await page.goForward()
  await page.waitForURL((u) => u.searchParams.get('max_price') === '100')
  await page.reload()
  await page.waitForFunction(() => document.querySelectorAll('[data-test="listing-card"]').length === 1)
  assert.equal(await field(page, 'search-max-price').inputValue(), '100')
  await shot(page, 'reloaded')
  expectClean(page)
  await page.context().close()
})

test('at 360 px: the home page, near me falling back to the city centre, search with its filters, a listing — none scrolls sideways', async () => {
  const shot = shooter('owner-phone')
  const page = await openPage(browser, { viewport: PHONE })
  await page.goto(`${BASE}/`)
  await page.getByTestId('home-search').waitFor()
  await page.getByTestId('listing-card').first().waitFor()
  await fitsWidth(page, PHONE.width, 'the home page')
  await shot(page, 'home')
  // "near me" without the browser's position: the centre of the chosen city
  await field(page, 'search-city').fill(CITY)
  await page.keyboard.press('Escape')
  await page.getByTestId('near-me').click()
  await page.waitForURL((u) => u.searchParams.get('near') === '30.5728,104.0668' && u.searchParams.get('sort') === 'distance', { timeout: 30000 })
  await page.getByTestId('listing-distance').first().waitFor()
  await fitsWidth(page, PHONE.width, 'the search page near a place')
  await shot(page, 'search-near')
  await page.goto(`${BASE}/search?city=${encodeURIComponent(CITY)}&q=${fx.word}`)
  await page.getByTestId('listing-card').first().waitFor()
  await fitsWidth(page, PHONE.width, 'the search page')
  await shot(page, 'search')
  await page.getByTestId('filters-toggle').click()
  await page.getByTestId('search-filters').waitFor()
  await fitsWidth(page, PHONE.width, 'the search page with its filters open')
  await shot(page, 'search-filters')
  await page.getByTestId('listing-card').first().click()
  await page.getByTestId('availability').waitFor()
  await fitsWidth(page, PHONE.width, 'the listing page')
  await shot(page, 'listing')
  expectClean(page)
  await page.context().close()
})

test('switching to English translates the search and listing pages', async () => {
  const shot = shooter('owner-english')
  const page = await openPage(browser)
  await page.goto(`${BASE}/search?city=${encodeURIComponent(CITY)}&q=${fx.word}`)
  await page.getByTestId('listing-card').first().waitFor()
  assert.match(await page.locator('h1').innerText(), /找寄养/)
  await switchLanguage(page, 'en')
  await page.locator('h1', { hasText: 'Find boarding' }).waitFor()
  assert.equal(await page.getAttribute('html', 'lang'), 'en')
  const filters = await page.getByTestId('search-filters').innerText()
  for (const label of ['City', 'Check-in', 'Check-out', 'Species', 'Keywords']) assert.ok(filters.includes(label), `${label} in ${filters}`)
  assert.doesNotMatch(filters, /[入离宠物城市]/)
  assert.match(await page.getByTestId('listing-card').first().innerText(), /\/night/)
  await shot(page, 'search-en')
  await page.getByTestId('listing-card').first().click()
  await page.getByTestId('availability').waitFor()
  assert.match(await page.getByTestId('booking-box').innerText(), /Book now/)
  await shot(page, 'listing-en')
  expectClean(page)
  await page.context().close()
})
