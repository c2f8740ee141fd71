/// <reference types="vitest" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// The build goes to dist/, which the wardsec binary serves (api.web_root). During
// development `npx vite` proxies the API to a running wardsec.
export default defineConfig({
  // Element Plus components (and their CSS) are imported where a template uses them, so the
  // login page does not carry the tables, pickers and drawers of the other pages.
  plugins: [vue(), Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false })],
  define: { __VUE_I18N_FULL_INSTALL__: true, __VUE_I18N_LEGACY_API__: false, __INTLIFY_PROD_DEVTOOLS__: false },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      output: {
        manualChunks: { echarts: ['echarts/core', 'echarts/charts', 'echarts/components', 'echarts/renderers'] },
      },
    },
  },
  server: {
    proxy: { '/api': { target: 'https://127.0.0.1:8443', secure: false, ws: true } },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.ts'],
    server: { deps: { inline: ['element-plus'] } }, // its per-component CSS imports go through vite
    testTimeout: 60000, // a page test transforms Element Plus on first import: slow on 2 busy cores
  },
})
