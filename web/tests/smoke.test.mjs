// The app loads in Chromium at / and at a deep link, in Chinese by default, switches to
// English, and shows the login form; no page logs an error.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, PHONE, expectClean, fitsWidth, launch, openPage, shooter, switchLanguage } from './harness.mjs'

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
  await page.goto(BASE + '/')
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
