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
  if (!pattern.test(a)) throw new Error(`not an event position: ${a}`);
  if (!pattern.test(b)) throw new Error(`not an event position: ${b}`);
  // Digit by digit rather than through BigInt: the live feed compares positions for every subscriber a change may
  // concern, and the parts may exceed Number's exact range.
  const aDash = a.indexOf('-');
  const bDash = b.indexOf('-');
  return compareDigits(a, 0, aDash, b, 0, bDash) || compareDigits(a, aDash + 1, a.length, b, bDash + 1, b.length);
}

/** Compares the unsigned decimal numbers a[aFrom, aTo) and b[bFrom, bTo), leading zeros ignored. */
function compareDigits(a: string, aFrom: number, aTo: number, b: string, bFrom: number, bTo: number): number {
  while (aFrom < aTo - 1 && a.charCodeAt(aFrom) === 48) aFrom++;
  while (bFrom < bTo - 1 && b.charCodeAt(bFrom) === 48) bFrom++;
  const longer = aTo - aFrom - (bTo - bFrom);
  if (longer !== 0) return longer < 0 ? -1 : 1;
  for (; aFrom < aTo; aFrom++, bFrom++) {
    const digit = a.charCodeAt(aFrom) - b.charCodeAt(bFrom);
    if (digit !== 0) return digit < 0 ? -1 : 1;
  }
  return 0;
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
