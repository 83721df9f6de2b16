// The app's build: Vite 8, Preact (JSX through Vite's own transformer, no plugin), the SDK
// (file:../sdk, TypeScript sources) bundled from source.
//
// The gateway serves no CORS headers, so the app reaches it on its own origin under `/gateway`:
// the dev server and `vite preview` proxy that prefix to `TELEMED_GATEWAY_URL` (default
// http://127.0.0.1:8787, scripts/dev.sh --gateway). A static deployment does the same in its
// web server (README.md), or passes `?gateway=<url>` to a gateway that allows the app's origin.
import { defineConfig } from 'vite';

const gateway = process.env.TELEMED_GATEWAY_URL ?? 'http://127.0.0.1:8787';
const proxy = {
  '/gateway': {
    target: gateway,
    changeOrigin: true,
    // The consultation relay is a WebSocket (`/gateway/sessions/{id}/relay`).
    ws: true,
    rewrite: (path: string) => path.replace(/^\/gateway/, ''),
  },
};

export default defineConfig({
  // Relative asset URLs: the static build works under any path of any web server.
  base: './',
  resolve: {
    // One copy of @polkadot/* (and so one registry and one crypto init) for the app and the SDK.
    dedupe: ['@polkadot/api', '@polkadot/keyring', '@polkadot/util', '@polkadot/util-crypto', '@polkadot/types'],
  },
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  server: {
    host: '127.0.0.1',
    port: Number(process.env.TELEMED_APP_PORT ?? 5173),
    strictPort: false,
    fs: { allow: ['..'] },
    proxy,
  },
  preview: {
    host: '127.0.0.1',
    proxy,
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
  },
});
