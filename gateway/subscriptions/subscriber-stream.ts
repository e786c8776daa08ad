import type { FormattedExecutionResult } from 'graphql';

/**
 * A subscriber's results as graphql-ws (or the SSE handler) consumes them: an async iterator whose `return` ends it at
 * once (an async generator waiting for its next event could not be ended until one arrived). At most `maxQueued`
 * results wait; past that the queue is dropped and the stream ends with a SLOW_CONSUMER error, so memory stays bounded.
 */
export class SubscriberStream implements AsyncIterableIterator<FormattedExecutionResult> {
  readonly #queue: FormattedExecutionResult[] = [];
  readonly #maxQueued: number;
  readonly #onEnd: () => void;
  #waiting: ((result: IteratorResult<FormattedExecutionResult>) => void) | null = null;
  #ended = false;
  /** The error result the stream ends with, once the results before it are read. */
  #final: FormattedExecutionResult | null = null;

  constructor(maxQueued: number, onEnd: () => void) {
    this.#maxQueued = maxQueued;
    this.#onEnd = onEnd;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Results waiting to be read. */
  get queued(): number {
    return this.#queue.length;
  }

  push(result: FormattedExecutionResult) {
    if (this.#ended) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve({ value: result, done: false });
      return;
    }
    if (this.#queue.length >= this.#maxQueued) {
      this.overflow();
      return;
    }
    this.#queue.push(result);
  }

  /** Drops what is queued and ends the stream with SLOW_CONSUMER: more than `maxQueued` results were waiting. */
  overflow() {
    this.#queue.length = 0;
    this.fail(
      `more than ${this.#maxQueued} results were waiting for this subscriber: the subscription ended; subscribe again with \`after\` set to the last cursor received`,
      'SLOW_CONSUMER',
    );
  }

  /** Ends the stream after what is queued with one result carrying only this error. */
  fail(message: string, code: string) {
    if (this.#ended) return;
    const final: FormattedExecutionResult = { errors: [{ message, extensions: { code } }] };
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      resolve({ value: final, done: false });
    } else {
      this.#final = final;
    }
    this.end();
  }

  next(): Promise<IteratorResult<FormattedExecutionResult>> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    const final = this.#final;
    this.#final = null;
    if (final) return Promise.resolve({ value: final, done: false });
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  async return(): Promise<IteratorResult<FormattedExecutionResult>> {
    this.end();
    this.#queue.length = 0;
    this.#final = null;
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<FormattedExecutionResult>> {
    this.end();
    throw error;
  }

  end() {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd();
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.({ value: undefined, done: true });
  }
}
