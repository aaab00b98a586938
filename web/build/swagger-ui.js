// A Vite plugin that writes the API explorer into <outDir>/docs/: Swagger UI's files from the
// swagger-ui-dist package (the lock pins its version) and a page that opens the public and the
// internal OpenAPI documents, which nginx serves from the repository's docs/ folder. The page
// has no inline script, so it runs under a Content-Security-Policy of script-src 'self'.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'

const FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png']

const INDEX = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>宠物寄养平台 API · Swagger UI</title>
  <link rel="icon" type="image/png" href="favicon-32x32.png">
  <link rel="stylesheet" href="swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="swagger-ui-bundle.js"></script>
  <script src="swagger-ui-standalone-preset.js"></script>
  <script src="init.js"></script>
</body>
</html>
`

const INIT = `// Opens the public API (the gateway's contract) first; the internal one is for service authors.
window.ui = SwaggerUIBundle({
  urls: [
    { url: '/docs/openapi.yaml', name: 'Public API (/api/v1)' },
    { url: '/docs/internal.openapi.yaml', name: 'Internal API (/internal/v1, service to service)' },
  ],
  'urls.primaryName': 'Public API (/api/v1)',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
  persistAuthorization: false,
  // no badge from validator.swagger.io: the page's policy allows images from the gateway only
  validatorUrl: null,
})
`

export function swaggerUi() {
  let outDir
  return {
    name: 'pb-swagger-ui',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir)
    },
    closeBundle() {
      const require = createRequire(import.meta.url)
      const src = dirname(require.resolve('swagger-ui-dist/package.json'))
      const dst = join(outDir, 'docs')
      mkdirSync(dst, { recursive: true })
      for (const f of FILES) copyFileSync(join(src, f), join(dst, f))
      writeFileSync(join(dst, 'index.html'), INDEX)
      writeFileSync(join(dst, 'init.js'), INIT)
    },
  }
}
