import { type Logger, errorDetail } from '@claude-gateway/core';
import type { Redis } from 'ioredis';

/** One subscriber of a channel. */
export interface ChannelListener {
  onMessage(message: string): void;
  /**
   * Called after the subscriber connection came back (and its channels were
   * subscribed again): messages published meanwhile were lost, so a listener
   * re-reads the state it waits on.
   */
  onReconnect?(): void;
}

interface Channel {
  listeners: Set<ChannelListener>;
  /** Settles when the server confirmed the subscription. */
  subscribed: Promise<void>;
}

/**
 * The one pub/sub connection of a store set, shared by every waiter: a
 * channel is subscribed while at least one listener wants it.
 */
export class PubSubHub {
  readonly #subscriber: Redis;
  readonly #logger: Logger;
  readonly #channels = new Map<string, Channel>();
  // Subscribe and unsubscribe of one channel happen in call order.
  readonly #tails = new Map<string, Promise<unknown>>();
  #everReady = false;

  constructor(subscriber: Redis, logger: Logger) {
    this.#subscriber = subscriber;
    this.#logger = logger;
    subscriber.on('message', (channel: string, message: string) => {
      for (const listener of [...(this.#channels.get(channel)?.listeners ?? [])]) {
        listener.onMessage(message);
      }
    });
    subscriber.on('ready', () => {
      if (!this.#everReady) {
        this.#everReady = true;
        return;
      }
      // ioredis re-subscribes on reconnect; a PING answered after those
      // subscriptions means they are in place before anyone re-reads.
      subscriber
        .ping()
        .catch(() => undefined)
        .finally(() => {
          for (const channel of this.#channels.values()) {
            for (const listener of [...channel.listeners]) listener.onReconnect?.();
          }
        });
    });
  }

  #serial<T>(channel: string, step: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(channel) ?? Promise.resolve();
    const next = previous.then(step, step);
    const tail = next.catch(() => undefined);
    this.#tails.set(channel, tail);
    void tail.then(() => {
      if (this.#tails.get(channel) === tail) this.#tails.delete(channel);
    });
    return next;
  }

  /** Subscribes `listener`; resolves once messages on `channel` reach it, with the function that stops it. */
  async subscribe(channel: string, listener: ChannelListener): Promise<() => Promise<void>> {
    let entry = this.#channels.get(channel);
    if (!entry) {
      const created: Channel = {
        listeners: new Set(),
        subscribed: this.#serial(channel, async () => {
          await this.#subscriber.subscribe(channel);
        }),
      };
      entry = created;
      this.#channels.set(channel, created);
      created.subscribed.catch(() => {
        if (this.#channels.get(channel) === created) this.#channels.delete(channel);
      });
    }
    entry.listeners.add(listener);
    try {
      await entry.subscribed;
    } catch (error) {
      entry.listeners.delete(listener);
      throw error;
    }
    const subscribed = entry;
    let stopped = false;
    return async () => {
      if (stopped) return;
      stopped = true;
      subscribed.listeners.delete(listener);
      if (subscribed.listeners.size > 0 || this.#channels.get(channel) !== subscribed) return;
      this.#channels.delete(channel);
      await this.#serial(channel, async () => {
        // A new subscriber of the same channel may have come meanwhile.
        if (this.#channels.has(channel)) return;
        try {
          await this.#subscriber.unsubscribe(channel);
        } catch (error) {
          // A lost connection drops the subscription anyway.
          this.#logger.warn('claude-gateway: Redis unsubscribe failed', {
            channel,
            error: errorDetail(error),
          });
        }
      });
    };
  }
}
