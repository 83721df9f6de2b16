import './polyfill.ts';
import './styles.css';
import { render } from 'preact';
import { configFrom } from './config.ts';
import { App } from './ui/App.tsx';

const root = document.getElementById('app')!;
try {
  const config = configFrom(location.search, import.meta.env as Record<string, string | undefined>);
  render(<App config={config} />, root);
} catch (e) {
  root.textContent = e instanceof Error ? e.message : String(e);
}
