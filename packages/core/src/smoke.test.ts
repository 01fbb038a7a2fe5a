import { describe, expect, it } from 'vitest';
import { createEventLog } from './index.js';
describe('smoke', () => { it('works', async () => { const l = createEventLog(); await l.append({ type: 'text_delta', text: 'a' }); expect(l.lastSeq()).toBe(1); }); });
