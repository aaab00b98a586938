// Build of the web app (served by the nginx gateway at /) and of the API explorer (Swagger UI
// at /docs/). Element Plus components and their styles are imported on demand by the
// resolvers below, so each route's chunk carries only what it uses.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { swaggerUi } from './build/swagger-ui.js'

const gateway = process.env.PB_GATEWAY || 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [
    vue(),
    AutoImport({ resolvers: [ElementPlusResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
    swaggerUi(),
  ],
  build: {
    outDir: process.env.PB_WEB_OUT || 'dist',
    emptyOutDir: true,
    // a report of every chunk's size (bench/web.sh reads it)
    manifest: true,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/api': { target: gateway, changeOrigin: false },
      '/media': { target: gateway, changeOrigin: false },
    },
  },
})
