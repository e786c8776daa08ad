import { checkDecimal, roundDecimal } from '../../lib/decimal.ts';
import { badInput } from '../../lib/errors.ts';
import type { ExternalRef } from '../../lib/external-refs.ts';
import { checkDate, checkEmail, checkInteger, checkText } from '../../lib/validate.ts';
import type { LeaveType, WorkerKind } from './tables.ts';

/**
 * hcm's mutation inputs and their field checks: each refuses with BAD_USER_INPUT naming the field, before any
 * transaction opens. Rules that need stored data (overlaps, cycles, uniqueness) live in `domain/` and `service.ts`.
 */
export interface SkillInput { skill: string; level: number }
export interface HolidayInput { date: string; name: string }
/** An input's references in other systems: a create's to attach, an update's to replace the set with. */
export interface WithExternalRefs { externalRefs?: ExternalRef[] | null }
/** One input of a bulk upsert: the reference it is keyed by, and the existing record to give it to, if any. */
export type UpsertInput<Input> = Input & { externalRef: ExternalRef; id?: string | null };
export interface LegalEntityInput extends WithExternalRefs { code?: string | null; name?: string | null; country?: string | null; currency?: string | null }
export interface CostCenterInput extends WithExternalRefs {
  code?: string | null;
  name?: string | null;
  legalEntityId?: string | null;
  legalEntityRef?: ExternalRef | null;
}
export interface RoleInput extends WithExternalRefs { code?: string | null; name?: string | null; targetUtilization?: string | null }
export interface CalendarInput { name?: string | null; hoursPerDay?: string | null; workingDays?: number[] | null; holidays?: HolidayInput[] | null }
export interface CostRateInput { amount: string; currency: string; effectiveFrom: string; effectiveTo?: string | null }
export interface LeaveInput { workerId?: string | null; workerRef?: ExternalRef | null; type: LeaveType; startDate: string; endDate: string; hoursPerDay?: string | null }

/** Omitted (undefined) fields stay; `managerId` and `terminationDate` set to null clear them. */
export interface WorkerInput extends WithExternalRefs {
  employeeNumber?: string | null;
  name?: string | null;
  email?: string | null;
  kind?: WorkerKind | null;
  roleId?: string | null;
  roleRef?: ExternalRef | null;
  managerId?: string | null;
  managerRef?: ExternalRef | null;
  costCenterId?: string | null;
  costCenterRef?: ExternalRef | null;
  legalEntityId?: string | null;
  legalEntityRef?: ExternalRef | null;
  location?: string | null;
  calendarId?: string | null;
  hireDate?: string | null;
  terminationDate?: string | null;
  /** Percent, 0-100, 2 decimals; null on update clears it (the role's target applies again). */
  targetUtilization?: string | null;
  skills?: SkillInput[] | null;
}

/**
 * A dated change of a worker's effective-dated attributes (`changeWorkerAttributes`): omitted fields keep their
 * history; `managerId: null` clears the manager over the window.
 */
export interface WorkerAttributesInput
  extends Pick<
    WorkerInput,
    'roleId' | 'roleRef' | 'managerId' | 'managerRef' | 'costCenterId' | 'costCenterRef' | 'legalEntityId' | 'legalEntityRef' | 'location' | 'kind' | 'calendarId'
  > {
  effectiveFrom: string;
  effectiveTo?: string | null;
}

export const required = <T>(field: string, value: T | null | undefined): T => {
  if (value == null) throw badInput(field, 'is required');
  return value;
};
export const checkCountry = (field: string, value: string) => {
  if (!/^[A-Z]{2}$/.test(value)) throw badInput(field, `"${value}" is not an ISO-3166 alpha-2 country code`);
  return value;
};
export const checkHoursPerDay = (field: string, value: string) => checkDecimal(field, value, { scale: 2, min: 'positive', max: '24' });
/** Percent, two places as stored ("75" → "75.00"), so an upsert of the same value compares equal. */
export const checkUtilization = (value: string) => roundDecimal(checkDecimal('targetUtilization', value, { scale: 2, min: 'zero', max: '100' }), 2);

export function checkWorkingDays(days: readonly number[]): number[] {
  if (days.length === 0) throw badInput('workingDays', 'at least one working day');
  days.forEach((day, index) => checkInteger(`workingDays[${index}]`, day, 1, 7));
  if (new Set(days).size !== days.length) throw badInput('workingDays', 'each weekday at most once');
  return [...days].sort((a, b) => a - b);
}

export function checkHolidays(holidays: readonly HolidayInput[]): HolidayInput[] {
  const checked = holidays.map((holiday, index) => ({
    date: checkDate(`holidays[${index}].date`, holiday.date),
    name: checkText(`holidays[${index}].name`, holiday.name),
  }));
  if (new Set(checked.map((holiday) => holiday.date)).size !== checked.length) throw badInput('holidays', 'each date at most once');
  return checked;
}

export function checkSkills(skills: readonly SkillInput[]): SkillInput[] {
  const checked = skills.map((entry, index) => ({
    skill: checkText(`skills[${index}].skill`, entry.skill, 100),
    level: checkInteger(`skills[${index}].level`, entry.level, 1, 5),
  }));
  if (new Set(checked.map((entry) => entry.skill.toLowerCase())).size !== checked.length) throw badInput('skills', 'each skill at most once');
  return checked;
}

/** The worker's own fields, validated; only those present in `input`. */
export function checkWorkerFields(input: WorkerInput) {
  return {
    ...(input.employeeNumber != null ? { employee_number: checkText('employeeNumber', input.employeeNumber, 40) } : {}),
    ...(input.name != null ? { name: checkText('name', input.name) } : {}),
    ...(input.email != null ? { email: checkEmail('email', checkText('email', input.email, 320))! } : {}),
    ...(input.kind != null ? { kind: input.kind } : {}),
    ...(input.location != null ? { location: checkText('location', input.location, 100) } : {}),
    ...(input.hireDate != null ? { hire_date: checkDate('hireDate', input.hireDate) } : {}),
    ...(input.terminationDate != null ? { termination_date: checkDate('terminationDate', input.terminationDate) } : {}),
    ...(input.targetUtilization !== undefined
      ? { target_utilization: input.targetUtilization === null ? null : checkUtilization(input.targetUtilization) }
      : {}),
  };
}
