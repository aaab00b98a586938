// The signed-in devices on the account page: an owner signed in in two browsers sees both, this
// one marked current, signs the other out (after a confirmation) and that browser's next call
// sends it back to the login page; at 360 px a phone sees the list too, and a password change
// on the first browser signs the phone out and says so.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, PHONE, expectClean, field, fitsWidth, launch, loginUi, openPage, registerUi, settle, shooter } from './harness.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

// The account page's list of devices, once loaded with `n` of them.
async function sessionsShown(page, n) {
  const list = page.getByTestId('sessions')
  await list.waitFor()
  await page.waitForFunction((k) => document.querySelectorAll('[data-test="session"]').length === k, n)
  return list
}

async function confirmBox(page) {
  await page.locator('.el-message-box').waitFor()
  await page.locator('.el-message-box .el-button--primary').click()
  await page.locator('.el-message-box').waitFor({ state: 'hidden' })
}

test('an owner in two browsers signs the other one out; it is sent to the login page', async () => {
  const shot = shooter('sessions')
  const A = await openPage(browser)
  const username = await registerUi(A, { prefix: 'wsess', displayName: '设备测试' }) // session 1
  const B = await openPage(browser)
  await loginUi(B, username) // session 2
  await B.goto(`${BASE}/account`)
  await sessionsShown(B, 2)

  await A.goto(`${BASE}/account`)
  const list = await sessionsShown(A, 2)
  const current = list.locator('[data-test="session"][data-current="true"]')
  const other = list.locator('[data-test="session"][data-current="false"]')
  assert.equal(await current.count(), 1)
  assert.equal(await other.count(), 1)
  assert.equal(await current.getByTestId('session-current').innerText(), '当前设备')
  assert.equal(await current.getByTestId('session-end').count(), 0, 'the current device has no sign-out button')
  assert.match(await current.getByTestId('session-device').innerText(), /Chrome · Linux/)
  assert.match(await other.innerText(), /最近使用/)
  await list.scrollIntoViewIfNeeded()
  await shot(A, 'two-devices')

  // A signs B out
  await other.getByTestId('session-end').click()
  await A.locator('.el-message-box').waitFor()
  assert.match(await A.locator('.el-message-box').innerText(), /退出登录/)
  await shot(A, 'confirm', { fullPage: false })
  await confirmBox(A)
  await sessionsShown(A, 1)
  assert.equal(await list.locator('[data-current="true"]').count(), 1)
  assert.equal(await A.getByTestId('sessions-end-others').count(), 0, 'no other device to sign out')
  await shot(A, 'one-device')

  // B's next call (saving its profile) is refused, its refresh token is spent: the login page
  B.allowedProblems.push(/status of 401/)
  await field(B, 'account-display-name').fill('另一台设备')
  await B.getByTestId('account-save').click()
  await B.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('expired') === '1')
  await B.getByText('登录已过期，请重新登录').waitFor()
  assert.equal(await B.evaluate(() => localStorage.getItem('pb.session')), null, 'B keeps no tokens')
  await shot(B, 'signed-out-device')
  expectClean(A)
  expectClean(B)

  // a phone at 360 px signs in too: two devices again, the list fits
  const P = await openPage(browser, { viewport: PHONE })
  await loginUi(P, username)
  await P.goto(`${BASE}/account`)
  const plist = await sessionsShown(P, 2)
  await fitsWidth(P, 360)
  await plist.scrollIntoViewIfNeeded()
  await settle(P)
  await P.mouse.move(359, 739)
  await plist.screenshot({ path: (await shot(P, 'phone')).replace(/\.png$/, '-section.png') })

  // a password change on A signs the phone out, and A is told so
  await A.reload()
  await sessionsShown(A, 2)
  await field(A, 'account-current-password').fill('PetTest2024')
  await field(A, 'account-new-password').fill('PetTest2025x')
  await field(A, 'account-confirm-password').fill('PetTest2025x')
  await A.getByTestId('account-password-save').click()
  await A.getByText('密码已修改，其他设备已退出登录').waitFor()
  await sessionsShown(A, 1)
  await shot(A, 'password-changed', { fullPage: false })
  P.allowedProblems.push(/status of 401/)
  await P.reload()
  await P.waitForURL((u) => u.pathname === '/login')
  expectClean(A)
  expectClean(P)
  for (const p of [A, B, P]) await p.context().close()
})
