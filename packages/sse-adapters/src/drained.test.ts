import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { drained } from './node.js';

describe('drained', () => {
  it.each(['drain', 'close'] as const)(
    'resolves on %s and leaves no listener behind',
    async (event) => {
      const res = new EventEmitter();
      let settled = false;
      const wait = drained(res).then(() => (settled = true));
      expect(res.listenerCount('drain') + res.listenerCount('close')).toBe(2);
      await Promise.resolve();
      expect(settled).toBe(false);
      res.emit(event);
      await wait;
      expect(settled).toBe(true);
      expect(res.listenerCount('drain') + res.listenerCount('close')).toBe(0);
    },
  );
});
