/**
 * Small AbortSignal helpers shared by the runner's parts. Internal: not
 * exported from the package.
 */

/** Thrown (internally) when a wait ends because its signal aborted. */
export class AbortedError extends Error {
  constructor(message = 'aborted') {
    super(message);
    this.name = 'AbortedError';
  }
}

/**
 * Aborts `target` when `source` aborts (or at once when it already has).
 * Returns a function that removes the listener.
 */
export function linkAbort(source: AbortSignal | undefined, target: AbortController): () => void {
  if (!source) return () => {};
  if (source.aborted) {
    target.abort(source.reason);
    return () => {};
  }
  const onAbort = (): void => target.abort(source.reason);
  source.addEventListener('abort', onAbort, { once: true });
  return () => source.removeEventListener('abort', onAbort);
}

/**
 * Settles like `promise`, or rejects with {@link AbortedError} as soon as
 * `signal` aborts — without waiting for `promise`, whose later rejection is
 * swallowed so it can never become unhandled.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(new AbortedError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Waits `ms`, or rejects with {@link AbortedError} as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new AbortedError());
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * One listener on `source`, fanned out to any number of child signals. Work
 * that runs concurrently (sub-agent calls of one turn) takes a child each, so
 * the listeners it adds land on its own signal and never pile up on
 * `source` — Node warns (`MaxListenersExceededWarning`) past 10 on one signal.
 */
export class AbortFanOut {
  readonly #children = new Set<AbortController>();
  readonly #unlink: () => void;
  #reason: unknown;
  #aborted = false;

  constructor(source: AbortSignal) {
    const onAbort = (): void => {
      this.#aborted = true;
      this.#reason = source.reason;
      for (const child of this.#children) child.abort(source.reason);
      this.#children.clear();
    };
    if (source.aborted) {
      onAbort();
      this.#unlink = () => {};
    } else {
      source.addEventListener('abort', onAbort, { once: true });
      this.#unlink = () => source.removeEventListener('abort', onAbort);
    }
  }

  /** A signal that aborts with the source; `release()` when done with it. */
  child(): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    if (this.#aborted) controller.abort(this.#reason);
    else this.#children.add(controller);
    return { signal: controller.signal, release: () => this.#children.delete(controller) };
  }

  /** Removes the listener from the source. */
  close(): void {
    this.#unlink();
    this.#children.clear();
  }
}
