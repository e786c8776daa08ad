import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addDecimals } from '../../lib/decimal.ts';
import { toCsv } from '../../lib/http/csv.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import type { DemoAssignment, DemoWorker } from '../../lib/seed/demo-firm.ts';
import { addDays, weekStartOf } from '../../subgraphs/time/domain/iso-week.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * The payroll feed through the gateway: entries logged, submitted and approved in next week (the demo firm's time
 * ends today, so the week holds only what the test writes), then read back as regular and overtime hours. Time is
 * submitted and approved only once worked, so the hub's clock moves two weeks on after the demo firm is seeded.
 */
describe('payroll hours through the gateway', () => {
  let graph: HubHarness;
  let clockOffsetMs = 0;
  const clock = { now: () => new Date(Date.now() + clockOffsetMs) };
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const monday = addDays(weekStartOf(today), 7);
  const day = (offset: number) => addDays(monday, offset);
  const sunday = day(6);

  const activeProject = new Set(firm.projects.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
  const calendarOf = (worker: DemoWorker) => firm.calendars.find((c) => c.id === worker.calendarId)!;
  const noHolidayInWeek = (worker: DemoWorker) => !calendarOf(worker).holidays.some((h) => h.date >= monday && h.date <= sunday);
  const workerOf = (a: DemoAssignment) => firm.workers.find((w) => w.id === a.workerId)!;
  const coversWeek = (a: DemoAssignment) =>
    a.status === 'CONFIRMED' &&
    activeProject.has(a.projectId) &&
    a.startDate <= monday &&
    a.endDate >= sunday &&
    workerOf(a).status === 'ACTIVE' &&
    workerOf(a).terminationDate === null &&
    noHolidayInWeek(workerOf(a));
  const taskOf = (projectId: string) => firm.tasks.find((t) => t.projectId === projectId && t.billable && t.status === 'OPEN')!;

  // A full-time worker (8 h Monday to Friday) with a manager, and a second worker on any calendar.
  const fullTime = firm.assignments.find((a) => {
    const calendar = calendarOf(workerOf(a));
    return coversWeek(a) && calendar.hoursPerDay === '8.00' && calendar.workingDays.join() === '1,2,3,4,5' && workerOf(a).managerId !== null;
  })!;
  const worker = workerOf(fullTime);
  const manager = firm.workers.find((w) => w.id === worker.managerId)!;
  const second = firm.assignments.find((a) => coversWeek(a) && a.workerId !== worker.id && a.workerId !== manager.id)!;
  const other = workerOf(second);
  const otherHoursPerDay = calendarOf(other).hoursPerDay;

  const finance = { roles: ['FINANCE' as const] };

  const payroll = `query($from: Date!, $to: Date!, $legalEntityId: ID, $workerIds: [ID!], $first: Int, $after: String) {
    payrollHours(from: $from, to: $to, legalEntityId: $legalEntityId, workerIds: $workerIds, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        worker { id name employeeNumber }
        periodStart periodEnd regularHours overtimeHours totalHours
        days { date regularHours overtimeHours totalHours }
      }
    }
  }`;

  const lineOf = async (from: string, to: string, workerId = worker.id) => {
    const result = await graph.query(payroll, { from, to, workerIds: [workerId] }, finance);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.equal(result.data.payrollHours.nodes.length, 1);
    return result.data.payrollHours.nodes[0];
  };

  /** Logs the entries as their worker and submits them; returns their ids in order. */
  async function logAndSubmit(assignment: DemoAssignment, entries: Array<[offset: number, hours: string]>): Promise<string[]> {
    const as = { roles: ['WORKER' as const], workerId: assignment.workerId };
    const inputs = entries.map(([offset, hours]) => ({
      projectId: assignment.projectId,
      taskId: taskOf(assignment.projectId).id,
      date: day(offset),
      hours,
    }));
    const logged = await graph.query(
      `mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } error { index code message } } }`,
      { inputs },
      as,
    );
    assert.equal(logged.errors, undefined, JSON.stringify(logged.errors));
    const ids = logged.data.logTimeEntries.map((r: any) => {
      assert.equal(r.error, null, JSON.stringify(r.error));
      return r.entry.id as string;
    });
    const submitted = await graph.query(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids }, as);
    assert.equal(submitted.errors, undefined, JSON.stringify(submitted.errors));
    return ids;
  }

  async function approve(ids: string[], as: { roles: Array<'MANAGER' | 'ADMIN'>; workerId: string | null }) {
    const approved = await graph.query(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { status } }`, { ids }, as);
    assert.equal(approved.errors, undefined, JSON.stringify(approved.errors));
  }

  before(async () => {
    assert.ok(fullTime && second, 'the demo firm has two workers assigned for all of next week');
    graph = await startTestHub({ seed: { scale: 1 }, clock });
    clockOffsetMs = 14 * 24 * 60 * 60 * 1000;
    // Monday 10 h, Tuesday 8, Wednesday 8.50, Thursday 8 (+ 2 h left SUBMITTED), Friday 8, Saturday 4.25.
    const ids = await logAndSubmit(fullTime, [[0, '10.00'], [1, '8.00'], [2, '8.50'], [3, '8.00'], [4, '8.00'], [5, '4.25'], [3, '2.00']]);
    await approve(ids.slice(0, 6), { roles: ['MANAGER'], workerId: manager.id });
    // A draft never counts either.
    const draft = await graph.query(
      `mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`,
      { input: { projectId: fullTime.projectId, taskId: taskOf(fullTime.projectId).id, date: day(1), hours: '3.00' } },
      { roles: ['WORKER'], workerId: worker.id },
    );
    assert.equal(draft.errors, undefined, JSON.stringify(draft.errors));
    // The second worker: one hour above their day on Monday.
    await approve(await logAndSubmit(second, [[0, addDecimals(otherHoursPerDay, '1', 2)]]), { roles: ['ADMIN'], workerId: null });
  });
  after(() => graph?.close());

  it('splits a week above the daily and weekly limits into regular and overtime, approved entries only', async () => {
    const line = await lineOf(monday, sunday);
    assert.equal(line.worker.name, worker.name);
    assert.deepEqual([line.periodStart, line.periodEnd], [monday, sunday]);
    // 46.75 h approved against a 40 h week: 2 (Monday) + 0.50 (Wednesday) + 4.25 (Saturday, not a working day).
    assert.deepEqual([line.regularHours, line.overtimeHours, line.totalHours], ['40.00', '6.75', '46.75']);
    assert.deepEqual(
      line.days.map((d: any) => [d.date, d.regularHours, d.overtimeHours, d.totalHours]),
      [
        [day(0), '8.00', '2.00', '10.00'],
        [day(1), '8.00', '0.00', '8.00'],
        [day(2), '8.00', '0.50', '8.50'],
        [day(3), '8.00', '0.00', '8.00'],
        [day(4), '8.00', '0.00', '8.00'],
        [day(5), '0.00', '4.25', '4.25'],
      ],
    );
  });

  it('two pay periods that cut the week add up to the whole week', async () => {
    const first = await lineOf(addDays(monday, -10), day(2));
    const rest = await lineOf(day(3), addDays(sunday, 10));
    assert.deepEqual([first.regularHours, first.overtimeHours, first.totalHours], ['24.00', '2.50', '26.50']);
    assert.deepEqual([rest.regularHours, rest.overtimeHours, rest.totalHours], ['16.00', '4.25', '20.25']);
    assert.deepEqual(rest.days.map((d: any) => d.date), [day(3), day(4), day(5)]);
  });

  it('lists one line per worker with approved hours, paged by worker id, and filters by legal entity', async () => {
    const all = await graph.query(payroll, { from: monday, to: sunday }, finance);
    assert.equal(all.errors, undefined, JSON.stringify(all.errors));
    const ids = [worker.id, other.id].sort();
    assert.deepEqual(all.data.payrollHours.nodes.map((n: any) => n.worker.id), ids);
    assert.equal(all.data.payrollHours.totalCount, 2);
    const otherLine = all.data.payrollHours.nodes.find((n: any) => n.worker.id === other.id);
    assert.deepEqual([otherLine.regularHours, otherLine.overtimeHours], [otherHoursPerDay, '1.00']);

    const page1 = await graph.query(payroll, { from: monday, to: sunday, first: 1 }, finance);
    const page2 = await graph.query(payroll, { from: monday, to: sunday, first: 1, after: page1.data.payrollHours.pageInfo.endCursor }, finance);
    assert.equal(page1.data.payrollHours.pageInfo.hasNextPage, true);
    assert.equal(page2.data.payrollHours.pageInfo.hasNextPage, false);
    assert.deepEqual([...page1.data.payrollHours.nodes, ...page2.data.payrollHours.nodes].map((n: any) => n.worker.id), ids);

    const ofEntity = await graph.query(payroll, { from: monday, to: sunday, legalEntityId: worker.legalEntityId }, finance);
    assert.equal(ofEntity.errors, undefined, JSON.stringify(ofEntity.errors));
    const expected = [worker, other].filter((w) => w.legalEntityId === worker.legalEntityId).map((w) => w.id).sort();
    assert.deepEqual(ofEntity.data.payrollHours.nodes.map((n: any) => n.worker.id), expected);
    const elsewhere = firm.legalEntities.find((e) => e.id !== worker.legalEntityId && e.id !== other.legalEntityId);
    if (elsewhere) {
      const none = await graph.query(payroll, { from: monday, to: sunday, legalEntityId: elsewhere.id }, finance);
      assert.deepEqual(none.data.payrollHours.nodes, []);
    }
  });

  it('is for FINANCE and ADMIN only, and validates the period', async () => {
    for (const roles of [['WORKER'], ['MANAGER']] as const) {
      const denied = await graph.query(payroll, { from: monday, to: sunday }, { roles: [...roles], workerId: worker.id });
      assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN', JSON.stringify(denied.errors));
    }
    const admin = await graph.query(payroll, { from: monday, to: sunday, workerIds: [worker.id] }, { roles: ['ADMIN'] });
    assert.equal(admin.data.payrollHours.nodes[0].totalHours, '46.75');
    const backwards = await graph.query(payroll, { from: sunday, to: monday }, finance);
    assert.equal(backwards.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const tooLong = await graph.query(payroll, { from: monday, to: addDays(monday, 366) }, finance);
    assert.equal(tooLong.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const year = await graph.query(payroll, { from: monday, to: addDays(monday, 365), workerIds: [worker.id] }, finance);
    assert.equal(year.errors, undefined, JSON.stringify(year.errors));
  });

  describe('GET /exports/payroll.csv', () => {
    const exportUrl = (params: Record<string, string>) => `${graph.url.replace(/\/graphql$/, '')}/exports/payroll.csv?${new URLSearchParams(params)}`;
    const get = async (params: Record<string, string>, token?: string) =>
      fetch(exportUrl(params), { headers: token ? { authorization: `Bearer ${token}` } : {} });

    it('answers one CSV row per worker, with the same hours as the query', async () => {
      const response = await get({ from: monday, to: sunday }, await graph.token(['FINANCE']));
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
      assert.equal(response.headers.get('content-disposition'), `attachment; filename="payroll-${monday}-${sunday}.csv"`);
      const rows = [worker, other]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((w) =>
          w === worker
            ? [w.id, w.employeeNumber, w.name, w.legalEntityId, monday, sunday, '40.00', '6.75', '46.75']
            : [w.id, w.employeeNumber, w.name, w.legalEntityId, monday, sunday, otherHoursPerDay, '1.00', addDecimals(otherHoursPerDay, '1', 2)],
        );
      const header = ['worker_id', 'employee_number', 'name', 'legal_entity_id', 'period_start', 'period_end', 'regular_hours', 'overtime_hours', 'total_hours'];
      assert.equal(await response.text(), toCsv([header, ...rows]));
    });

    it('filters by legal entity (a worker without hours in the period has no row)', async () => {
      const response = await get({ from: day(3), to: sunday, legalEntityId: worker.legalEntityId }, await graph.token(['ADMIN']));
      assert.equal(response.status, 200);
      const lines = (await response.text()).trimEnd().split('\r\n');
      // The second worker has hours only on Monday, before this period.
      assert.equal(lines.length, 2, lines.join('\n'));
      assert.ok(lines[1].startsWith(`${worker.id},`) && lines[1].endsWith(`,${worker.legalEntityId},${day(3)},${sunday},16.00,4.25,20.25`), lines[1]);
      const elsewhere = firm.legalEntities.find((e) => e.id !== worker.legalEntityId)!;
      const empty = await get({ from: day(3), to: sunday, legalEntityId: elsewhere.id }, await graph.token(['ADMIN']));
      assert.equal((await empty.text()).split('\r\n').length, 2, 'the header row and the final line break only');
    });

    it('refuses without a valid token (401), for a WORKER (403) and for bad parameters (400)', async () => {
      const none = await get({ from: monday, to: sunday });
      assert.equal(none.status, 401);
      assert.equal((await none.json()).error.code, 'UNAUTHENTICATED');
      const forged = await get({ from: monday, to: sunday }, 'not-a-token');
      assert.equal(forged.status, 401);
      const workerToken = await graph.token(['WORKER'], worker.id);
      const forbidden = await get({ from: monday, to: sunday }, workerToken);
      assert.equal(forbidden.status, 403);
      assert.equal((await forbidden.json()).error.code, 'FORBIDDEN');
      const financeToken = await graph.token(['FINANCE']);
      for (const params of [{ from: monday }, { from: 'yesterday', to: sunday }, { from: sunday, to: monday }, { from: monday, to: addDays(monday, 400) }]) {
        const bad = await get(params as Record<string, string>, financeToken);
        assert.equal(bad.status, 400, JSON.stringify(params));
        assert.equal((await bad.json()).error.code, 'BAD_USER_INPUT', JSON.stringify(params));
      }
    });
  });
});
