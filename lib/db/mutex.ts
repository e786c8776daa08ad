/** A FIFO lock. PGlite is one session, so every Kysely connection on it must hold this for its whole lifetime. */
export class Mutex {
  #locked = false;
  readonly #waiters: Array<() => void> = [];

  async acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}
