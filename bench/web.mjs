// The web app's first-load weight per route (from dist/.vite/manifest.json, gzip: the .gz
// files scripts/web.sh writes beside the build and the gateway serves to browsers) and the time to the first search results in Chromium
// (performance mark 'pb:first-results' set by the search page), each run in a new browser
// context (cold cache), beside two references fetched from the same page: the search API call
// alone and nginx's static body. Prints Markdown tables. Run by bench/web.sh.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { createRequire } from 'node:module'

const require = createRequire(join(process.env.PB_WEB_DIR, '..', 'package.json'))
const { chromium } = require('playwright-core')

const DIST = process.env.PB_WEB_DIR
const GW = process.env.PB_GATEWAY
const RUNS = Number(process.env.PB_BENCH_RUNS || 15)
const manifest = JSON.parse(readFileSync(join(DIST, '.vite', 'manifest.json'), 'utf8'))

const gz = (file) =>
  existsSync(join(DIST, file + '.gz'))
    ? statSync(join(DIST, file + '.gz')).size
    : gzipSync(readFileSync(join(DIST, file)), { level: 9 }).length
const kb = (n) => (n / 1024).toFixed(1)

// every file a chunk needs: itself, its static imports (transitively), their CSS
function closure(key, seen = new Set()) {
  if (seen.has(key)) return seen
  seen.add(key)
  for (const k of manifest[key].imports || []) closure(k, seen)
  return seen
}
function files(keys) {
  const js = new Set()
  const css = new Set()
  for (const k of keys) {
    js.add(manifest[k].file)
    for (const c of manifest[k].css || []) css.add(c)
  }
  return { js, css }
}
const sum = (set) => [...set].reduce((a, f) => a + gz(f), 0)

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
const entry = closure(entryKey)
const entryFiles = files(entry)
console.log('\n### web: what a first visit downloads, per route (gzip)\n')
console.log('| route (view) | JS KB | CSS KB | first visit JS KB (entry + route) |')
console.log('|---|---:|---:|---:|')
console.log(`| entry (every page) | ${kb(sum(entryFiles.js))} | ${kb(sum(entryFiles.css))} | ${kb(sum(entryFiles.js))} |`)
const views = Object.keys(manifest).filter((k) => manifest[k].isDynamicEntry && k.includes('/views/')).sort()
for (const v of views) {
  const own = [...closure(v)].filter((k) => !entry.has(k))
  const f = files(own)
  const total = new Set([...entryFiles.js, ...f.js])
  console.log(`| ${v.replace('src/views/', '')} | ${kb(sum(f.js))} | ${kb(sum(f.css))} | ${kb(sum(total))} |`)
}

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-extensions', '--disable-dev-shm-usage']
const browser = await chromium.launch({ executablePath: process.env.PB_CHROMIUM || '/usr/bin/chromium', headless: true, args: ARGS })
const q = 'city=' + encodeURIComponent('北京')
const samples = { page: [], fcp: [], api: [], static: [] }
for (let i = 0; i < RUNS + 1; i++) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await ctx.newPage()
  await page.goto(`${GW}/search?${q}`)
  await page.waitForFunction(() => performance.getEntriesByName('pb:first-results').length > 0, null, { timeout: 30000 })
  const m = await page.evaluate(async (q) => {
    const mark = performance.getEntriesByName('pb:first-results')[0].startTime
    const fcp = (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime ?? null
    const t = async (url) => {
      const t0 = performance.now()
      const r = await fetch(url, { cache: 'no-store' })
      await r.text()
      return performance.now() - t0
    }
    return { mark, fcp, api: await t(`/api/v1/listings?${q}`), stat: await t('/bench/static') }
  }, q)
  if (i > 0) {
    // the first run warms the server's caches; every run has a cold browser
    samples.page.push(m.mark)
    if (m.fcp !== null) samples.fcp.push(m.fcp)
    samples.api.push(m.api)
    samples.static.push(m.stat)
  }
  await ctx.close()
}
await browser.close()
const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const row = (name, a) => `| ${name} | ${a.length} | ${pct(a, 50).toFixed(0)} | ${pct(a, 90).toFixed(0)} | ${Math.max(...a).toFixed(0)} |`
console.log(`\n### web: time to the first search results, headless Chromium, cold browser cache (${RUNS} runs)\n`)
console.log('| measurement | runs | p50 ms | p90 ms | max ms |')
console.log('|---|---:|---:|---:|---:|')
console.log(row('/search?city=北京: navigation → first result cards drawn', samples.page))
console.log(row('  of which first contentful paint', samples.fcp))
console.log(row('the same search as one API call from the page (reference)', samples.api))
console.log(row('nginx static body from the page (reference)', samples.static))
