import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import type { DemoAssignment } from '../../lib/seed/demo-firm.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * What a client reads names records the way people do (project code, task and worker names; the ids in extensions,
 * for machines), and asks the way the rest of the graph is asked: `Project.tasks` filtered like `Worker.assignments`,
 * `timesheet` defaulting to the caller like `submitTimesheet`.
 */
describe('records named the way people do, through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const activeProject = new Set(firm.projects.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
  const covering = (a: DemoAssignment) => a.status === 'CONFIRMED' && activeProject.has(a.projectId) && a.startDate <= today && a.endDate >= today;
  const assignment = firm.assignments.find(
    (a) => covering(a) && firm.workers.find((w) => w.id === a.workerId)?.status === 'ACTIVE' && firm.tasks.some((t) => t.projectId === a.projectId && !t.billable),
  )!;
  const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
  const project = firm.projects.find((p) => p.id === assignment.projectId)!;
  const asWorker = { roles: ['WORKER' as const], workerId: worker.id };
  const log = `mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it("time capture's messages name the project by code and the task by name; the ids are in extensions", async () => {
    const elsewhere = firm.tasks.find((t) => t.projectId !== project.id)!;
    const foreign = await graph.query(log, { input: { projectId: project.id, taskId: elsewhere.id, date: today, hours: '1.00' } }, asWorker);
    const [taskInvalid] = foreign.errors ?? [];
    assert.equal(taskInvalid?.extensions?.code, 'TASK_INVALID', JSON.stringify(foreign.errors));
    assert.equal(taskInvalid.message, `entry on ${today} for project ${project.code}: TASK_INVALID — task ${elsewhere.id} is not a task of project ${project.code}`);
    assert.deepEqual([taskInvalid.extensions?.projectId, taskInvalid.extensions?.taskId], [project.id, elsewhere.id]);

    const internal = firm.tasks.find((t) => t.projectId === project.id && !t.billable)!;
    const billed = await graph.query(log, { input: { projectId: project.id, taskId: internal.id, date: today, hours: '1.00', billable: true } }, asWorker);
    assert.equal(billed.errors?.[0].message, `entry on ${today} for project ${project.code}: TASK_INVALID — task "${internal.name}" of project ${project.code} is not billable`);

    const stranger = firm.projects.find((p) => activeProject.has(p.id) && !firm.assignments.some((a) => a.projectId === p.id && a.workerId === worker.id))!;
    const strangerTask = firm.tasks.find((t) => t.projectId === stranger.id)!;
    const batch = await graph.query(
      `mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } error { code message } } }`,
      { inputs: [{ projectId: stranger.id, taskId: strangerTask.id, date: today, hours: '1.00' }] },
      asWorker,
    );
    assert.deepEqual(batch.data.logTimeEntries[0].error, {
      code: 'NOT_ASSIGNED',
      message: `entry 0 (${today}, project ${stranger.code}): NOT_ASSIGNED — ${worker.name} has no confirmed assignment on project ${stranger.code} covering ${today}`,
    });
  });

  it('Project.tasks takes a filter (status, billable) like Worker.assignments', async () => {
    const tasks = `query($id: ID!, $filter: TaskFilter) { project(id: $id) { tasks(first: 500, filter: $filter) { nodes { id billable status } } } }`;
    const ofProject = firm.tasks.filter((t) => t.projectId === project.id);
    const unbillable = await graph.query(tasks, { id: project.id, filter: { billable: false } });
    assert.equal(unbillable.errors, undefined, JSON.stringify(unbillable.errors));
    const ids = (nodes: Array<{ id: string }>) => nodes.map((n) => n.id).sort();
    assert.deepEqual(ids(unbillable.data.project.tasks.nodes), ids(ofProject.filter((t) => !t.billable)));
    const openBillable = await graph.query(tasks, { id: project.id, filter: { billable: true, status: ['OPEN'] } });
    assert.deepEqual(ids(openBillable.data.project.tasks.nodes), ids(ofProject.filter((t) => t.billable && t.status === 'OPEN')));
  });

  it("timesheet(isoWeek) is the caller's own week when no worker is named", async () => {
    const week = `query($week: String!) { timesheet(isoWeek: $week) { worker { id } isoWeek } }`;
    const mine = await graph.query(week, { week: '2026-W10' }, asWorker);
    assert.equal(mine.errors, undefined, JSON.stringify(mine.errors));
    assert.deepEqual(mine.data.timesheet, { worker: { id: worker.id }, isoWeek: '2026-W10' });
    const nobody = await graph.query(week, { week: '2026-W10' }, { roles: ['FINANCE'] });
    assert.equal(nobody.errors?.[0].extensions?.code, 'BAD_USER_INPUT', 'a caller who is not a worker names one');
  });
});
