import { callerOf, type Identity } from '../../lib/auth/identity.ts';

/** The graphql-ws close code of a connection refused at `connection_init` because its identity holds too many. */
export const tooManyConnectionsCode = 4429;
export const tooManyConnectionsReason = 'too many connections for this identity';

/** Whose connections count together: one caller's (lib/auth/identity.ts `callerOf`). */
export const connectionOwner = callerOf;

/**
 * Live connections per identity on this gateway instance, graphql-ws sockets and SSE streams together: one client
 * cannot take the instance's sockets and memory from the others. Each `acquire` that succeeded is `release`d once,
 * when its connection closes.
 */
export class ConnectionLimiter {
  readonly #max: number;
  readonly #held = new Map<string, number>();
  #total = 0;

  constructor(maxPerIdentity: number) {
    this.#max = maxPerIdentity;
  }

  get maxPerIdentity(): number {
    return this.#max;
  }

  /** Live connections on this instance, of every identity. */
  get total(): number {
    return this.#total;
  }

  /** Counts a new connection of `identity`; false (and nothing counted) when it already holds the maximum. */
  acquire(identity: Identity): boolean {
    const owner = connectionOwner(identity);
    const held = this.#held.get(owner) ?? 0;
    if (held >= this.#max) return false;
    this.#held.set(owner, held + 1);
    this.#total++;
    return true;
  }

  release(identity: Identity) {
    const owner = connectionOwner(identity);
    const held = this.#held.get(owner) ?? 0;
    if (held === 0) return;
    if (held === 1) this.#held.delete(owner);
    else this.#held.set(owner, held - 1);
    this.#total--;
  }
}
