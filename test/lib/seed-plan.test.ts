import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { DemoFirm, DemoTimeEntry } from '../../lib/seed/demo-firm.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';

const DAY = 86_400_000;
const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;
const isoOf = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
const isoWeekday = (iso: string) => ((new Date(`${iso}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
const mondayOf = (iso: string) => dayOf(iso) - isoWeekday(iso) + 1;
const within = (date: string, from: string, to: string | null) => date >= from && (to === null || date <= to);
const byId = <T extends { id: string }>(rows: readonly T[]) => new Map(rows.map((row) => [row.id, row]));
const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/;

function digestOf(entries: Iterable<DemoTimeEntry>): { digest: string; count: number } {
  const hash = createHash('sha256');
  let count = 0;
  for (const entry of entries) {
    hash.update(JSON.stringify(entry));
    count++;
  }
  return { digest: hash.digest('hex'), count };
}

/** Every plan id, for uniqueness: rows of every kind, rate cards, and the time entries. */
function allIds(firm: DemoFirm): string[] {
  const lists = [
    firm.legalEntities, firm.costCenters, firm.calendars, firm.roles, firm.workers, firm.leaves, firm.customers, firm.contacts,
    firm.opportunities, firm.contracts, firm.projects, firm.tasks, firm.assignments, firm.milestones, firm.staffingRequests, firm.expenses,
  ];
  return [...lists.flatMap((rows) => rows.map((row) => row.id)), ...firm.contracts.map((contract) => contract.rateCardId), ...[...firm.timeEntries()].map((entry) => entry.id)];
}

/**
 * The plan's invariants: references resolve, reporting lines are a forest of 3–8 reports, rates and windows cover
 * the time, and entries respect calendars, leave, employment, statuses by age and daily limits.
 */
function checkInvariants(firm: DemoFirm, options: { realisticHours: boolean }) {
  const entities = byId(firm.legalEntities), centers = byId(firm.costCenters), calendars = byId(firm.calendars), roles = byId(firm.roles);
  const workers = byId(firm.workers), customers = byId(firm.customers), contracts = byId(firm.contracts), projects = byId(firm.projects);
  const tasks = byId(firm.tasks), assignments = byId(firm.assignments), opportunities = byId(firm.opportunities);
  const ok = <T>(map: Map<string, T>, id: string | null, what: string): T => {
    assert.ok(id !== null && map.has(id), `${what} ${id} does not resolve`);
    return map.get(id!)!;
  };

  // References.
  for (const center of firm.costCenters) ok(entities, center.legalEntityId, 'cost center legal entity');
  for (const worker of firm.workers) {
    const entity = ok(entities, worker.legalEntityId, 'worker legal entity');
    ok(roles, worker.roleId, 'worker role');
    ok(calendars, worker.calendarId, 'worker calendar');
    assert.equal(ok(centers, worker.costCenterId, 'worker cost center').legalEntityId, entity.id, `${worker.name}: cost center of another entity`);
    if (worker.managerId !== null) {
      const manager = ok(workers, worker.managerId, 'manager');
      assert.equal(manager.legalEntityId, worker.legalEntityId, `${worker.name} reports across entities`);
      assert.equal(manager.status, 'ACTIVE', `${worker.name} reports to an inactive manager`);
    }
    assert.ok(worker.accessRoles.includes('WORKER'));
    // Cost rates: the entity's currency, contiguous, from the hire date, to the termination date.
    assert.ok(worker.costRates.length > 0);
    assert.equal(worker.costRates[0].effectiveFrom, worker.hireDate);
    worker.costRates.forEach((rate, i) => {
      assert.equal(rate.currency, entity.currency, `${worker.name}: cost rate in ${rate.currency}, entity in ${entity.currency}`);
      assert.match(rate.amount, /^\d+\.\d{2}$/);
      const next = worker.costRates[i + 1];
      if (next) assert.equal(dayOf(next.effectiveFrom), dayOf(rate.effectiveTo!) + 1, `${worker.name}: cost rates not contiguous`);
      else assert.equal(rate.effectiveTo, worker.terminationDate);
    });
    if (worker.terminationDate) assert.equal(worker.status, 'INACTIVE');
  }
  for (const leave of firm.leaves) {
    ok(workers, leave.workerId, 'leave worker');
    assert.ok(leave.startDate <= leave.endDate, `leave ${leave.id} ends before it starts`);
  }
  for (const customer of firm.customers) if (customer.parentId !== null) ok(customers, customer.parentId, 'customer parent');
  for (const contact of firm.contacts) ok(customers, contact.customerId, 'contact customer');
  for (const opportunity of firm.opportunities) {
    ok(customers, opportunity.customerId, 'opportunity customer');
    ok(entities, opportunity.legalEntityId, 'opportunity legal entity');
    for (const line of opportunity.estimatedHours) ok(roles, line.roleId, 'estimated role');
    if (opportunity.contractId !== null) assert.equal(ok(contracts, opportunity.contractId, 'won contract').opportunityId, opportunity.id);
    assert.equal(opportunity.stage === 'CLOSED_WON', opportunity.contractId !== null);
  }
  for (const contract of firm.contracts) {
    ok(customers, contract.customerId, 'contract customer');
    ok(entities, contract.legalEntityId, 'contract legal entity');
    if (contract.opportunityId !== null) assert.equal(ok(opportunities, contract.opportunityId, 'contract opportunity').contractId, contract.id);
    assert.ok(contract.endDate === null || contract.startDate <= contract.endDate);
    for (const rate of contract.rates) {
      ok(roles, rate.roleId, 'rate role');
      assert.ok(rate.effectiveFrom >= contract.startDate && (rate.effectiveTo === null || rate.effectiveFrom <= rate.effectiveTo));
      const clash = contract.rates.find((other) => other !== rate && other.roleId === rate.roleId && within(other.effectiveFrom, rate.effectiveFrom, rate.effectiveTo));
      assert.equal(clash, undefined, `${contract.number}: overlapping rates for one role`);
    }
  }
  for (const project of firm.projects) {
    const contract = ok(contracts, project.contractId, 'project contract');
    ok(customers, project.customerId, 'project customer');
    assert.equal(ok(workers, project.managerId, 'project manager').legalEntityId, project.legalEntityId);
    assert.deepEqual([project.customerId, project.billingMethod, project.legalEntityId, project.currency], [contract.customerId, contract.billingMethod, contract.legalEntityId, contract.currency]);
    assert.ok(project.startDate >= contract.startDate && (contract.endDate === null || (project.endDate !== null && project.endDate <= contract.endDate)));
  }
  for (const task of firm.tasks) ok(projects, task.projectId, 'task project');
  for (const assignment of firm.assignments) {
    const project = ok(projects, assignment.projectId, 'assignment project');
    const worker = ok(workers, assignment.workerId, 'assignment worker');
    ok(roles, assignment.roleId, 'assignment role');
    assert.ok(assignment.startDate <= assignment.endDate);
    assert.ok(within(assignment.startDate, project.startDate, project.endDate) && within(assignment.endDate, project.startDate, project.endDate), `assignment ${assignment.id} outside its project`);
    assert.ok(within(assignment.startDate, worker.hireDate, worker.terminationDate) && within(assignment.endDate, worker.hireDate, worker.terminationDate), `assignment ${assignment.id} outside employment`);
    if (project.status === 'DRAFT') assert.equal(assignment.status, 'TENTATIVE');
  }
  for (const milestone of firm.milestones) assert.equal(ok(projects, milestone.projectId, 'milestone project').billingMethod, 'FIXED_FEE');
  for (const request of firm.staffingRequests) {
    ok(roles, request.roleId, 'request role');
    assert.ok((request.projectId === null) !== (request.opportunityId === null), 'a request comes from a project or an opportunity');
    if (request.projectId !== null) ok(projects, request.projectId, 'request project');
    if (request.opportunityId !== null) assert.ok(!ok(opportunities, request.opportunityId, 'request opportunity').stage.startsWith('CLOSED'));
    assert.ok(request.startDate <= request.endDate);
  }
  for (const expense of firm.expenses) {
    const worker = ok(workers, expense.workerId, 'expense worker');
    ok(projects, expense.projectId, 'expense project');
    assert.equal(expense.currency, entities.get(worker.legalEntityId)!.currency);
    assert.ok(firm.assignments.some((a) => a.workerId === worker.id && a.projectId === expense.projectId && a.status === 'CONFIRMED' && within(expense.date, a.startDate, a.endDate)));
  }

  // The reporting lines: acyclic, 3–8 reports per manager, MANAGER access exactly for people with reports.
  const reports = new Map<string, number>();
  for (const worker of firm.workers) if (worker.managerId) reports.set(worker.managerId, (reports.get(worker.managerId) ?? 0) + 1);
  for (const worker of firm.workers) {
    const seen = new Set<string>();
    for (let at: string | null = worker.id; at !== null; at = workers.get(at)!.managerId) {
      assert.ok(!seen.has(at), `reporting cycle through ${worker.name}`);
      seen.add(at);
    }
    const count = reports.get(worker.id) ?? 0;
    assert.ok(count === 0 || (count >= 3 && count <= 8), `${worker.name} has ${count} reports`);
    assert.equal(worker.accessRoles.includes('MANAGER'), count > 0);
  }

  // Time entries, streamed once.
  const today = dayOf(firm.today);
  const holidays = new Map(firm.calendars.map((calendar) => [calendar.id, new Set(calendar.holidays.map((holiday) => holiday.date))]));
  const leaveDays = new Set<string>();
  for (const leave of firm.leaves) for (let day = dayOf(leave.startDate); day <= dayOf(leave.endDate); day++) leaveDays.add(`${leave.workerId} ${isoOf(day)}`);
  const dayTotals = new Map<string, number>();
  const statuses = new Map<string, number>();
  const weeks = { decided: -Infinity, submittedFirst: Infinity, submittedLast: -Infinity, draftFirst: Infinity, latest: -Infinity };
  let billable = 0, count = 0;
  for (const entry of firm.timeEntries()) {
    count++;
    const worker = ok(workers, entry.workerId, 'entry worker');
    const project = ok(projects, entry.projectId, 'entry project');
    const task = ok(tasks, entry.taskId, 'entry task');
    const assignment = ok(assignments, entry.assignmentId, 'entry assignment');
    const day = dayOf(entry.date);
    assert.ok(day >= today - 56 && day < today, `entry ${entry.id} on ${entry.date} is outside the 8 weeks`);
    assert.equal(task.projectId, project.id);
    assert.equal(task.billable, entry.billable);
    assert.ok(task.status === 'OPEN' || project.status === 'CLOSED', 'entry on a closed task of an open project');
    assert.deepEqual([assignment.workerId, assignment.projectId, assignment.roleId, assignment.status], [worker.id, project.id, entry.roleId, 'CONFIRMED']);
    assert.ok(within(entry.date, assignment.startDate, assignment.endDate), `entry ${entry.id} outside its assignment window`);
    assert.notEqual(project.status, 'DRAFT');
    assert.ok(within(entry.date, project.startDate, project.endDate));
    const calendar = calendars.get(worker.calendarId)!;
    assert.ok(calendar.workingDays.includes(isoWeekday(entry.date)), `entry on a non-working day ${entry.date}`);
    assert.ok(!holidays.get(calendar.id)!.has(entry.date), `entry on a public holiday ${entry.date}`);
    assert.ok(!leaveDays.has(`${worker.id} ${entry.date}`), `entry on leave ${entry.date}`);
    assert.ok(within(entry.date, worker.hireDate, worker.terminationDate), 'entry outside employment');
    assert.match(entry.hours, /^\d+\.(00|25|50|75)$/);
    const hours = Number(entry.hours);
    assert.ok(hours > 0 && (!options.realisticHours || (hours >= 2 && hours <= 8)), `entry of ${entry.hours} h`);
    const key = `${worker.id} ${entry.date}`;
    dayTotals.set(key, (dayTotals.get(key) ?? 0) + hours);
    assert.ok(dayTotals.get(key)! <= 10, `${worker.name} logged more than 10 h on ${entry.date}`);
    assert.ok(entry.notes.length > 0);
    // A bill rate for every billable entry: the assignment's override, else the contract's rate on the date.
    if (entry.billable) {
      billable++;
      const contract = contracts.get(project.contractId)!;
      const rated = contract.rates.some((rate) => rate.roleId === entry.roleId && within(entry.date, rate.effectiveFrom, rate.effectiveTo));
      assert.ok(assignment.billRateOverride !== null || rated, `no bill rate for ${entry.roleId} on ${entry.date} under ${contract.number}`);
    }
    assert.ok(worker.costRates.some((rate) => within(entry.date, rate.effectiveFrom, rate.effectiveTo)), 'no cost rate on the entry date');
    // Statuses by age; the deciders are the managers.
    statuses.set(entry.status, (statuses.get(entry.status) ?? 0) + 1);
    const decided = entry.status === 'APPROVED' || entry.status === 'REJECTED';
    assert.equal(entry.decidedBy, decided ? worker.managerId : null);
    assert.equal(entry.rejectionReason !== null && entry.rejectionReason.length > 0, entry.status === 'REJECTED');
    if (entry.status === 'REJECTED') assert.equal(project.status, 'ACTIVE', 'a rejected entry must be fixable');
    const week = mondayOf(entry.date);
    weeks.latest = Math.max(weeks.latest, week);
    if (decided) weeks.decided = Math.max(weeks.decided, week);
    if (entry.status === 'SUBMITTED') [weeks.submittedFirst, weeks.submittedLast] = [Math.min(weeks.submittedFirst, week), Math.max(weeks.submittedLast, week)];
    if (entry.status === 'DRAFT') weeks.draftFirst = Math.min(weeks.draftFirst, week);
  }
  assert.ok(count > 0 && billable > 0 && billable < count, 'billable and non-billable time');
  assert.deepEqual([...statuses.keys()].sort(), ['APPROVED', 'DRAFT', 'REJECTED', 'SUBMITTED'], 'every status present');
  assert.ok(statuses.get('REJECTED')! < statuses.get('APPROVED')! / 10, 'a few rejections');
  assert.equal(weeks.submittedFirst, weeks.submittedLast, 'one SUBMITTED week');
  assert.equal(weeks.submittedLast, weeks.latest - 7, 'the SUBMITTED week is the one before the current');
  assert.ok(weeks.decided < weeks.submittedFirst, 'decided weeks are older');
  assert.ok(weeks.draftFirst >= weeks.submittedFirst, 'DRAFT only in the last two weeks');
  return { count, statuses };
}

describe('demo firm plan', () => {
  const today = '2026-11-25';
  const firm = planDemoFirm({ today });

  it('is deterministic, and timeEntries() yields the same sequence on every call', () => {
    const again = planDemoFirm({ today, scale: 1, seed: 1 });
    assert.equal(JSON.stringify(again), JSON.stringify(firm));
    const first = digestOf(firm.timeEntries());
    assert.deepEqual(digestOf(firm.timeEntries()), first);
    assert.deepEqual(digestOf(again.timeEntries()), first);
    const other = planDemoFirm({ today, seed: 2 });
    assert.notEqual(JSON.stringify(other), JSON.stringify(firm));
    assert.notEqual(digestOf(other.timeEntries()).digest, first.digest);
  });

  it('keeps worker ids, roles and access roles whatever today is (demo tokens rely on it)', () => {
    const people = (plan: DemoFirm) => plan.workers.map((w) => [w.id, w.name, w.roleId, w.managerId, w.status, w.accessRoles.join()]);
    assert.deepEqual(people(planDemoFirm({ today: '2025-03-10' })), people(firm));
  });

  it('gives every row a uuid-shaped id, unique, with a per-type prefix and a unique 24-character stem', () => {
    const ids = allIds(firm);
    for (const id of ids) assert.match(id, uuidShape);
    assert.equal(new Set(ids).size, ids.length);
    // crm and hcm derive child ids (rates, cost rates) from `id.slice(0, 24)`.
    assert.equal(new Set(ids.map((id) => id.slice(0, 24))).size, ids.length);
    assert.equal(new Set(firm.workers.map((w) => w.id.slice(0, 8))).size, 1);
    assert.notEqual(firm.workers[0].id.slice(0, 8), firm.projects[0].id.slice(0, 8));
    for (const [rows, field] of [[firm.customers, 'code'], [firm.contracts, 'number'], [firm.projects, 'code'], [firm.workers, 'employeeNumber'], [firm.workers, 'email'], [firm.costCenters, 'code']] as const) {
      const values = (rows as unknown as ReadonlyArray<Record<string, unknown>>).map((row) => row[field]);
      assert.equal(new Set(values).size, values.length, `${field} is unique`);
    }
  });

  it('has the embedded demo’s shape at scale 1', () => {
    assert.equal(firm.legalEntities.length, 3);
    assert.deepEqual([...new Set(firm.legalEntities.map((entity) => entity.currency))].sort(), ['EUR', 'USD']);
    assert.equal(firm.roles.length, 8);
    for (const role of firm.roles) assert.ok(Number(role.targetUtilization) > 0 && Number(role.targetUtilization) <= 100);
    assert.deepEqual(new Set(firm.workers.map((w) => w.roleId)), new Set(firm.roles.map((r) => r.id)), 'every role is staffed');
    assert.ok(firm.workers.length >= 35 && firm.workers.length <= 45, `${firm.workers.length} workers`);
    assert.ok(firm.customers.length >= 10 && firm.customers.length <= 14);
    assert.ok(firm.projects.length >= 18 && firm.projects.length <= 22);
    for (const entity of firm.legalEntities) assert.ok(firm.costCenters.filter((c) => c.legalEntityId === entity.id).length >= 2, 'practices per entity');
    const contractors = firm.workers.filter((w) => w.kind === 'CONTRACTOR');
    assert.ok(contractors.length >= 2 && contractors.length <= 5);
    assert.equal(firm.workers.filter((w) => w.status === 'INACTIVE').length, 1);
    const start = isoOf(dayOf(today) - 56);
    assert.equal(firm.workers.filter((w) => w.hireDate >= start).length, 1, 'one worker hired mid-period');
    const holders = (role: string) => firm.workers.filter((w) => w.accessRoles.includes(role) && w.status === 'ACTIVE').length;
    assert.deepEqual([holders('RESOURCE_MANAGER'), holders('FINANCE'), holders('ADMIN')], [1, 2, 1]);
    assert.ok(firm.workers.some((w) => w.costRates.some((rate) => rate.effectiveFrom > start && rate.effectiveFrom < today)), 'a cost-rate change inside the 8 weeks');
    // Calendars: full-time per country, part-time in use.
    assert.ok(firm.calendars.some((c) => c.workingDays.length === 4 || Number(c.hoursPerDay) < 8));
    const partTime = new Set(firm.calendars.filter((c) => c.workingDays.length < 5 || Number(c.hoursPerDay) < 8).map((c) => c.id));
    assert.ok(firm.workers.some((w) => partTime.has(w.calendarId)), 'someone works part-time');
    assert.ok(firm.leaves.some((l) => l.type === 'VACATION' && l.startDate >= start && l.endDate < today));
    assert.ok(firm.leaves.some((l) => l.type === 'SICK' && l.startDate >= start && l.endDate < today));
    // Customers: a holding with 2–3 subsidiaries.
    const children = firm.customers.filter((c) => c.parentId !== null);
    assert.ok(children.length >= 2 && new Set(children.map((c) => c.parentId)).size === 1 && children.length <= 3);
    assert.ok(firm.contacts.every((c) => firm.contacts.filter((o) => o.customerId === c.customerId && o.isPrimary).length === 1));
  });

  it('calendars carry each country’s public holidays for the years covered, one per date', () => {
    const named = (fragment: string) => firm.calendars.find((c) => c.name.includes(fragment))!;
    const dates = (fragment: string) => new Set(named(fragment).holidays.map((h) => h.date));
    const us = dates('United States'), de = dates('Germany full'), nl = dates('Netherlands full');
    for (const date of ['2026-01-01', '2026-01-19', '2026-05-25', '2026-06-19', '2026-07-03', '2026-11-26', '2026-12-25', '2027-12-31']) assert.ok(us.has(date), `US ${date}`);
    for (const date of ['2026-04-03', '2026-04-06', '2026-05-01', '2026-05-14', '2026-05-25', '2026-10-03', '2026-12-26']) assert.ok(de.has(date), `DE ${date}`);
    for (const date of ['2026-04-06', '2026-04-27', '2026-05-05', '2026-05-14', '2026-05-25', '2025-04-26']) assert.ok(nl.has(date), `NL ${date}`);
    assert.ok(!us.has('2026-07-04') && !de.has('2026-11-26') && !nl.has('2026-04-03'));
    for (const calendar of firm.calendars) assert.equal(new Set(calendar.holidays.map((h) => h.date)).size, calendar.holidays.length);
    assert.deepEqual(dates('Netherlands part'), nl);
  });

  it('books business under every billing method, with rate cards, milestones and a pipeline', () => {
    const methods = new Set(firm.contracts.map((c) => c.billingMethod));
    assert.deepEqual([...methods].sort(), ['FIXED_FEE', 'MANAGED_SERVICES', 'RETAINER', 'TIME_AND_MATERIALS']);
    const entities = byId(firm.legalEntities);
    const cross = firm.contracts.filter((c) => c.currency !== entities.get(c.legalEntityId)!.currency);
    assert.equal(cross.length, 1);
    assert.deepEqual([cross[0].currency, entities.get(cross[0].legalEntityId)!.currency], ['USD', 'EUR']);
    assert.ok(new Set(firm.contracts.map((c) => c.currency)).size === 2);
    const start = isoOf(dayOf(today) - 56);
    assert.ok(firm.contracts.some((c) => c.rates.some((r) => r.effectiveFrom > start && r.effectiveFrom < today)), 'a rate change inside the 8 weeks');
    const statuses = firm.projects.map((p) => p.status);
    for (const status of ['ON_HOLD', 'CLOSED', 'DRAFT']) assert.equal(statuses.filter((s) => s === status).length, 1, status);
    assert.ok(statuses.filter((s) => s === 'ACTIVE').length >= 15);
    assert.ok(firm.tasks.some((t) => !t.billable && t.name === 'Internal / Admin'));
    assert.ok(firm.assignments.some((a) => a.billRateOverride !== null));
    assert.ok(firm.assignments.some((a) => a.status === 'TENTATIVE'));
    for (const project of firm.projects.filter((p) => p.billingMethod === 'FIXED_FEE')) {
      const milestones = firm.milestones.filter((m) => m.projectId === project.id);
      assert.ok(milestones.length > 0);
      const cents = milestones.reduce((sum, m) => sum + Math.round(Number(m.amount) * 100), 0);
      assert.equal(cents, Math.round(Number(project.budgetAmount) * 100), `${project.code}: milestones sum to the fixed fee`);
    }
    assert.ok(firm.milestones.some((m) => m.status === 'COMPLETED') && firm.milestones.some((m) => m.status === 'PLANNED'));
    const open = firm.opportunities.filter((o) => !o.stage.startsWith('CLOSED'));
    assert.ok(new Set(open.map((o) => o.stage)).size >= 3 && open.every((o) => o.estimatedHours.length > 0));
    for (const opportunity of open) assert.equal(firm.staffingRequests.filter((r) => r.opportunityId === opportunity.id && r.status === 'OPEN').length, opportunity.estimatedHours.length);
    assert.ok(firm.opportunities.some((o) => o.stage === 'CLOSED_WON' && o.contractId !== null));
    assert.ok(firm.staffingRequests.some((r) => r.projectId !== null && r.status === 'FILLED'));
    const expenseStatuses = new Set(firm.expenses.map((e) => e.status));
    assert.equal(expenseStatuses.size, 4);
    assert.equal(new Set(firm.expenses.map((e) => e.category)).size, 5);
    assert.ok(firm.expenses.length >= 24 && firm.expenses.length <= 60);
  });

  for (const [label, options, realisticHours] of [
    ['scale 1', { today }, true],
    ['a spring period full of holidays', { today: '2026-05-20' }, true],
    ['a Monday after Christmas and New Year', { today: '2027-01-04' }, true],
    ['scale 3 with another seed', { today: '2025-12-31', scale: 3, seed: 7 }, false],
  ] as const) {
    it(`keeps every invariant: ${label}`, () => {
      const plan = label === 'scale 1' ? firm : planDemoFirm(options);
      const { count } = checkInvariants(plan, { realisticHours });
      assert.ok(count > 1000);
    });
  }

  it('streams about a million entries at scale 25, planning the rest well under 10 s', () => {
    const started = performance.now();
    const big = planDemoFirm({ scale: 25, today });
    const planned = performance.now() - started;
    assert.ok(planned < 10_000, `planned in ${planned.toFixed(0)} ms`);
    assert.ok(big.workers.length >= 950 && big.workers.length <= 1050, `${big.workers.length} workers`);
    assert.equal(big.legalEntities.length, 3);
    assert.equal(big.roles.length, 8);
    const workers = byId(big.workers);
    const assignments = byId(big.assignments);
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore, count = 0, date = '', totals = new Map<string, number>();
    for (const entry of big.timeEntries()) {
      count++;
      // Entries come day by day, so daily totals need only the current day's workers.
      if (entry.date !== date) {
        assert.ok(entry.date > date);
        [date, totals] = [entry.date, new Map()];
      }
      const total = (totals.get(entry.workerId) ?? 0) + Number(entry.hours);
      totals.set(entry.workerId, total);
      assert.ok(total <= 10);
      const assignment = assignments.get(entry.assignmentId)!;
      if (entry.date < assignment.startDate || entry.date > assignment.endDate || assignment.workerId !== entry.workerId) assert.fail(`entry ${entry.id} outside its assignment`);
      if (!workers.has(entry.workerId)) assert.fail(`entry ${entry.id} names an unknown worker`);
      if (count % 100_000 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }
    const elapsed = performance.now() - started;
    console.log(`scale 25: ${big.workers.length} workers, ${count} entries; planned in ${planned.toFixed(0)} ms, streamed in ${(elapsed - planned).toFixed(0)} ms`);
    assert.ok(count >= 800_000 && count <= 1_200_000, `${count} entries`);
    // A million retained entries would take several hundred MB; a stream stays flat.
    assert.ok(heapPeak - heapBefore < 150_000_000, `heap grew by ${((heapPeak - heapBefore) / 1e6).toFixed(0)} MB while streaming`);
  });
});
