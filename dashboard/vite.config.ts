// The dashboard's build: `npm run build` (scripts/build.mjs) runs it into dist/dashboard, which
// `kanban serve` serves. `npx vite dashboard` serves it with live reload, passing /api to a
// running `kanban serve` (KANBAN_API, default http://127.0.0.1:8080).
import react from '@vitejs/plugin-react'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  root: here,
  // relative asset URLs: the page routes by its hash, so it works wherever the server mounts it
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    // the ELK worker is ~1.6 MB of already-minified code loaded only by the Graph view
    chunkSizeWarningLimit: 2048,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': { target: process.env.KANBAN_API ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
})
