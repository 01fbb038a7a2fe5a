/** What {@link anySignal} returns. */
export interface CombinedSignal {
  /** Aborts, with that signal's reason, as soon as any input signal aborts. */
  signal: AbortSignal;
  /** Removes the listeners left on the inputs; call it once the signal is no longer needed. */
  dispose: () => void;
}

/**
 * @internal Combines abort signals, like `AbortSignal.any` (which needs
 * Node 20.3; `engines` says `>=20`). Unlike `AbortSignal.any`, the listeners
 * on long-lived inputs (the manager's close signal) are removed by `dispose()`
 * rather than left to the garbage collector.
 */
export function anySignal(signals: readonly (AbortSignal | undefined)[]): CombinedSignal {
  const controller = new AbortController();
  const inputs = signals.filter((s): s is AbortSignal => s !== undefined);
  const listeners: [AbortSignal, () => void][] = [];
  const dispose = () => {
    for (const [input, listener] of listeners.splice(0)) {
      input.removeEventListener('abort', listener);
    }
  };
  for (const input of inputs) {
    if (input.aborted) {
      controller.abort(input.reason);
      dispose();
      break;
    }
    const listener = () => {
      controller.abort(input.reason);
      dispose();
    };
    input.addEventListener('abort', listener, { once: true });
    listeners.push([input, listener]);
  }
  return { signal: controller.signal, dispose };
}
