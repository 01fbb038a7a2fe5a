/** What {@link drained} needs of a response: a Node `ServerResponse` fits. */
export interface DrainableResponse {
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Resolves when a Node response whose `write()` returned `false` can take
 * more (`drain`), or when it closed (a client that went away never drains).
 * Leaves no listener behind either way.
 *
 * @example
 * ```ts
 * if (!res.write(chunk)) await drained(res);
 * ```
 */
export function drained(res: DrainableResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
