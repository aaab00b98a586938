// The device names the account page's list of sessions shows (utils/device.js, pure: no browser).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { deviceName, isMobile } from '../src/utils/device.js'

const UA = {
  chromeWin: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  edgeWin: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  chromeIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  wechatAndroid: 'Mozilla/5.0 (Linux; Android 14; V2309A Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  headless: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
}

test('browser and system from common agents', () => {
  assert.equal(deviceName(UA.chromeWin), 'Chrome · Windows')
  assert.equal(deviceName(UA.edgeWin), 'Edge · Windows')
  assert.equal(deviceName(UA.safariMac), 'Safari · macOS')
  assert.equal(deviceName(UA.safariIphone), 'Safari · iPhone')
  assert.equal(deviceName(UA.chromeIos), 'Chrome · iPhone')
  assert.equal(deviceName(UA.wechatAndroid), 'WeChat · Android')
  assert.equal(deviceName(UA.firefoxLinux), 'Firefox · Linux')
  assert.equal(deviceName(UA.headless), 'Headless Chrome · Linux')
})

test('unknown or missing agents', () => {
  assert.equal(deviceName(null), null)
  assert.equal(deviceName(''), null)
  assert.equal(deviceName('pb-e2e/1.0'), null)
  assert.equal(deviceName('curl/8.5.0'), 'curl')
  assert.equal(isMobile(UA.safariIphone), true)
  assert.equal(isMobile(UA.chromeWin), false)
  assert.equal(isMobile(null), false)
})
