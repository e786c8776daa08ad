import type { Kysely } from 'kysely';
import { requireRole, type Identity } from '../../lib/auth/identity.ts';
import { dayNumber, periodsWithin, type PeriodRange } from '../../lib/calendar-periods.ts';
import { fromScaled, percentOf, toScaled } from '../../lib/decimal.ts';
import { badInput } from '../../lib/errors.ts';
import { bookedHoursWithin, plannedHoursWithin, type PlannedWindow } from '../../lib/planned-hours.ts';
import type { PlanningFacts, PlanningSpan, PlanningWorker } from './planning-facts.ts';
import type { PsaDatabase } from './tables.ts';

export type CapacityGroupBy = 'WORKER' | 'ROLE' | 'COST_CENTER' | 'LEGAL_ENTITY' | 'LOCATION';
export type PlanningPeriod = 'WEEK' | 'MONTH';

/** Most days one planning question may span (two years: a rolling plan, not a history). */
const MAX_PLANNING_DAYS = 731;

const hours = (hundredths: bigint) => fromScaled(hundredths, 2);
/** A worker's (or one span's of their history) capacity in a period, in hundredths. */
const capacityOf = (holder: Pick<PlanningWorker, 'capacity'>, period: PeriodRange) => toScaled(holder.capacity.get(period.start) ?? '0', 2);

function assertRange(from: string, to: string) {
  if (to < from) throw badInput('to', `must be on or after from (${from})`);
  if (dayNumber(to) - dayNumber(from) + 1 > MAX_PLANNING_DAYS) throw badInput('to', `a planning range spans at most ${MAX_PLANNING_DAYS} days`);
}

/** Live assignments overlapping [from, to], of the given workers (all when null). One statement. */
function liveAssignments(db: Kysely<PsaDatabase>, from: string, to: string, workerIds: readonly string[] | null) {
  let query = db
    .selectFrom('assignment')
    .select(['id', 'worker_id', 'role_id', 'project_id', 'start_date', 'end_date', 'planned_hours', 'status'])
    .where('status', 'in', ['CONFIRMED', 'TENTATIVE'])
    .where('start_date', '<=', to)
    .where('end_date', '>=', from);
  if (workerIds) query = query.where('worker_id', 'in', workerIds.length ? workerIds : ['']);
  return query.execute();
}

/** An assignment row as the spreading rule reads it. */
export const windowOf = (row: { planned_hours: string | null; start_date: string; end_date: string }): PlannedWindow => ({
  plannedHours: row.planned_hours === null ? null : String(row.planned_hours),
  startDate: row.start_date,
  endDate: row.end_date,
});

export function createPlanningQueries(db: Kysely<PsaDatabase>, facts: PlanningFacts) {
  return {
    /** See `Query.availability` in schema/psa.graphql. */
    async availability(identity: Identity, args: { roleId: string; skills: readonly string[]; from: string; to: string; minHours: string }) {
      requireRole(identity, 'RESOURCE_MANAGER', 'MANAGER');
      assertRange(args.from, args.to);
      const minimum = toScaled(args.minHours, 2);
      const weeks = periodsWithin(args.from, args.to, 'WEEK');
      const workers = await facts.workers({ roleId: args.roleId, from: args.from, to: args.to, period: 'WEEK' });
      const assignments = await liveAssignments(db, args.from, args.to, workers.map((worker) => worker.id));
      const byWorker = new Map<string, typeof assignments>();
      for (const row of assignments) byWorker.set(row.worker_id, [...(byWorker.get(row.worker_id) ?? []), row]);
      const wanted = [...new Set(args.skills.map((skill) => skill.trim()).filter(Boolean))];
      const candidates = workers.map((worker) => {
        const own = byWorker.get(worker.id) ?? [];
        const perWeek = weeks.map((week) => {
          const capacity = capacityOf(worker, week);
          const sum = (status: string) => bookedHoursWithin(own.filter((row) => row.status === status).map(windowOf), week.start, week.end);
          const booked = sum('CONFIRMED');
          return { start: week.start, end: week.end, capacity, booked, tentative: sum('TENTATIVE') };
        });
        const total = (pick: (week: (typeof perWeek)[number]) => bigint) => perWeek.reduce((sum, week) => sum + pick(week), 0n);
        const held = new Set(worker.skills.map((skill) => skill.toLowerCase()));
        return {
          workerId: worker.id,
          name: worker.name,
          matchedSkills: wanted.filter((skill) => held.has(skill.toLowerCase())),
          missingSkills: wanted.filter((skill) => !held.has(skill.toLowerCase())),
          capacity: total((week) => week.capacity),
          booked: total((week) => week.booked),
          tentative: total((week) => week.tentative),
          weeks: perWeek,
        };
      });
      return candidates
        .filter((candidate) => candidate.capacity - candidate.booked >= minimum)
        .sort((a, b) => {
          const free = b.capacity - b.booked - (a.capacity - a.booked);
          return b.matchedSkills.length - a.matchedSkills.length || (free > 0n ? 1 : free < 0n ? -1 : 0) || a.name.localeCompare(b.name) || a.workerId.localeCompare(b.workerId);
        })
        .map((candidate) => ({
          worker: { id: candidate.workerId },
          matchedSkills: candidate.matchedSkills,
          missingSkills: candidate.missingSkills,
          capacityHours: hours(candidate.capacity),
          bookedHours: hours(candidate.booked),
          tentativeHours: hours(candidate.tentative),
          freeHours: hours(candidate.capacity - candidate.booked),
          weeks: candidate.weeks.map((week) => ({
            start: week.start, end: week.end, capacityHours: hours(week.capacity), bookedHours: hours(week.booked),
            tentativeHours: hours(week.tentative), freeHours: hours(week.capacity - week.booked),
          })),
        }));
    },

    /** See `Query.capacityVsDemand` in schema/psa.graphql. */
    async capacityVsDemand(identity: Identity, args: { groupBy: CapacityGroupBy; period: PlanningPeriod; from: string; to: string }) {
      requireRole(identity, 'RESOURCE_MANAGER', 'FINANCE');
      assertRange(args.from, args.to);
      const periods = periodsWithin(args.from, args.to, args.period);
      const workers = await facts.workers({ from: args.from, to: args.to, period: args.period });
      const [assignments, requests] = await Promise.all([
        liveAssignments(db, args.from, args.to, null),
        db
          .selectFrom('staffing_request')
          .leftJoin('project', 'project.id', 'staffing_request.project_id')
          .select(['staffing_request.id', 'staffing_request.role_id', 'staffing_request.hours', 'staffing_request.start_date', 'staffing_request.end_date',
            'staffing_request.demand', 'staffing_request.opportunity_id', 'project.legal_entity_id'])
          .where('staffing_request.status', '=', 'OPEN')
          .where('staffing_request.start_date', '<=', args.to)
          .where('staffing_request.end_date', '>=', args.from)
          .execute(),
      ]);
      const probabilities = await facts.probabilities(requests.filter((row) => row.demand === 'TENTATIVE' && row.opportunity_id).map((row) => row.opportunity_id!));

      // Grouped by the values in effect on each day (a worker who moves mid-range counts in each group for their days
      // there, capacity and assignments alike); WORKER groups by the worker.
      const keyOfSpan = (worker: PlanningWorker, span: PlanningSpan) =>
        args.groupBy === 'WORKER' ? worker.id : args.groupBy === 'ROLE' ? span.roleId : args.groupBy === 'COST_CENTER' ? span.costCenterId : args.groupBy === 'LEGAL_ENTITY' ? span.legalEntityId : span.location;
      const workersById = new Map(workers.map((worker) => [worker.id, worker]));
      interface Cell { workers: Set<string>; capacity: bigint; confirmed: bigint; tentative: bigint; weighted: bigint }
      const groups = new Map<string | null, Cell[]>();
      const cellsOf = (key: string | null) => {
        let cells = groups.get(key);
        if (!cells) groups.set(key, (cells = periods.map(() => ({ workers: new Set<string>(), capacity: 0n, confirmed: 0n, tentative: 0n, weighted: 0n }))));
        return cells;
      };
      for (const worker of workers) {
        for (const span of worker.spans) {
          const cells = cellsOf(keyOfSpan(worker, span));
          periods.forEach((period, index) => {
            cells[index].capacity += capacityOf(span, period);
            // The group's headcount in every period the span touches, not only who has capacity that week.
            if (span.from <= period.end && period.start <= span.to) cells[index].workers.add(worker.id);
          });
        }
      }
      const spread = (key: string | null, window: ReturnType<typeof windowOf>, within: { from: string; to: string } | null, add: (cell: Cell, share: bigint) => void) => {
        const cells = cellsOf(key);
        periods.forEach((period, index) => {
          const start = within && within.from > period.start ? within.from : period.start;
          const end = within && within.to < period.end ? within.to : period.end;
          if (start > end) return;
          const share = plannedHoursWithin(window, start, end);
          if (share !== 0n) add(cells[index], share);
        });
      };
      for (const row of assignments) {
        const add = (cell: Cell, share: bigint) => {
          if (row.status === 'CONFIRMED') cell.confirmed += share;
          else {
            cell.tentative += share;
            cell.weighted += share;
          }
        };
        const worker = workersById.get(row.worker_id);
        if (!worker) spread(null, windowOf(row), null, add);
        else for (const span of worker.spans) spread(keyOfSpan(worker, span), windowOf(row), span, add);
      }
      for (const row of requests) {
        const key = args.groupBy === 'ROLE' ? row.role_id : args.groupBy === 'LEGAL_ENTITY' ? row.legal_entity_id : null;
        const window = { plannedHours: String(row.hours), startDate: row.start_date, endDate: row.end_date };
        const probability = BigInt(row.opportunity_id ? (probabilities.get(row.opportunity_id) ?? 0) : 100);
        spread(key, window, null, (cell, share) => {
          if (row.demand === 'CONFIRMED') cell.confirmed += share;
          else {
            cell.tentative += share;
            cell.weighted += (2n * share * probability + 100n) / 200n;
          }
        });
      }
      const keyed = [...groups.entries()].sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)));
      return keyed.flatMap(([key, cells]) =>
        cells.map((cell, index) => {
          const capacity = hours(cell.capacity);
          return {
            worker: args.groupBy === 'WORKER' && key ? { id: key } : null,
            role: args.groupBy === 'ROLE' && key ? { id: key } : null,
            costCenter: args.groupBy === 'COST_CENTER' && key ? { id: key } : null,
            legalEntity: args.groupBy === 'LEGAL_ENTITY' && key ? { id: key } : null,
            location: args.groupBy === 'LOCATION' ? key : null,
            periodStart: periods[index].start,
            periodEnd: periods[index].end,
            workerCount: cell.workers.size,
            capacityHours: capacity,
            confirmedHours: hours(cell.confirmed),
            tentativeHours: hours(cell.tentative),
            weightedTentativeHours: hours(cell.weighted),
            gapHours: hours(cell.capacity - cell.confirmed - cell.weighted),
            utilization: percentOf(hours(cell.confirmed), capacity),
            forwardUtilization: percentOf(hours(cell.confirmed + cell.weighted), capacity),
          };
        }),
      );
    },
  };
}

export type PlanningQueries = ReturnType<typeof createPlanningQueries>;
