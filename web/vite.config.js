// Builds src/ into dist/ with fingerprinted names under dist/assets/.
// Nothing inline: the daemon sends CSP default-src 'self', so the HTML
// may only point at files (modulePreload's polyfill would be inline).
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src',
  base: '/',
  publicDir: false,
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    // The manifest is moved out of dist/ by scripts/compress.mjs (it is
    // for scripts/size.mjs, not for browsers).
    manifest: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: true,
    target: 'es2020',
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // npm run dev: the console on Vite, the API on `make run`'s daemon.
    proxy: { '/v1': 'http://127.0.0.1:8692' },
  },
});
