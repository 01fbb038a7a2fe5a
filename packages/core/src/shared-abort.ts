/**
 * One `abort` listener per signal, shared by every callback registered on it
 * (the event log's readers and the SSE adapters' streams use it).
 *
 * Many readers often share one signal (a server's shutdown signal passed to
 * every stream). A listener each would pile up on it — Node warns
 * (`MaxListenersExceededWarning`) past 10 — and cost a listener add and
 * remove per wait. Here the signal carries one listener for as long as any
 * callback is registered, and a callback costs a `Set` entry.
 */
interface Shared {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

const shared = new WeakMap<AbortSignal, Shared>();

/**
 * Calls `callback` once when `signal` aborts (the caller checks
 * `signal.aborted` first: nothing fires for a signal that already has).
 * Returns a function that unregisters it; the signal's one listener goes
 * away with the last callback.
 */
export function onSharedAbort(signal: AbortSignal, callback: () => void): () => void {
  let entry = shared.get(signal);
  if (!entry) {
    const callbacks = new Set<() => void>();
    const listener = (): void => {
      shared.delete(signal);
      const all = [...callbacks];
      callbacks.clear();
      for (const fn of all) fn();
    };
    entry = { callbacks, listener };
    shared.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { callbacks, listener } = entry;
  callbacks.add(callback);
  return () => {
    if (!callbacks.delete(callback) || callbacks.size > 0) return;
    if (shared.get(signal)?.callbacks !== callbacks) return;
    shared.delete(signal);
    signal.removeEventListener('abort', listener);
  };
}
