// The same App rendered to a string in Node (built with `vite build --ssr`): what a server sends before hydration.
import { StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { App, type AppConfig } from './App';

export function render(config: AppConfig): string {
  return renderToString(
    <StrictMode>
      <App {...config} />
    </StrictMode>,
  );
}
