import { dateOfDay, dayNumber } from '../../../lib/calendar-periods.ts';
import { badInput, DomainError } from '../../../lib/errors.ts';

/** The worker attributes hcm keeps effective-dated (issue 21): each has its own history within the periods. */
export const datedAttributes = ['role_id', 'manager_id', 'cost_center_id', 'legal_entity_id', 'location', 'kind', 'calendar_id'] as const;
export type DatedAttribute = (typeof datedAttributes)[number];

/** Each attribute as the API names it (errors, `changedFields`). */
export const attributeNames = {
  role_id: 'roleId',
  manager_id: 'managerId',
  cost_center_id: 'costCenterId',
  legal_entity_id: 'legalEntityId',
  location: 'location',
  kind: 'kind',
  calendar_id: 'calendarId',
} as const satisfies Record<DatedAttribute, string>;

export interface DatedValues {
  role_id: string;
  manager_id: string | null;
  cost_center_id: string;
  legal_entity_id: string;
  location: string;
  kind: 'EMPLOYEE' | 'CONTRACTOR';
  calendar_id: string;
}

/** [effective_from, effective_to] (inclusive; effective_to null: open) with the values that hold in it. */
export interface DatedPeriod extends DatedValues {
  effective_from: string;
  effective_to: string | null;
}

/** A change of some attributes effective from `from` to `to` (inclusive), or from `from` on (`to` null). */
export interface DatedChange {
  from: string;
  to: string | null;
  values: Partial<DatedValues>;
}

const nextDay = (date: string) => dateOfDay(dayNumber(date) + 1);
const previousDay = (date: string) => dateOfDay(dayNumber(date) - 1);
const covers = (period: DatedPeriod, date: string) => period.effective_from <= date && (period.effective_to === null || date <= period.effective_to);

/** The period in effect on `date` (periods in date order); undefined before the first one (before the hire date). */
export const periodOn = <P extends DatedPeriod>(periods: readonly P[], date: string): P | undefined => periods.find((period) => covers(period, date));

/**
 * The values that hold today for the `worker` row: the period in effect today, else (not hired yet) the first one.
 */
export const valuesToday = <P extends DatedPeriod>(periods: readonly P[], today: string): P => periodOn(periods, today) ?? periods[0];

export const datedValuesOf = (period: DatedValues): DatedValues =>
  Object.fromEntries(datedAttributes.map((attribute) => [attribute, period[attribute]])) as unknown as DatedValues;

/** The attributes whose values differ between two periods. */
export const changedAttributes = (before: DatedValues, after: DatedValues): DatedAttribute[] =>
  datedAttributes.filter((attribute) => before[attribute] !== after[attribute]);

/** Cuts the period covering `date` (if it starts before) into the days before and from `date`. */
function splitAt(periods: DatedPeriod[], date: string): DatedPeriod[] {
  return periods.flatMap((period) =>
    covers(period, date) && period.effective_from < date
      ? [{ ...period, effective_to: previousDay(date) }, { ...period, effective_from: date }]
      : [period],
  );
}

/** Joins neighbours with the same values: one period per run of equal values. */
function merged(periods: readonly DatedPeriod[]): DatedPeriod[] {
  const result: DatedPeriod[] = [];
  for (const period of periods) {
    const last = result.at(-1);
    if (last && changedAttributes(last, period).length === 0) last.effective_to = period.effective_to;
    else result.push({ ...period });
  }
  return result;
}

/**
 * A worker's periods after a dated change (periods in date order, contiguous from the hire date). For each attribute
 * the change names, the rule:
 *   1/ the change must start within employment: on or after the hire date, on or before the termination date
 *      (BAD_USER_INPUT on `effectiveFrom`), and end on or after it starts (`effectiveTo`);
 *   2/ with an end date (a secondment, a temporary manager), the attribute takes the new value on every day of
 *      [from, to]; another change of that attribute already dated inside the window overlaps it: CONFLICT, naming it;
 *      after `to` the attribute keeps the values it had;
 *   3/ open-ended, the attribute takes the new value from `from` until the next later change of that attribute (a
 *      future-dated change already scheduled stays: a correction of the past does not undo it).
 * Other attributes keep their own histories; neighbouring periods with equal values are merged.
 */
export function applyDatedChange(
  periods: readonly DatedPeriod[],
  change: DatedChange,
  employment: { hireDate: string; terminationDate: string | null },
): DatedPeriod[] {
  const attributes = datedAttributes.filter((attribute) => change.values[attribute] !== undefined);
  if (attributes.length === 0) throw badInput('input', 'name at least one attribute to change');
  if (change.from < employment.hireDate) throw badInput('effectiveFrom', `is before the hire date ${employment.hireDate}`);
  if (employment.terminationDate !== null && change.from > employment.terminationDate) {
    throw badInput('effectiveFrom', `is after the termination date ${employment.terminationDate}`);
  }
  if (change.to !== null && change.to < change.from) throw badInput('effectiveTo', `must be on or after effectiveFrom (${change.from})`);

  let next = splitAt(periods.map((period) => ({ ...period })), change.from);
  if (change.to !== null) next = splitAt(next, nextDay(change.to));
  const start = next.findIndex((period) => period.effective_from === change.from);
  for (const attribute of attributes) {
    const previous = next[start][attribute];
    for (let i = start; i < next.length; i++) {
      const period = next[i];
      if (change.to !== null && period.effective_from > change.to) break;
      if (period[attribute] !== previous) {
        if (change.to === null) break;
        const name = attributeNames[attribute];
        throw new DomainError('CONFLICT', `${name} already changes on ${period.effective_from}, inside the period asked`, { field: 'effectiveTo' });
      }
      (period as unknown as Record<string, unknown>)[attribute] = change.values[attribute];
    }
  }
  return merged(next);
}

/**
 * The periods after the hire date moves: the first period starts on the new date. A later hire date may not pass the
 * next dated change (BAD_USER_INPUT: that change would fall before employment).
 */
export function rebaseOnHireDate(periods: readonly DatedPeriod[], hireDate: string): DatedPeriod[] {
  if (periods.length > 1 && hireDate >= periods[1].effective_from) {
    throw badInput('hireDate', `a dated change takes effect on ${periods[1].effective_from}; the hire date must be before it`);
  }
  return periods.map((period, index) => (index === 0 ? { ...period, effective_from: hireDate } : { ...period }));
}

/** A period as events and the API name its fields. */
export const periodSnapshot = (period: DatedPeriod) => ({
  effectiveFrom: period.effective_from,
  effectiveTo: period.effective_to,
  roleId: period.role_id,
  managerId: period.manager_id,
  costCenterId: period.cost_center_id,
  legalEntityId: period.legal_entity_id,
  location: period.location,
  kind: period.kind,
  calendarId: period.calendar_id,
});

/** The periods overlapping [from, to], in date order. */
export const periodsWithin = <P extends DatedPeriod>(periods: readonly P[], from: string, to: string): P[] =>
  periods.filter((period) => period.effective_from <= to && (period.effective_to === null || period.effective_to >= from));
