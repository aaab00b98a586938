// The app loads in Chromium at / and at a deep link, in Chinese by default, switches to
// English, and shows the login form; no page logs an error. Both the app and the API explorer
// run under the gateway's Content-Security-Policy without a violation, and a violation would
// be caught.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, PHONE, eventually, expectClean, fitsWidth, launch, openPage, shooter, switchLanguage } from './harness.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

test('home page in Chinese, then English; deep link to the login page', async () => {
  const shot = shooter('smoke')
  const page = await openPage(browser)
  const res = await page.goto(BASE + '/')
  assert.match(res.headers()['content-security-policy'] ?? '', /script-src 'self';/)
  await assert.doesNotReject(page.getByTestId('brand').waitFor())
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN')
  assert.match(await page.getByTestId('brand').innerText(), /宠物寄养平台/)
  await shot(page, 'home-zh')
  await switchLanguage(page, 'en')
  await page.getByText('Pet Boarding').first().waitFor()
  assert.equal(await page.getAttribute('html', 'lang'), 'en')
  await shot(page, 'home-en')
  await page.goto(BASE + '/login')
  await page.getByTestId('login-username').waitFor()
  await shot(page, 'login-en')
  expectClean(page)
  await page.context().close()
})

test('the login page at 360 px', async () => {
  const shot = shooter('smoke-phone')
  const page = await openPage(browser, { viewport: PHONE })
  await page.goto(BASE + '/login')
  await page.getByTestId('login-submit').waitFor()
  await fitsWidth(page, 360)
  await shot(page, 'login-zh')
  expectClean(page)
  await page.context().close()
})

test('the policy is enforced and watched: an inline script is refused and reported', async () => {
  const page = await openPage(browser)
  await page.goto(BASE + '/login')
  await page.getByTestId('login-username').waitFor()
  expectClean(page)
  const ran = await page.evaluate(() => {
    const s = document.createElement('script')
    s.textContent = 'window.__pbInline = 1'
    document.head.appendChild(s)
    return window.__pbInline === 1
  })
  assert.equal(ran, false)
  await eventually('the violation report', () => page.problems.some((p) => /^CSP violation: .*script-src/.test(p)), 5000)
  await page.context().close()
})

test('the API explorer (Swagger UI at /docs/) under its policy', async () => {
  const shot = shooter('docs')
  const page = await openPage(browser)
  const res = await page.goto(BASE + '/docs/')
  assert.match(res.headers()['content-security-policy'] ?? '', /script-src 'self';/)
  assert.equal(res.headers()['x-frame-options'], 'DENY')
  await page.locator('.swagger-ui .info .title').first().waitFor()
  assert.match(await page.locator('.swagger-ui .info .title').first().innerText(), /Pet Boarding/)
  await page.locator('.opblock').first().waitFor()
  await shot(page, 'swagger-ui', { fullPage: false })
  expectClean(page)
  await page.context().close()
})
