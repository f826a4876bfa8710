import { useSyncExternalStore } from 'react';

/** A small history router under /console: pages are plain paths, so links can be shared and reloaded. */
const BASE = '/console';
const listeners = new Set<() => void>();

function notify(): void {
  for (const l of listeners) l();
}

window.addEventListener('popstate', notify);

export function navigate(path: string): void {
  window.history.pushState(null, '', BASE + path);
  notify();
  window.scrollTo(0, 0);
}

export function usePath(): string {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => {
      const p = window.location.pathname;
      const rest = p.startsWith(BASE) ? p.slice(BASE.length) : p;
      return rest === '' ? '/' : rest;
    },
  );
}

export function href(path: string): string {
  return BASE + path;
}
