import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { addDays } from '../../subgraphs/time/domain/iso-week.ts';
import { billableWorkBetween } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { livePostingsPerEntry } from '../support/postings.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/**
 * importTimeEntries through the gateway on the demo firm (issue 17): another system's time imported as DRAFTs or as
 * APPROVED history, checked with capture's rules per row, published like approvals so erp posts the approved ones,
 * idempotent by the entries' external ids, and naming workers, projects and tasks by hcm's and psa's external refs.
 */
describe('time import through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const from = addDays(today, -20);
  const work = billableWorkBetween(firm, from, today);
  const { assignment, worker, task } = work;
  const nonBillableTask = firm.tasks.find((t) => t.projectId === assignment.projectId && !t.billable && t.status === 'OPEN');
  const admin = firm.workers.find((w) => w.accessRoles.includes('ADMIN'))!;
  const asAdmin = { roles: ['ADMIN' as const], workerId: admin.id };
  const finance = { roles: ['FINANCE' as const] };

  const importMutation = `mutation($inputs: [ImportTimeEntryInput!]!, $status: ImportedEntryStatus!, $allow: Boolean, $key: String) {
    importTimeEntries(inputs: $inputs, status: $status, allowLockedPeriods: $allow, idempotencyKey: $key) {
      index outcome error { code message field }
      entry { id status hours billable invoicedExternally externalId { system id } worker { id } project { id } task { id }
        decidedBy { id } approvals { action actor { id } reason } }
    }
  }`;
  const importAs = async (as: Parameters<HubHarness['query']>[2], inputs: unknown[], status: 'DRAFT' | 'APPROVED', options: { allow?: boolean; key?: string } = {}) =>
    graph.query(importMutation, { inputs, status, allow: options.allow ?? false, key: options.key ?? null }, as);
  const imported = async (inputs: unknown[], status: 'DRAFT' | 'APPROVED', options: { allow?: boolean; key?: string } = {}) =>
    dataOf(await importAs(asAdmin, inputs, status, options)).importTimeEntries as any[];

  let sequence = 0;
  /** An input for the work's worker, project and task on `date`, with a fresh Harvest id. */
  const row = (date: string, extra: Record<string, unknown> = {}) => ({
    externalId: { system: 'harvest', id: `te-${++sequence}` },
    workerId: worker.id,
    projectId: assignment.projectId,
    taskId: task.id,
    date,
    hours: '0.25',
    notes: `imported row ${sequence}`,
    ...extra,
  });

  const timeDb = () => graph.hub.subgraphs.time.database.db;
  const outboxCount = async () => Number((await timeDb().selectFrom('outbox').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n);
  const approvedEventsOf = async (ids: string[]) =>
    (await timeDb().selectFrom('outbox').select(['subject_id', 'data']).where('type', '=', 'time.entry.approved').where('subject_id', 'in', ids).execute()).map(
      (r) => ({ id: r.subject_id, data: (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown> }),
    );

  /** Gives the work's worker, project and task Harvest ids in hcm and psa (their owners' upserts, matching by id). */
  let refsAttached: Promise<void> | undefined;
  const attachRefs = () =>
    (refsAttached ??= (async () => {
      const ok = async (query: string, variables: Record<string, unknown>) => dataOf(await graph.query(query, variables, asAdmin));
      const attached = [
        (await ok(`mutation($i: [WorkerUpsertInput!]!) { upsertWorkers(inputs: $i) { outcome error { code message } } }`, { i: [{ externalRef: { system: 'harvest', id: `u-${worker.id}` }, id: worker.id }] })).upsertWorkers,
        (await ok(`mutation($i: [ProjectUpsertInput!]!) { upsertProjects(inputs: $i) { outcome error { code message } } }`, { i: [{ externalRef: { system: 'harvest', id: `p-${assignment.projectId}` }, id: assignment.projectId }] })).upsertProjects,
        (await ok(`mutation($i: [TaskUpsertInput!]!) { upsertTasks(inputs: $i) { outcome error { code message } } }`, { i: [{ externalRef: { system: 'harvest', id: `t-${task.id}` }, id: task.id }] })).upsertTasks,
      ];
      for (const [result] of attached) assert.equal(result.error, null, JSON.stringify(result));
    })());
  /** An input naming the work's worker, project and task by their Harvest ids. */
  const byRefs = (date: string, extra: Record<string, unknown> = {}) =>
    row(date, {
      workerId: null,
      projectId: null,
      taskId: null,
      workerRef: { system: 'harvest', id: `u-${worker.id}` },
      projectRef: { system: 'harvest', id: `p-${assignment.projectId}` },
      taskRef: { system: 'harvest', id: `t-${task.id}` },
      ...extra,
    });

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('imports DRAFTs as logTimeEntries logs them, each with where it came from in its history', async () => {
    const before = await outboxCount();
    const results = await imported([row(addDays(today, -1)), row(addDays(today, 2))], 'DRAFT');
    assert.deepEqual(results.map((r) => [r.index, r.outcome, r.error]), [[0, 'CREATED', null], [1, 'CREATED', null]]);
    for (const { entry } of results) {
      assert.equal(entry.status, 'DRAFT');
      assert.equal(entry.worker.id, worker.id);
      assert.equal(entry.externalId.system, 'harvest');
      assert.equal(entry.invoicedExternally, false);
      assert.deepEqual(entry.approvals, [{ action: 'IMPORTED', actor: { id: admin.id }, reason: 'imported from harvest' }]);
    }
    assert.equal(results[1].entry.billable, true, 'billable defaults to the task, as for logTimeEntry; a draft may be dated ahead');
    assert.equal(await outboxCount(), before, 'a draft publishes nothing');
  });

  it('reads the graph a fixed number of times per batch: statements in time, psa and hcm do not grow with its size', async () => {
    await attachRefs();
    const statementsFor = async (size: number) => {
      // Nothing else runs meanwhile: no approved import yet for erp to post, and the upserts' events consumed.
      await eventually(async () => {
        for (const { database } of Object.values(graph.hub.subgraphs)) database.statements.reset();
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(graph.hub.subgraphs.psa.database.statements.total + graph.hub.subgraphs.hcm.database.statements.total, 0);
      });
      const results = await imported(Array.from({ length: size }, () => byRefs(addDays(today, -9), { hours: '0.01' })), 'DRAFT');
      assert.ok(results.every((r) => r.outcome === 'CREATED'), JSON.stringify(results.find((r) => r.error)));
      const { psa, hcm, time } = graph.hub.subgraphs;
      return { psa: psa.database.statements.total, hcm: hcm.database.statements.total, time: time.database.statements.total };
    };
    const small = await statementsFor(3);
    const large = await statementsFor(60);
    assert.deepEqual(large, small);
    assert.ok(small.psa > 0 && small.hcm > 0, 'references and facts are read from their owners');
  });

  it('imports APPROVED history: approved by the importer, published as approvals are, and erp posts cost and billing', async () => {
    const inputs = [
      row(addDays(today, -3), { hours: '1.50' }),
      row(addDays(today, -3), { hours: '2.00', invoiced: true }),
      ...(nonBillableTask ? [row(addDays(today, -4), { taskId: nonBillableTask.id, hours: '0.75' })] : []),
    ];
    const results = await imported(inputs, 'APPROVED');
    assert.ok(results.every((r) => r.outcome === 'CREATED'), JSON.stringify(results.filter((r) => r.error)));
    const [paid, invoiced] = results.map((r) => r.entry);
    assert.equal(paid.status, 'APPROVED');
    assert.equal(paid.decidedBy.id, admin.id);
    assert.deepEqual(paid.approvals, [{ action: 'APPROVED', actor: { id: admin.id }, reason: 'imported from harvest' }]);
    assert.equal(invoiced.invoicedExternally, true);

    const ids = results.map((r) => r.entry.id);
    const events = await approvedEventsOf(ids);
    assert.equal(events.length, ids.length, 'one time.entry.approved per entry');
    const payload = new Map(events.map((e) => [e.id, e.data]));
    assert.equal(payload.get(paid.id)!.invoicedExternally, false);
    assert.equal(payload.get(invoiced.id)!.invoicedExternally, true, 'erp is told never to bill it');
    assert.ok(payload.get(paid.id)!.billRate, 'the bill rate is frozen as an approval freezes it');
    assert.equal(payload.get(paid.id)!.approvedBy, admin.id);

    const erp = graph.hub.subgraphs.erp.database.db;
    await eventually(async () => {
      const { costs, billing } = await livePostingsPerEntry(erp, ids);
      for (const id of ids) assert.equal(costs.get(id), 1, `one cost posting for ${id}`);
      assert.equal(billing.get(paid.id), 1, 'the billable entry has its billing event');
      assert.equal(billing.get(invoiced.id), 1, 'recorded, as billed elsewhere');
    });
    const billingStatus = async (id: string) => dataOf(await graph.query(`query($id: ID!) { timeEntry(id: $id) { billing { status } } }`, { id }, finance)).timeEntry.billing.status;
    assert.equal(await billingStatus(paid.id), 'UNBILLED');
    assert.equal(await billingStatus(invoiced.id), 'INVOICED_EXTERNALLY', 'erp never bills what the source system invoiced');
  });

  it('refuses rows with their rule codes and fields, and writes the others', async () => {
    const elsewhere = firm.projects.find(
      (p) => p.status === 'ACTIVE' && !firm.assignments.some((a) => a.projectId === p.id && a.workerId === worker.id) && firm.tasks.some((t) => t.projectId === p.id),
    )!;
    const results = await imported(
      [
        row(addDays(today, -2)),
        row(addDays(today, 1)),
        row(addDays(today, -2), { hours: '25' }),
        row(addDays(today, -2), { projectId: elsewhere.id, taskId: firm.tasks.find((t) => t.projectId === elsewhere.id)!.id }),
        row(addDays(today, -2), { projectRef: { system: 'harvest', id: 'p-1' } }),
        row(addDays(today, -2), { projectId: 'no-such-project' }),
        row(addDays(today, -2), { externalId: { system: 'has space', id: 'x' } }),
        row(addDays(today, -2), { projectId: null, projectRef: null }),
      ],
      'APPROVED',
    );
    assert.deepEqual(
      results.map((r) => [r.outcome, r.error?.code ?? null, r.error?.field ?? null]),
      [
        ['CREATED', null, null],
        ['REFUSED', 'FUTURE_DATE', null],
        ['REFUSED', 'INVALID_HOURS', null],
        ['REFUSED', 'NOT_ASSIGNED', null],
        ['REFUSED', 'BAD_USER_INPUT', 'projectRef'],
        ['REFUSED', 'NOT_FOUND', null],
        ['REFUSED', 'BAD_USER_INPUT', 'externalId.system'],
        ['REFUSED', 'BAD_USER_INPUT', 'projectId'],
      ],
    );
    assert.ok(results.slice(1).every((r) => r.entry === null && r.error.message.startsWith(`entry ${r.index}`)), 'messages name the row');
    assert.equal(results[0].entry.status, 'APPROVED');
  });

  it('is for ADMIN only', async () => {
    for (const as of [finance, { roles: ['MANAGER' as const, 'WORKER' as const], workerId: worker.managerId! }]) {
      const denied = await importAs(as, [row(addDays(today, -2))], 'DRAFT');
      assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN', JSON.stringify(denied.errors));
    }
  });

  it('imports the same entries again as UNCHANGED, writing and publishing nothing', async () => {
    const inputs = [row(addDays(today, -5), { hours: '0.50' }), row(addDays(today, -5), { hours: '0.50', invoiced: true })];
    const first = await imported(inputs, 'APPROVED');
    assert.ok(first.every((r) => r.outcome === 'CREATED'), JSON.stringify(first));
    // erp posts the first import (reading hcm and psa through the graph); what follows must read neither.
    await eventually(async () => {
      const { costs } = await livePostingsPerEntry(graph.hub.subgraphs.erp.database.db, first.map((r) => r.entry.id));
      assert.equal(costs.size, first.length);
    });
    const events = await outboxCount();
    for (const { database } of Object.values(graph.hub.subgraphs)) database.statements.reset();
    // Changed in the source meanwhile, and asked as drafts: an import never changes an entry it made.
    const again = await imported([{ ...inputs[0], hours: '3.00' }, inputs[1], inputs[0]], 'DRAFT');
    assert.deepEqual(again.map((r) => r.outcome), ['UNCHANGED', 'UNCHANGED', 'UNCHANGED']);
    assert.deepEqual(again.map((r) => r.entry.id), [first[0].entry.id, first[1].entry.id, first[0].entry.id]);
    assert.deepEqual(again.map((r) => [r.entry.status, r.entry.hours]), [['APPROVED', '0.50'], ['APPROVED', '0.50'], ['APPROVED', '0.50']]);
    assert.equal(await outboxCount(), events, 'no event');
    const writes = graph.hub.subgraphs.time.database.statements.recent.filter((statement) => /^\s*(insert|update|delete)/i.test(statement));
    assert.deepEqual(writes, [], 'no SQL write');
    assert.equal(graph.hub.subgraphs.psa.database.statements.total + graph.hub.subgraphs.hcm.database.statements.total, 0, 'nothing asked of psa or hcm');
  });

  it('replays a retried idempotency key, and refuses the key for another request', async () => {
    const inputs = [row(addDays(today, -6))];
    const first = await imported(inputs, 'APPROVED', { key: 'import-key-1' });
    const events = await outboxCount();
    const retry = await imported(inputs, 'APPROVED', { key: 'import-key-1' });
    assert.deepEqual(retry.map((r) => [r.outcome, r.entry.id]), first.map((r) => [r.outcome, r.entry.id]), 'the first answer, CREATED');
    assert.equal(await outboxCount(), events);
    const reused = await importAs(asAdmin, [row(addDays(today, -6))], 'APPROVED', { key: 'import-key-1' });
    assert.equal(reused.errors?.[0].extensions?.code, 'IDEMPOTENCY_KEY_REUSED', JSON.stringify(reused.errors));
  });

  it('names workers, projects and tasks by their ids in other systems (hcm and psa external refs)', async () => {
    await attachRefs();
    const day = addDays(today, -7);
    const results = await imported(
      [
        byRefs(day),
        byRefs(day),
        byRefs(day, { workerRef: { system: 'harvest', id: 'nobody' } }),
        byRefs(day, { projectRef: { system: 'harvest', id: 'no-project' } }),
        byRefs(day, { taskRef: { system: 'harvest', id: 'no-task' } }),
        byRefs(day, { taskRef: null, taskId: task.id }),
      ],
      'APPROVED',
    );
    assert.deepEqual(
      results.map((r) => [r.outcome, r.error?.code ?? null, r.error?.field ?? null]),
      [
        ['CREATED', null, null],
        ['CREATED', null, null],
        ['REFUSED', 'NOT_FOUND', 'workerRef'],
        ['REFUSED', 'NOT_FOUND', 'projectRef'],
        ['REFUSED', 'NOT_FOUND', 'taskRef'],
        ['CREATED', null, null],
      ],
    );
    for (const r of [results[0], results[1], results[5]]) assert.deepEqual([r.entry.worker.id, r.entry.project.id, r.entry.task.id], [worker.id, assignment.projectId, task.id]);
  });

  it('a closed period is PERIOD_LOCKED for every importer, ADMIN too, unless an ADMIN allows locked periods; the entry says so', async () => {
    const { project } = dataOf(await graph.query(`query($id: ID!) { project(id: $id) { legalEntity { id } } }`, { id: assignment.projectId }, asAdmin));
    const closedDay = addDays(today, -15);
    dataOf(
      await graph.query(
        `mutation($le: ID!, $s: Date!, $e: Date!) { closePeriod(legalEntityId: $le, periodStart: $s, periodEnd: $e) { id } }`,
        { le: project.legalEntity.id, s: addDays(today, -16), e: addDays(today, -14) },
        finance,
      ),
    );
    const locked = row(closedDay);
    const refused = await imported([locked], 'APPROVED');
    assert.equal(refused[0].error?.code, 'PERIOD_LOCKED', JSON.stringify(refused));
    const draftRefused = await imported([locked], 'DRAFT');
    assert.equal(draftRefused[0].error?.code, 'PERIOD_LOCKED');
    const denied = await importAs(finance, [locked], 'APPROVED', { allow: true });
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
    const [allowed, open] = await imported([locked, row(addDays(today, -8))], 'APPROVED', { allow: true });
    assert.equal(allowed.outcome, 'CREATED', JSON.stringify(allowed));
    assert.equal(allowed.entry.approvals[0].reason, 'imported from harvest; dated in a closed period, let in by allowLockedPeriods');
    assert.equal(open.entry.approvals[0].reason, 'imported from harvest', 'only the entries let into a closed period say so');
  });
});
