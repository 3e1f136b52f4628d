import type { Page } from '@playwright/test';

/**
 * How many records the outbox database of `clientId` holds, read by the page (0 when there is none). Records are
 * stored in chunks (`{ r: [[key, record], …] }`); a value without `r` is one record (the format of earlier builds).
 */
export function storedCount(page: Page, clientId: string): Promise<number> {
  return page.evaluate((name) => new Promise<number>((resolve, reject) => {
    const open = indexedDB.open(name);
    open.onupgradeneeded = () => open.result.createObjectStore('records');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('records')) return resolve(0);
      const req = db.transaction('records', 'readonly').objectStore('records').getAll();
      req.onsuccess = () => {
        db.close();
        resolve((req.result as Array<{ r?: unknown[] }>).reduce((n, v) => n + (v.r ? v.r.length : 1), 0));
      };
    };
  }), `webmqtt-outbox/${clientId}`);
}
