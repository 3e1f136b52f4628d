// What a user writes: StrictMode on, the app rendered (or hydrated over the server's HTML) into #root.
import { StrictMode } from 'react';
import { createRoot, hydrateRoot } from 'react-dom/client';
import { App, type AppConfig } from './App';

declare global {
  interface Window {
    startApp(config: AppConfig): void;
    appReady: boolean;
    /** Whatever React reported while hydrating (a mismatch is one). */
    hydrationErrors: string[];
  }
}

window.hydrationErrors = [];
window.startApp = (config) => {
  const root = document.getElementById('root')!;
  const app = (
    <StrictMode>
      <App {...config} />
    </StrictMode>
  );
  if (root.firstElementChild) {
    hydrateRoot(root, app, { onRecoverableError: (error) => void window.hydrationErrors.push(String((error as Error)?.message ?? error)) });
  } else {
    createRoot(root).render(app);
  }
};
window.appReady = true;
