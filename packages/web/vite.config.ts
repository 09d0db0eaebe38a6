import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by `flywheel server` under /ui/; `npm run dev -w @flywheel/web` proxies the API to a server on :5000.
export default defineConfig({
  base: '/ui/',
  plugins: [react()],
  resolve: { conditions: ['flywheel-source'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        // Charts are large and used by a few pages: their own chunks, cached across releases of the app code.
        manualChunks: { echarts: ['echarts'], uplot: ['uplot'], react: ['react', 'react-dom', 'react-router-dom'] },
      },
    },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:5000', '/ajax-api': 'http://127.0.0.1:5000', '/v2': 'http://127.0.0.1:5000', '/metrics': 'http://127.0.0.1:5000' },
  },
});
