// The SDK's hex helpers (sdk/src/bytes.ts) use Node's `Buffer`; the browser has none. Imported
// first by main.tsx, before any module that calls the SDK.
import { Buffer } from 'buffer';

const scope = globalThis as { Buffer?: unknown };
scope.Buffer ??= Buffer;
