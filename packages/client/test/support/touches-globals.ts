// Positive control for module-scope.test.ts: a module that does touch globals when imported.
export const seen = typeof window === 'undefined' ? 'no window' : 'window';
export const timer = setTimeout(() => {}, 0);
clearTimeout(timer);
