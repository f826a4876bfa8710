import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by the gateway at /console; the dev server forwards API calls to a gateway on :3000.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000, sourcemap: false },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/console/settings.json': 'http://127.0.0.1:3000',
      '/console/demo-token': 'http://127.0.0.1:3000',
    },
  },
});
