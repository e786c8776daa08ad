import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { httpImportGraph, runImport, type ImportReport, type ImportSource } from '../../lib/import/index.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

const fixtures = new URL('../fixtures/import/', import.meta.url);
const fixture = (name: string) => new URL(name, fixtures);
const json = (name: string) => JSON.parse(readFileSync(fixture(name), 'utf8'));

/** What the report says, compactly: totals and per-entity counts, and the rows that were not imported. */
const summary = (report: ImportReport) => ({
  totals: report.totals,
  entities: Object.fromEntries(report.entities.map(({ entity, ...counts }) => [entity, counts])),
  problems: report.rows.filter((row) => row.outcome === 'REFUSED' || row.outcome === 'SKIPPED').map((row) => `${row.line} ${row.code} ${row.message}`),
});

const counts = (created: number, matched: number, extra: Partial<Record<'updated' | 'skipped' | 'refused', number>> = {}) => ({
  created,
  updated: 0,
  matched,
  skipped: 0,
  refused: 0,
  ...extra,
});

/**
 * The importers (lib/import) through the gateway on the demo firm, pinned to 2026-12-07 so the sample files' dates
 * (November 2026) fall inside the seeded projects and assignments: each sample imported twice (the second run matches
 * everything, writes nothing and publishes nothing), a dry run, refused rows with their codes, and importData.
 */
describe('importers through the gateway', () => {
  let graph: HubHarness;
  const clock = { now: () => new Date('2026-12-07T12:00:00Z') };

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, clock });
  });
  after(() => graph.close());

  /** Events written by every subgraph so far (their outboxes), once the graph has settled. */
  async function events(): Promise<number> {
    await graph.hub.settle();
    let total = 0;
    for (const { database } of Object.values(graph.hub.subgraphs)) {
      const row = await database.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      total += Number(row.n);
    }
    return total;
  }

  async function importFile(source: ImportSource, file: string, mappingFile: string | null, options: { dryRun?: boolean; timeStatus?: 'DRAFT' | 'APPROVED'; content?: string; allowLockedPeriods?: boolean } = {}) {
    return runImport({
      source,
      input: options.content ?? createReadStream(fixture(file)),
      graph: httpImportGraph({ url: graph.url, token: await graph.token(['ADMIN']) }),
      mapping: mappingFile ? json(mappingFile) : undefined,
      dryRun: options.dryRun,
      timeStatus: options.timeStatus,
      allowLockedPeriods: options.allowLockedPeriods,
    });
  }

  const workerNamed = async (name: string) =>
    (await graph.query(`query($s: String) { workers(filter: { search: $s }) { nodes { id name email kind role { code } externalRefs { system id } } } }`, { s: name })).data
      .workers.nodes;

  it('Harvest: a dry run writes nothing; the import creates what is missing; the same file again matches everything and publishes nothing', async () => {
    const before = await events();
    const dry = summary(await importFile('harvest', 'harvest-detailed-time.csv', 'harvest-defaults.json', { dryRun: true, timeStatus: 'APPROVED' }));
    assert.deepEqual(dry.problems, []);
    assert.deepEqual(dry.totals, { rows: 8, ...counts(8, 0) });
    assert.deepEqual(dry.entities.worker, counts(2, 1), 'Ada and Grace would be hired; Mary Wilson matched by name');
    assert.deepEqual(dry.entities.task, counts(1, 4), 'one new task, four matched by name');
    assert.equal(await events(), before, 'a dry run publishes nothing');
    assert.deepEqual(await workerNamed('Ada Lovelace'), [], 'and creates nothing');

    const first = summary(await importFile('harvest', 'harvest-detailed-time.csv', 'harvest-defaults.json', { timeStatus: 'APPROVED' }));
    assert.deepEqual(first.problems, []);
    assert.deepEqual(first.totals, { rows: 8, ...counts(8, 0) });
    assert.deepEqual(first.entities.customer, counts(0, 1), 'Northwind Health matched by name and given the Harvest reference');
    assert.deepEqual(first.entities.project, counts(0, 1), 'US-0001 matched by its code');
    assert.deepEqual(first.entities.worker, counts(2, 1));
    assert.deepEqual(first.entities.assignment, counts(2, 0), 'the new workers get an assignment over their dates; Mary has one');
    const [ada] = await workerNamed('Ada Lovelace');
    assert.deepEqual([ada.email, ada.kind, ada.role.code, ada.externalRefs], [
      'ada.lovelace@brightline-consulting.example', 'EMPLOYEE', 'CONSULTANT', [{ system: 'harvest', id: 'Ada Lovelace' }],
    ]);
    const entries = await graph.query(
      `query($w: ID) { timeEntries(filter: { workerId: $w }, first: 50) { nodes { date hours status notes invoicedExternally externalId { system id } task { name } } } }`,
      { w: ada.id },
    );
    const nodes = entries.data.timeEntries.nodes;
    assert.equal(nodes.length, 5, 'the two identical stand-ups are two entries');
    assert.ok(nodes.every((node: { status: string; externalId: { system: string } }) => node.status === 'APPROVED' && node.externalId.system === 'harvest'));
    assert.deepEqual(nodes.filter((node: { invoicedExternally: boolean }) => node.invoicedExternally).map((node: { notes: string }) => node.notes), ['Stakeholder interviews']);

    const afterFirst = await events();
    const second = summary(await importFile('harvest', 'harvest-detailed-time.csv', 'harvest-defaults.json', { timeStatus: 'APPROVED' }));
    assert.deepEqual(second.totals, { rows: 8, ...counts(0, 8) });
    for (const [entity, outcome] of Object.entries(second.entities)) assert.deepEqual(outcome, counts(0, outcome.matched), `${entity}: all matched`);
    assert.equal(second.entities.assignment, undefined, 'no assignment needed');
    assert.equal(await events(), afterFirst, 'the second run publishes nothing');
    const dryAgain = summary(await importFile('harvest', 'harvest-detailed-time.csv', 'harvest-defaults.json', { dryRun: true }));
    assert.deepEqual(dryAgain.totals, { rows: 8, ...counts(0, 8) }, 'a dry run after the import finds every entry');
  });

  it('Kimai: activities become tasks, users are matched by email or created with the default role; a second run matches everything', async () => {
    const first = summary(await importFile('kimai', 'kimai-timesheet.csv', 'kimai-defaults.json'));
    assert.deepEqual(first.problems, []);
    assert.deepEqual(first.totals, { rows: 4, ...counts(4, 0) });
    assert.deepEqual(first.entities.task, counts(1, 3), 'Code Review is new');
    const [linus] = await workerNamed('Linus Torvalds');
    assert.deepEqual([linus.email, linus.role.code], ['linus.torvalds@brightline-consulting.example', 'CONSULTANT']);
    const drafts = await graph.query(
      `query($w: ID) { timeEntries(filter: { workerId: $w }, first: 50) { nodes { status hours invoicedExternally } } }`,
      { w: linus.id },
    );
    assert.deepEqual(drafts.data.timeEntries.nodes.map((node: { status: string }) => node.status), ['DRAFT', 'DRAFT', 'DRAFT', 'DRAFT'], 'DRAFT unless asked');
    const before = await events();
    const second = summary(await importFile('kimai', 'kimai-timesheet.csv', 'kimai-defaults.json'));
    assert.deepEqual(second.totals, { rows: 4, ...counts(0, 4) });
    assert.equal(await events(), before);
  });

  it('generic: each entity file with its mapping, twice; references between files by the source system ids', async () => {
    const files = ['customers', 'roles', 'workers', 'projects', 'tasks', 'assignments', 'time-entries'];
    const expected: Record<string, { totals: ReturnType<typeof counts> }> = {
      customers: { totals: counts(1, 1) },
      roles: { totals: counts(1, 1) },
      workers: { totals: counts(1, 1) },
      projects: { totals: counts(1, 1) },
      tasks: { totals: counts(1, 1) },
      assignments: { totals: counts(1, 0) },
      'time-entries': { totals: counts(3, 0) },
    };
    for (const name of files) {
      const report = summary(await importFile('generic', `generic-${name}.csv`, `generic-${name}.mapping.json`));
      assert.deepEqual(report.problems, [], name);
      const { rows: _rows, ...totals } = report.totals;
      assert.deepEqual(totals, expected[name].totals, name);
    }
    const [katherine] = await workerNamed('Katherine Johnson');
    assert.deepEqual([katherine.kind, katherine.role.code], ['CONTRACTOR', 'ANALYST'], 'the role by its legacy-crm id, matched by name to ANALYST');
    const before = await events();
    for (const name of files) {
      const report = summary(await importFile('generic', `generic-${name}.csv`, `generic-${name}.mapping.json`));
      assert.equal(report.totals.matched, report.totals.rows, `${name}: all matched the second time`);
    }
    assert.equal(await events(), before, 'the second run publishes nothing');
  });

  it('refuses rows with their codes, skips empty ones, and lets time into a closed period only with ADMIN and the flag', async () => {
    const header = readFileSync(fixture('harvest-detailed-time.csv'), 'utf8').split('\n')[0];
    const row = (date: string, hours: string, client = 'Northwind Health Inc.', project = 'Sales Cloud Rollout', code = 'US-0001', person = 'Ada,Lovelace') =>
      `${date},${client},${project},${code},Discovery & Planning,Row ${date} ${hours},${hours},${hours},Yes,No,Yes,${person},Consultant,Yes,,,,,United States Dollar - USD,`;
    const content = [
      header,
      row('2026-11-20', 'lots'),
      row('2026-12-09', '1'),
      row('2026-11-20', '0'),
      row('2026-11-20', '2', 'Garage Leroy', 'Brochure', 'GL-01'),
      row('2026-11-23', '1.5'),
    ].join('\n');
    const report = await importFile('harvest', '', 'harvest-defaults.json', { content, timeStatus: 'APPROVED' });
    const byLine = Object.fromEntries(report.rows.map((result) => [result.line, [result.outcome, result.code, result.field]]));
    assert.deepEqual(byLine, {
      2: ['REFUSED', 'BAD_USER_INPUT', 'Hours'],
      3: ['REFUSED', 'FUTURE_DATE', byLine[3][2]],
      4: ['SKIPPED', null, null],
      5: ['REFUSED', 'PROJECT_NOT_ACTIVE', byLine[5][2]],
      6: ['CREATED', null, null],
    });
    assert.deepEqual(report.entities.find((entity) => entity.entity === 'project'), { entity: 'project', ...counts(1, 1) }, 'the new project is made, as a DRAFT');

    const closed = await graph.query(`mutation { closePeriod(legalEntityId: "00000001-0000-4000-8001-000000000000", periodStart: "2026-10-01", periodEnd: "2026-10-31") { id } }`);
    assert.equal(closed.errors, undefined, JSON.stringify(closed.errors));
    // Mary Wilson, hired long before October and assigned to US-0001 since August.
    const october = [header, row('2026-10-15', '2', undefined, undefined, undefined, 'Mary,Wilson')].join('\n');
    const beforeDry = await events();
    const lockedDry = await importFile('harvest', '', 'harvest-defaults.json', { content: october, timeStatus: 'APPROVED', dryRun: true });
    assert.deepEqual([lockedDry.rows[0].outcome, lockedDry.rows[0].code], ['REFUSED', 'PERIOD_LOCKED'], "a dry run has time check the row: the rule's code, as a real run");
    assert.equal(await events(), beforeDry, 'and writes nothing');
    const locked = await importFile('harvest', '', 'harvest-defaults.json', { content: october, timeStatus: 'APPROVED' });
    assert.equal(locked.rows[0].code, 'PERIOD_LOCKED');
    const allowed = await importFile('harvest', '', 'harvest-defaults.json', { content: october, timeStatus: 'APPROVED', allowLockedPeriods: true });
    assert.deepEqual([allowed.rows[0].outcome, allowed.rows[0].code], ['CREATED', null], JSON.stringify(allowed.rows[0]));
  });

  it('importData: the same importer as an ADMIN mutation, on inline content; https URLs only', async () => {
    const importData = `mutation($source: ImportSource!, $content: String, $url: String, $mapping: String, $dryRun: Boolean) {
      importData(source: $source, content: $content, url: $url, mapping: $mapping, dryRun: $dryRun, timeStatus: APPROVED) {
        source dryRun timeStatus totals { rows created matched refused } entities { entity created matched } rows { line outcome code } omittedRows } }`;
    const content = readFileSync(fixture('harvest-detailed-time.csv'), 'utf8');
    const mapping = readFileSync(fixture('harvest-defaults.json'), 'utf8');
    const denied = await graph.query(importData, { source: 'HARVEST', content, mapping }, { roles: ['FINANCE'] });
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
    const dry = await graph.query(importData, { source: 'HARVEST', content, mapping, dryRun: true });
    assert.equal(dry.errors, undefined, JSON.stringify(dry.errors));
    assert.deepEqual(dry.data.importData.totals, { rows: 8, created: 0, matched: 8, refused: 0 }, 'imported by the CLI before');
    assert.equal(dry.data.importData.dryRun, true);
    const generic = readFileSync(fixture('generic-customers.csv'), 'utf8');
    const customers = await graph.query(importData, { source: 'GENERIC', content: generic, mapping: readFileSync(fixture('generic-customers.mapping.json'), 'utf8') });
    assert.equal(customers.errors, undefined, JSON.stringify(customers.errors));
    assert.deepEqual(customers.data.importData.rows.map((r: { outcome: string }) => r.outcome), ['MATCHED', 'MATCHED']);
    const insecure = await graph.query(importData, { source: 'HARVEST', url: 'http://files.example/export.csv', mapping });
    assert.deepEqual([insecure.errors?.[0].extensions?.code, insecure.errors?.[0].extensions?.field], ['BAD_USER_INPUT', 'url']);
    const both = await graph.query(importData, { source: 'HARVEST', content, url: 'https://files.example/export.csv' });
    assert.equal(both.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const notHarvest = await graph.query(importData, { source: 'HARVEST', content: 'a,b\n1,2\n' });
    assert.match(notHarvest.errors?.[0].message ?? '', /not a harvest export/);
    const wrongMapping = await graph.query(importData, {
      source: 'GENERIC',
      content: readFileSync(fixture('generic-workers.csv'), 'utf8'),
      mapping: readFileSync(fixture('generic-roles.mapping.json'), 'utf8'),
    });
    assert.match(wrongMapping.errors?.[0].message ?? '', /no column "Job code", "Job title" of the mapping/);
  });
});
