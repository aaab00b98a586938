// The owner's journeys in Chromium: sign up, record a pet with a photo, find a listing by its
// city, book it with the server's quote (nights × price × pets), pay in the sandbox and see
// the order turn paid without reloading, cancel with the refund quote shown first; a fully
// booked night shown at the dates and an unsuitable pet at the pets; the search page at
// 360 px; the page in English. A provider and approved listings are set up through the API
// as the admin (CI has no demo data).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { deflateSync } from 'node:zlib'
import {
  BASE, PHONE, adminToken, api, apiOk, daysFromNow, expectClean, launch, loginApi, loginUi, openPage, shooter, uniq,
} from './harness.mjs'

const PASSWORD = 'PetTest2024'
const CITY = '成都'
let browser
let fx // what the set-up made

// ---- set-up through the API

// A PNG of w×h pixels (a warm gradient with a dark square), made here: no file, no network.
function png(w = 96, h = 72) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const c = Buffer.alloc(4)
    c.writeUInt32BE(crc(td))
    return Buffer.concat([len, td, c])
  }
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0
    for (let x = 0; x < w; x++) {
      const i = y * (w * 3 + 1) + 1 + x * 3
      const dark = x > w / 3 && x < (2 * w) / 3 && y > h / 3 && y < (2 * h) / 3
      raw[i] = dark ? 90 : 224
      raw[i + 1] = dark ? 50 : 123 + Math.round((y / h) * 80)
      raw[i + 2] = dark ? 16 : 36 + Math.round((x / w) * 120)
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

async function register(role, prefix) {
  const username = uniq(prefix)
  await apiOk('POST', '/api/v1/auth/register', { body: { username, password: PASSWORD, role, display_name: `${prefix}测试` } })
  const tokens = await loginApi(username, PASSWORD)
  return { username, token: tokens.access_token, id: tokens.user.id }
}

async function publishListing(provider, admin, fields) {
  const body = {
    description: '测试用的寄养房源：安静的小院，每天遛狗两次，每晚发照片。', city: CITY, district: '武侯区',
    address: '武侯区测试路 1 号', lat: 30.6416, lng: 104.0433, amenities: ['院子', '空调'], house_rules: '需提供疫苗证明。',
    ...fields,
  }
  const l = await apiOk('POST', '/api/v1/listings', { token: provider.token, body })
  await apiOk('POST', `/api/v1/admin/listings/${l.id}/approve`, { token: admin, body: { reason: '浏览器测试' } })
  return l
}

before(async () => {
  browser = await launch()
  const admin = await adminToken()
  const provider = await register('provider', 'wpoprov')
  await apiOk('POST', `/api/v1/admin/providers/${provider.id}/approve`, { token: admin, body: { reason: '浏览器测试' } })
  Object.assign(provider, { token: (await loginApi(provider.username, PASSWORD)).access_token })
  const word = `Wpo${Date.now().toString(36)}`
  const roomy = await publishListing(provider, admin, {
    title: `${word} 阳光小院寄养`, species: ['dog', 'cat'], max_weight_kg: 20, capacity: 3, price_per_night_fen: 12800,
  })
  const small = await publishListing(provider, admin, {
    title: `${word} 单间狗狗寄养`, species: ['dog'], max_weight_kg: 15, capacity: 1, price_per_night_fen: 9900,
  })
  // another owner takes the only place of the small listing for one night
  const other = await register('owner', 'wpoother')
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

// ---- helpers for the UI

// The text box of a form field by its data-test: Element Plus puts an el-input's attributes on
// the <input> (or <textarea>) itself, other components keep them on their wrapper.
const box = (page, id) =>
  page.locator(`input[data-test="${id}"], textarea[data-test="${id}"], [data-test="${id}"] input, [data-test="${id}"] textarea`).first()

// An Element Plus date picker: type the date into its input and confirm it.
async function pickDate(page, inputId, iso) {
  const input = page.locator(`#${inputId}`)
  await input.click()
  await input.fill(iso)
  await input.press('Enter')
  await page.keyboard.press('Escape')
  await assert.doesNotReject(async () => {
    for (let i = 0; i < 20 && (await input.inputValue()) !== iso; i++) await page.waitForTimeout(100)
  })
  assert.equal(await input.inputValue(), iso)
}

async function registerOwnerUi(page, shot) {
  const username = uniq('wpoown')
  await page.goto(`${BASE}/register`)
  await box(page, 'register-username').fill(username)
  await box(page, 'register-display-name').fill('小王')
  await box(page, 'register-password').fill(PASSWORD)
  await shot(page, 'register')
  await page.getByTestId('register-submit').click()
  await page.waitForURL(`${BASE}/`, { timeout: 30000 })
  await page.getByTestId('user-menu').waitFor()
  return username
}

// The demo data of a shared stack (not CI's) points its listing photos at a host that does not
// resolve; the home page shows them.
const allowDemoPhotos = (page) => page.allowedProblems.push(/ERR_NAME_NOT_RESOLVED/)

// Screenshots taken from the top of the page (a full-page shot of a scrolled page draws the
// sticky header in the middle), once what fades in has appeared.
function topShooter(journey) {
  const raw = shooter(journey)
  return async (page, name) => {
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.waitForTimeout(400) // tags and messages fade in
    return raw(page, name)
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const fen = (s) => Number(String(s).replace(/[^\d.]/g, '')) * 100

test('an owner signs up, records a pet with a photo, finds and books a listing, pays, sees it paid, cancels with the refund shown', async () => {
  const shot = topShooter('owner-booking')
  const page = await openPage(browser)
  allowDemoPhotos(page)
  await registerOwnerUi(page, shot)
  await shot(page, 'home-signed-in')

  // a pet with a photo
  await page.goto(`${BASE}/pets`)
  await page.getByTestId('empty').waitFor()
  await shot(page, 'pets-empty')
  await page.getByTestId('pet-add').click()
  await box(page, 'pet-name').fill('旺财')
  await box(page, 'pet-breed').fill('柴犬')
  await page.getByTestId('pet-species-dog').click()
  await page.locator('#pet-weight').fill('9.5')
  await page.locator('#pet-weight').press('Tab')
  await box(page, 'pet-care-feeding').fill('早晚各一次狗粮')
  await page.getByTestId('photo-input').setInputFiles({ name: 'wangcai.png', mimeType: 'image/png', buffer: png() })
  await page.getByTestId('photo-item').first().waitFor()
  const thumb = page.getByTestId('photo-item').first().locator('img')
  await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await thumb.elementHandle())
  await shot(page, 'pet-form')
  await page.getByTestId('pet-save').click()
  await page.waitForURL(/\/pets\/\d+$/, { timeout: 30000 })
  await page.getByTestId('vaccinations').waitFor()
  // a vaccination
  await box(page, 'vaccination-name').fill('狂犬疫苗')
  await pickDate(page, 'vac-given', daysFromNow(-30))
  await pickDate(page, 'vac-expires', daysFromNow(335))
  await page.getByTestId('vaccination-add').click()
  await page.getByTestId('vaccination').first().waitFor()
  assert.match(await page.getByTestId('vaccination').first().innerText(), /狂犬疫苗/)
  await shot(page, 'pet-saved')
  await page.goto(`${BASE}/pets`)
  await page.getByTestId('pet-card').first().waitFor()
  assert.match(await page.getByTestId('pet-card-name').first().innerText(), /旺财/)
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-test="pet-card-photo"]')
    return img && img.complete && img.naturalWidth > 0
  })
  await shot(page, 'pets-list')

  // search the listing's city from the home page, then narrow it with its word
  await page.goto(`${BASE}/`)
  await page.getByTestId('home-search').waitFor()
  await box(page, 'search-city').fill(CITY)
  await page.keyboard.press('Escape')
  await shot(page, 'home-search')
  await page.getByTestId('search-submit').click()
  await page.waitForURL(/\/search\?/, { timeout: 30000 })
  assert.equal(new URL(page.url()).searchParams.get('city'), CITY)
  await page.getByTestId('search-results').waitFor()
  await box(page, 'search-q').fill(fx.word)
  await page.getByTestId('search-filters').getByTestId('search-submit').click()
  await page.waitForURL((u) => u.searchParams.get('q') === fx.word, { timeout: 30000 })
  const card = page.getByTestId('listing-card').filter({ hasText: '阳光小院寄养' })
  await card.waitFor()
  assert.match(await card.getByTestId('listing-price').innerText(), /128/)
  await shot(page, 'search-found')

  // the listing, then booking 3 nights for the one pet
  await card.click()
  await page.waitForURL(`${BASE}/listings/${fx.roomy.id}`, { timeout: 30000 })
  await page.getByTestId('availability').waitFor()
  assert.match(await page.getByTestId('listing-title').innerText(), /阳光小院寄养/)
  const start = daysFromNow(10)
  const end = daysFromNow(13)
  await pickDate(page, 'lv-start', start)
  await pickDate(page, 'lv-end', end)
  await shot(page, 'listing')
  await page.getByTestId('book-button').click()
  await page.waitForURL((u) => u.pathname === `/book/${fx.roomy.id}`, { timeout: 30000 })
  await page.getByTestId('quote-total').waitFor()
  const nights = Number(await page.getByTestId('quote-nights').innerText())
  const pets = Number(await page.getByTestId('quote-pets').innerText())
  const totalFen = Number(await page.getByTestId('quote-total').getAttribute('data-fen'))
  assert.equal(nights, 3)
  assert.equal(pets, 1)
  assert.equal(totalFen, nights * fx.roomy.price_per_night_fen * pets)
  assert.equal(fen(await page.getByTestId('quote-total').innerText()), totalFen)
  await shot(page, 'book-quote')

  await page.getByTestId('book-confirm').click()
  await page.waitForURL(/\/pay\/\d+$/, { timeout: 30000 })
  await page.getByTestId('pay-amount').waitFor()
  assert.equal(fen(await page.getByTestId('pay-amount').innerText()), totalFen)
  await page.getByTestId('pay-countdown').waitFor()
  await shot(page, 'cashier')
  await page.getByTestId('pay-succeed').click()
  await page.getByTestId('pay-succeeded').waitFor({ timeout: 30000 })
  await shot(page, 'paid')
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
  await shot(page, 'order-cancelled')

  // the orders list shows it
  await page.goto(`${BASE}/orders`)
  await page.getByTestId('order-card').first().waitFor()
  assert.match(await page.getByTestId('order-card').first().innerText(), /阳光小院寄养/)
  await shot(page, 'orders')
  expectClean(page)
  await page.context().close()
})

test('a fully booked night is shown at the dates, an unsuitable pet at the pets', async () => {
  const shot = topShooter('owner-refusals')
  const owner = await register('owner', 'wpoown')
  await apiOk('POST', '/api/v1/pets', { token: owner.token, body: { name: '豆豆', species: 'dog', weight_kg: 6 } })
  await apiOk('POST', '/api/v1/pets', { token: owner.token, body: { name: '咪咪', species: 'cat', weight_kg: 4 } })
  const page = await openPage(browser)
  // the refusals this journey provokes are answers, not faults
  page.allowedProblems.push(/status of 409/, /status of 422/)
  await loginUi(page, owner.username, PASSWORD)

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
  const shot = topShooter('owner-review')
  const admin = await adminToken()
  const owner = await register('owner', 'wpoown')
  const pet = await apiOk('POST', '/api/v1/pets', { token: owner.token, body: { name: '小黑', species: 'dog', weight_kg: 7 } })
  // a stay from today to tomorrow, paid, accepted, checked in, logged and checked out, through the API
  const order = await apiOk('POST', '/api/v1/orders', {
    token: owner.token,
    headers: { 'Idempotency-Key': uniq('wpo-key-') },
    body: { listing_id: fx.roomy.id, pet_ids: [pet.id], start_date: daysFromNow(0), end_date: daysFromNow(1) },
  })
  const pay = await apiOk('POST', '/api/v1/payments', { token: owner.token, headers: { 'Idempotency-Key': uniq('wpo-key-') }, body: { order_id: order.id } })
  await apiOk('POST', `/api/v1/payments/${pay.payment_id}/sandbox`, { token: owner.token, body: { outcome: 'succeed' } })
  for (let i = 0; i < 60 && (await apiOk('GET', `/api/v1/orders/${order.id}`, { token: owner.token })).status !== 'paid'; i++) await sleep(500)
  await apiOk('POST', `/api/v1/orders/${order.id}/accept`, { token: fx.provider.token, body: {} })
  await apiOk('POST', `/api/v1/orders/${order.id}/check-in`, { token: fx.provider.token, body: {} })
  await apiOk('POST', `/api/v1/orders/${order.id}/care-logs`, {
    token: fx.provider.token,
    body: { date: daysFromNow(0), meals: '早晚各一顿狗粮', walks: 2, mood: 'happy', notes: '在院子里玩得很开心' },
  })
  await apiOk('POST', `/api/v1/orders/${order.id}/check-out`, { token: fx.provider.token, body: {} })

  const page = await openPage(browser)
  // the review service may learn of the completion a moment after the order service: a 409 then
  page.allowedProblems.push(/status of 409/)
  await loginUi(page, owner.username, PASSWORD)
  await page.goto(`${BASE}/orders/${order.id}`)
  await page.locator('[data-test="order-status"][data-status="completed"]').waitFor()
  await page.getByTestId('care-log').first().waitFor()
  const log = await page.getByTestId('care-log').first().innerText()
  assert.match(log, /早晚各一顿狗粮/)
  assert.match(log, /开心/)
  await page.getByTestId('review-form').waitFor()
  await page.getByTestId('review-rating').locator('.el-rate__item').nth(4).click()
  await page.getByTestId('review-care').locator('.el-rate__item').nth(3).click()
  await box(page, 'review-text').fill('照顾得很细心，每天都有照片，下次还来。')
  await shot(page, 'review-form')
  for (let i = 0; i < 20; i++) {
    await page.getByTestId('review-submit').click()
    await page.waitForTimeout(700)
    if (await page.getByTestId('order-review').getByTestId('review').count()) break
  }
  const mine = page.getByTestId('order-review').getByTestId('review')
  await mine.waitFor()
  assert.match(await mine.innerText(), /照顾得很细心/)
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
  await apiOk('POST', `/api/v1/admin/reviews/${rid}/hide`, { token: admin, body: { reason: '含有联系方式' } })
  await page.reload()
  await page.getByTestId('review-hidden').waitFor()
  assert.match(await page.getByTestId('review-hidden').innerText(), /已被管理员隐藏.*含有联系方式/)
  assert.doesNotMatch(await page.getByTestId('review').first().innerText(), /照顾得很细心/)
  await shot(page, 'listing-review-hidden')
  expectClean(page)
  await page.context().close()
})

test('search filters live in the URL (back, forward, reload) and the server\'s refusals show at the filter they name', async () => {
  const shot = topShooter('owner-search')
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
  await box(page, 'search-min-price').fill('')
  await box(page, 'search-max-price').fill('')
  await box(page, 'search-q').fill(fx.word)
  await page.getByTestId('search-filters').getByTestId('search-submit').click()
  await page.waitForURL((u) => u.searchParams.get('q') === fx.word && !u.searchParams.has('min_price'), { timeout: 30000 })
  await page.getByTestId('listing-card').nth(1).waitFor()
  assert.equal(await page.getByTestId('listing-card').count(), 2)
  await box(page, 'search-max-price').fill('100')
  await page.getByTestId('search-filters').getByTestId('search-submit').click()
  await page.waitForURL((u) => u.searchParams.get('max_price') === '100', { timeout: 30000 })
  await page.waitForFunction(() => document.querySelectorAll('[data-test="listing-card"]').length === 1)
  assert.match(await page.getByTestId('listing-card').innerText(), /单间狗狗寄养/)
  await shot(page, 'max-price')

  // back: both listings and the form without the price; forward and reload: the price again
  await page.goBack()
  await page.waitForURL((u) => !u.searchParams.has('max_price'))
  await page.waitForFunction(() => document.querySelectorAll('[data-test="listing-card"]').length === 2)
  assert.equal(await box(page, 'search-max-price').inputValue(), '')
  await page.goForward()
  await page.waitForURL((u) => u.searchParams.get('max_price') === '100')
  await page.reload()
  await page.waitForFunction(() => document.querySelectorAll('[data-test="listing-card"]').length === 1)
  assert.equal(await box(page, 'search-max-price').inputValue(), '100')
  await shot(page, 'reloaded')
  expectClean(page)
  await page.context().close()
})

test('at 360 px: the home page, near me falling back to the city centre, search with its filters, a listing — none scrolls sideways', async () => {
  const shot = topShooter('owner-phone')
  const page = await openPage(browser, { viewport: PHONE })
  allowDemoPhotos(page)
  const noScroll = async (what) => {
    const w = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(w <= PHONE.width, `${what} is ${w} px wide at ${PHONE.width} px`)
  }
  await page.goto(`${BASE}/`)
  await page.getByTestId('home-search').waitFor()
  await page.getByTestId('listing-card').first().waitFor()
  await noScroll('the home page')
  await shot(page, 'home')
  // "near me" without the browser's position: the centre of the chosen city
  await box(page, 'search-city').fill(CITY)
  await page.keyboard.press('Escape')
  await page.getByTestId('near-me').click()
  await page.waitForURL((u) => u.searchParams.get('near') === '30.5728,104.0668' && u.searchParams.get('sort') === 'distance', { timeout: 30000 })
  await page.getByTestId('listing-distance').first().waitFor()
  await noScroll('the search page near a place')
  await shot(page, 'search-near')
  await page.goto(`${BASE}/search?city=${encodeURIComponent(CITY)}&q=${fx.word}`)
  await page.getByTestId('listing-card').first().waitFor()
  await noScroll('the search page')
  await shot(page, 'search')
  await page.getByTestId('filters-toggle').click()
  await page.getByTestId('search-filters').waitFor()
  await noScroll('the search page with its filters open')
  await shot(page, 'search-filters')
  await page.getByTestId('listing-card').first().click()
  await page.getByTestId('availability').waitFor()
  await noScroll('the listing page')
  await shot(page, 'listing')
  expectClean(page)
  await page.context().close()
})

test('switching to English translates the search and listing pages', async () => {
  const shot = topShooter('owner-english')
  const page = await openPage(browser)
  await page.goto(`${BASE}/search?city=${encodeURIComponent(CITY)}&q=${fx.word}`)
  await page.getByTestId('listing-card').first().waitFor()
  assert.match(await page.locator('h1').innerText(), /找寄养/)
  await page.getByTestId('lang-switch').click()
  await page.getByTestId('lang-en').click()
  await page.locator('h1', { hasText: 'Find boarding' }).waitFor()
  await page.getByTestId('lang-en').waitFor({ state: 'hidden' })
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
