import type { ToolSourceCallOptions } from '@claude-gateway/core';
import type { InflightCall } from './client-features.js';

// setTimeout fires at once for delays past 2^31 - 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

type AbortListener = ((event: object) => void) | { handleEvent(event: object): void };

/**
 * @internal One tool call in flight: its abort signal (the caller's signal,
 * the connection closing, or a time limit ends it) and its time limits,
 * `idleMs` without progress and `totalMs` in all. The clocks stop while the
 * client itself holds the call up (a person answering an elicitation, a
 * sampling request): that time is not the server's. A {@link CallClock}
 * watches the limits of every call of a connection with one timer.
 *
 * The call is itself the signal handed to the MCP SDK's `request()`
 * ({@link requestSignal}): the SDK uses only `aborted`, `reason`,
 * `throwIfAborted` and an `abort` listener. One plain object per call, not
 * an `AbortController` (slow to make) nor a second object: on a local
 * server every object and function a call touches shows in its cost.
 * Anything else that needs the call's signal gets a real one
 * ({@link signal}).
 */
export class CallControl implements InflightCall {
  readonly context: NonNullable<ToolSourceCallOptions['context']> | undefined;
  /** The `progressToken` of the call's request; its progress notifications reach {@link progress}. */
  readonly progressToken: number;
  /** Why the call timed out, once it has. */
  expired: string | undefined = undefined;
  /** Whether the call was ended (caller, close, time limit). */
  aborted = false;
  /** Why, once {@link aborted}. */
  reason: unknown = undefined;
  /** The SDK's `abort` listeners, if any. */
  private listeners: AbortListener[] | undefined = undefined;
  /** A real signal for server requests (elicitation), made when first asked for. */
  private controller: AbortController | undefined = undefined;
  private readonly callerSignal: AbortSignal | undefined;
  private readonly onCallerAbort: (() => void) | undefined;
  private readonly clock: CallClock;
  private readonly idleMs: number;
  private readonly totalMs: number;
  private pauses = 0;
  private disposed = false;
  private usedMs = 0;
  private runningSince: number;
  private lastLife: number;

  constructor(
    clock: CallClock,
    callerSignal: AbortSignal | undefined,
    idleMs: number,
    totalMs: number,
    context: NonNullable<ToolSourceCallOptions['context']> | undefined,
  ) {
    this.context = context;
    this.clock = clock;
    this.idleMs = idleMs;
    this.totalMs = totalMs;
    this.callerSignal = callerSignal;
    if (callerSignal) {
      this.onCallerAbort = () => this.abort(callerSignal.reason);
      callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
    const now = performance.now();
    this.runningSince = now;
    this.lastLife = now;
    this.progressToken = clock.add(this, now);
  }

  /** Aborts when the call must end. */
  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      if (this.aborted) controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** The signal handed to the SDK's request: this call itself. */
  get requestSignal(): AbortSignal {
    return this as unknown as AbortSignal;
  }

  /** Part of the request signal: throws the reason once aborted. */
  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /** Part of the request signal: `abort` listeners only. */
  addEventListener(type: string, listener: AbortListener | null): void {
    if (type !== 'abort' || !listener || this.aborted) return;
    (this.listeners ??= []).push(listener);
  }

  /** Part of the request signal. */
  removeEventListener(type: string, listener: AbortListener | null): void {
    const listeners = this.listeners;
    const at = type === 'abort' && listener && listeners ? listeners.indexOf(listener) : -1;
    if (at !== -1) listeners!.splice(at, 1);
  }

  /** Ends the call: the caller aborted, the connection is closing, or a limit ran out. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) {
      const event = { type: 'abort', target: this };
      for (const listener of listeners) {
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      }
    }
    this.controller?.abort(reason);
  }

  /** A progress notification: the idle limit starts over (no timer is touched). */
  progress(): void {
    if (this.pauses === 0) this.lastLife = performance.now();
  }

  /** Stops both clocks until the matching {@link resume}. */
  pause(): void {
    if (this.pauses++ === 0) this.usedMs += performance.now() - this.runningSince;
  }

  resume(): void {
    if (this.pauses === 0) return;
    if (--this.pauses > 0) return;
    const now = performance.now();
    this.runningSince = now;
    this.lastLife = now;
    if (!this.disposed) this.clock.wake(this, now);
  }

  /** The call is over: the clock forgets it, the listener on the caller's signal goes. */
  dispose(): void {
    this.disposed = true;
    this.clock.delete(this);
    if (this.onCallerAbort) this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }

  /** When a limit runs out (`Infinity` while paused). */
  deadline(): number {
    if (this.pauses > 0) return Infinity;
    return Math.min(this.lastLife + this.idleMs, this.runningSince + this.totalMs - this.usedMs);
  }

  /** Ends the call when a limit ran out by `now`; returns whether it did. */
  expireBy(now: number): boolean {
    if (this.expired !== undefined) return true;
    if (this.pauses > 0) return false;
    const idleLeft = this.lastLife + this.idleMs - now;
    const totalLeft = this.totalMs - this.usedMs - (now - this.runningSince);
    if (idleLeft > 0 && totalLeft > 0) return false;
    this.expired =
      idleLeft <= totalLeft
        ? `no answer or progress within ${this.idleMs} ms`
        : `it ran over ${this.totalMs} ms in all`;
    this.abort(new Error(this.expired));
    return true;
  }
}

/**
 * @internal The calls in flight on one connection, and one timer for all
 * their limits, set for the earliest deadline. A call that ends leaves the
 * timer as it is (it finds nothing to do when it fires, or sets itself for
 * the next deadline), so back-to-back calls set no timer each. Unref'd: the
 * transport keeps the process alive while a call waits.
 */
export class CallClock implements Iterable<CallControl> {
  // An array, not a Map by token: a connection has a few calls in flight,
  // and a Map's set and delete cost more than the whole call's own clock work.
  readonly #calls: CallControl[] = [];
  #lastToken = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires (performance.now time). */
  #firesAt = Infinity;

  [Symbol.iterator](): Iterator<CallControl> {
    return this.#calls.values();
  }

  /** Tracks `call`; returns its progress token (unique on this connection). */
  add(call: CallControl, now: number): number {
    this.#calls.push(call);
    this.wake(call, now);
    return ++this.#lastToken;
  }

  delete(call: CallControl): void {
    const at = this.#calls.indexOf(call);
    if (at !== -1) this.#calls.splice(at, 1);
  }

  /** A progress notification: the call with that token (if still in flight) starts its idle limit over. */
  progress(token: string | number): void {
    const wanted = Number(token);
    for (const call of this.#calls) {
      if (call.progressToken === wanted) return call.progress();
    }
  }

  /** Makes sure the timer fires by `call`'s deadline. */
  wake(call: CallControl, now: number): void {
    const deadline = call.deadline();
    if (deadline < this.#firesAt) this.#arm(deadline, now);
  }

  /** Stops the timer (the connection is closing). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#firesAt = Infinity;
  }

  #arm(deadline: number, now: number): void {
    clearTimeout(this.#timer);
    this.#firesAt = deadline;
    this.#timer = setTimeout(this.#check, Math.min(MAX_TIMER_MS, Math.max(0, deadline - now)));
    this.#timer.unref?.();
  }

  readonly #check = (): void => {
    this.#timer = undefined;
    this.#firesAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    // A copy: an aborted call may leave the list while this runs.
    for (const call of [...this.#calls]) {
      // A call that ran out is aborted; its request settles and disposes it.
      if (!call.expireBy(now)) next = Math.min(next, call.deadline());
    }
    if (next !== Infinity) this.#arm(next, now);
  };
}
