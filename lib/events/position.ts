/**
 * Where an event sits on the bus, `<milliseconds>-<sequence>`: a Redis stream entry id, and the in-process bus numbers
 * its events the same way. Positions increase in publish order; compare them with `comparePositions`, never as text.
 */
export type EventPosition = string;

const pattern = /^(\d{1,16})-(\d{1,16})$/;

export const isPosition = (value: unknown): value is EventPosition => typeof value === 'string' && pattern.test(value);

const partsOf = (position: EventPosition): [bigint, bigint] => {
  const match = pattern.exec(position);
  if (!match) throw new Error(`not an event position: ${position}`);
  return [BigInt(match[1]), BigInt(match[2])];
};

export function comparePositions(a: EventPosition, b: EventPosition): number {
  const [aMs, aSeq] = partsOf(a);
  const [bMs, bSeq] = partsOf(b);
  return aMs === bMs ? (aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1) : aMs < bMs ? -1 : 1;
}

/** When the event was published (the milliseconds part). */
export const positionTime = (position: EventPosition): number => Number(partsOf(position)[0]);

/** Numbers events as Redis numbers stream entries: the clock's millisecond, a sequence within it, never backwards. */
export class PositionClock {
  #ms = 0;
  #seq = 0;

  next(now: number = Date.now()): EventPosition {
    if (now > this.#ms) {
      this.#ms = now;
      this.#seq = 0;
    } else {
      this.#seq++;
    }
    return `${this.#ms}-${this.#seq}`;
  }
}
