/// <reference types="vitest" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The build goes to dist/, which the wardsec binary serves (api.web_root). During
// development `npx vite` proxies the API to a running wardsec.
export default defineConfig({
  plugins: [vue()],
  define: { __VUE_I18N_FULL_INSTALL__: true, __VUE_I18N_LEGACY_API__: false, __INTLIFY_PROD_DEVTOOLS__: false },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1100, // element-plus is one chunk of ~1 MB (340 kB gzip), cached after the first load
    rollupOptions: {
      output: {
        manualChunks: { echarts: ['echarts/core', 'echarts/charts', 'echarts/components', 'echarts/renderers'], 'element-plus': ['element-plus'] },
      },
    },
  },
  server: {
    proxy: { '/api': { target: 'https://127.0.0.1:8443', secure: false, ws: true } },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.ts'],
  },
})
