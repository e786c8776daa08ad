import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  checkGenericMapping,
  csvChunks,
  genericRows,
  harvestRows,
  kimaiRows,
  parseClock,
  parseCurrency,
  parseDate,
  parseFlag,
  parseHours,
  ReportBuilder,
  RowIdentity,
} from '../../lib/import/index.ts';
import type { TimeRecord } from '../../lib/import/records.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url), 'utf8');

async function rowsOf(text: string | Readable, chunkRows?: number) {
  const chunks = [];
  for await (const chunk of csvChunks(text, chunkRows)) chunks.push(chunk);
  return chunks;
}

describe('import: reading CSV', () => {
  it('streams rows in chunks of at most the chunk size, with their file lines, a BOM and blank lines dropped', async () => {
    const text = `\uFEFFa,b\n1,"x,\ny"\n\n2,z\n3,w`;
    const chunks = await rowsOf(Readable.from([Buffer.from(text)]), 2);
    assert.deepEqual(chunks.map((chunk) => chunk.length), [2, 1]);
    assert.deepEqual(chunks[0][0].cells, { a: '1', b: 'x,\ny' });
    assert.deepEqual(chunks.flat().map((row) => row.line), [3, 5, 6]);
    const windows = await rowsOf('a,b\r\n1,2\r\n3,4\r\n');
    assert.deepEqual(windows.flat().map((row) => row.line), [2, 3], 'CRLF files too');
  });

  it('reads hours exactly, never through a float', () => {
    assert.equal(parseHours('Hours', '1.5'), '1.50');
    assert.equal(parseHours('Hours', '0,25'), '0.25');
    assert.equal(parseHours('Hours', '2.345'), '2.35', 'half-up to the hundredth');
    assert.equal(parseHours('Hours', '01:30'), '1.50');
    assert.equal(parseHours('Hours', '0:20'), '0.33');
    assert.equal(parseHours('Hours', '8:30:00'), '8.50');
    assert.throws(() => parseHours('Hours', '-1'), /not a number of hours/);
    assert.throws(() => parseHours('Hours', 'abc'), /not a number of hours/);
  });

  it('reads dates as ISO or DD.MM.YYYY, refusing slashed and impossible ones', () => {
    assert.equal(parseDate('Date', '2026-11-02'), '2026-11-02');
    assert.equal(parseDate('Date', '2.11.2026'), '2026-11-02');
    assert.throws(() => parseDate('Date', '11/02/2026'), /not a date/);
    assert.throws(() => parseDate('Date', '2026-02-30'), /not a date/);
  });

  it('reads flags, times of day and currencies', () => {
    assert.equal(parseFlag('Billable?', 'Yes'), true);
    assert.equal(parseFlag('Billable?', 'no'), false);
    assert.equal(parseFlag('Exported', 'Ja'), true);
    assert.equal(parseFlag('Billable?', null), null);
    assert.throws(() => parseFlag('Billable?', 'maybe'), /not yes or no/);
    assert.equal(parseClock('From', '9:05'), '09:05');
    assert.equal(parseClock('From', '2026-11-09 13:30:00'), '13:30');
    assert.throws(() => parseClock('From', '25:00'), /time of day/);
    assert.equal(parseCurrency('Currency', 'Euro - EUR'), 'EUR');
    assert.equal(parseCurrency('Currency', 'USD'), 'USD');
    assert.throws(() => parseCurrency('Currency', 'Euro'), /currency code/);
  });
});

describe('import: Harvest detailed time report', () => {
  it('maps every documented column of the sample to records keyed under harvest', async () => {
    const [rows] = await rowsOf(fixture('harvest-detailed-time.csv'));
    const map = harvestRows();
    const records = rows.map(map);
    assert.equal(records.length, 8);
    const [first, second] = records;
    assert.equal(first.date, '2026-11-02');
    assert.equal(first.hours, '3.50');
    assert.equal(first.invoiced, true);
    assert.equal(first.billable, true);
    assert.deepEqual(first.task.project.customer.ref, { system: 'harvest', id: 'Northwind Health Inc.' });
    assert.equal(first.task.project.customer.currency, 'USD');
    assert.equal(first.task.project.code, 'US-0001');
    assert.deepEqual(first.task.ref, { system: 'harvest', id: 'Northwind Health Inc./Sales Cloud Rollout/Discovery & Planning' });
    assert.deepEqual(first.worker.ref, { system: 'harvest', id: 'Ada Lovelace' });
    assert.equal(first.worker.kind, 'EMPLOYEE');
    assert.equal(first.worker.role?.name, 'Consultant');
    assert.equal(second.notes, 'Mapping legacy fields, the "Account" object first');
    assert.equal(records[4].worker.kind, 'CONTRACTOR');
  });

  it('derives a stable id per row: identical rows are told apart by occurrence, and a second read gives the same ids', async () => {
    const [rows] = await rowsOf(fixture('harvest-detailed-time.csv'));
    const once = rows.map(harvestRows()).map((record) => record.externalId.id);
    const again = rows.map(harvestRows()).map((record) => record.externalId.id);
    assert.deepEqual(once, again);
    assert.equal(new Set(once).size, once.length, 'every row its own id');
    assert.equal(once[2].split('-')[0], once[3].split('-')[0], 'the two identical stand-ups share the hash');
    assert.deepEqual([once[2].split('-')[1], once[3].split('-')[1]], ['1', '2']);
  });

  it('leaves the flags Harvest changes later out of the id: an entry invoiced since keeps its id', async () => {
    const [rows] = await rowsOf(fixture('harvest-detailed-time.csv'));
    const before = harvestRows()(rows[1]);
    const invoiced = harvestRows()({ ...rows[1], cells: { ...rows[1].cells, 'Invoiced?': 'Yes', 'Approved?': 'No' } });
    assert.equal(invoiced.externalId.id, before.externalId.id);
    assert.equal(invoiced.invoiced, true);
  });

  it('refuses a row with a bad cell, naming the column', async () => {
    const [rows] = await rowsOf(fixture('harvest-detailed-time.csv'));
    assert.throws(() => harvestRows()({ ...rows[0], cells: { ...rows[0].cells, Hours: 'lots' } }), (error: any) => error.column === 'Hours');
    assert.throws(() => harvestRows()({ ...rows[0], cells: { ...rows[0].cells, Client: '' } }), (error: any) => error.column === 'Client');
  });
});

describe('import: Kimai timesheet export', () => {
  it('reads the 2.x default template (decimal duration, Begin/End, Email)', async () => {
    const [rows] = await rowsOf(fixture('kimai-timesheet.csv'));
    const records = rows.map(kimaiRows());
    assert.equal(records.length, 4);
    const [first, second] = records;
    assert.deepEqual([first.date, first.startTime, first.endTime, first.hours], ['2026-11-09', '09:00', '12:30', '3.50']);
    assert.deepEqual(first.worker.ref, { system: 'kimai', id: 'linus' });
    assert.equal(first.worker.name, 'Linus Torvalds');
    assert.equal(first.worker.email, 'linus.torvalds@brightline-consulting.example');
    assert.equal(first.task.name, 'Analysis & Design');
    assert.equal(first.task.project.name, 'Service Cloud (Phase 2)');
    assert.equal(second.invoiced, true, 'Exported: Yes');
    assert.equal(records[3].billable, false);
  });

  it('reads the 1.x layout (From/To, hh:mm duration) and German headers, and uses an ID column when there is one', async () => {
    const old = 'Date,From,To,Duration,Rate,User,Customer,Project,Activity,Description,Exported,Tags,Hourly rate,Fixed rate\n' +
      '2026-11-09,09:00,10:45,01:45,175.00,Linus Torvalds,Northwind Health Inc.,Service Cloud (Phase 2),Analysis & Design,Routing,Yes,,100.00,\n';
    const [[row]] = await rowsOf(old);
    const record = kimaiRows()(row) as TimeRecord;
    assert.deepEqual([record.hours, record.startTime, record.invoiced, record.worker.name], ['1.75', '09:00', true, 'Linus Torvalds']);
    const german = 'ID,Datum,Von,Bis,Dauer,Benutzer,Kunde,Projekt,Tätigkeit,Beschreibung,Exportiert\n' +
      '4711,09.11.2026,09:00,10:00,1:00,linus,Northwind Health Inc.,Service Cloud (Phase 2),Analysis & Design,Routing,Nein\n';
    const [[germanRow]] = await rowsOf(german);
    const germanRecord = kimaiRows()(germanRow) as TimeRecord;
    assert.deepEqual([germanRecord.date, germanRecord.hours, germanRecord.externalId.id, germanRecord.invoiced], ['2026-11-09', '1.00', '4711', false]);
  });
});

describe('import: generic CSV with a column mapping', () => {
  it('checks the mapping: entity, system, the required columns, no unknown fields', () => {
    assert.throws(() => checkGenericMapping({ entity: 'invoices', system: 'x', columns: {} }), /mapping.entity/);
    assert.throws(() => checkGenericMapping({ entity: 'workers', system: '', columns: {} }), /mapping.system/);
    assert.throws(() => checkGenericMapping({ entity: 'workers', system: 'hr', columns: { id: 'ID' } }), /columns.name is required/);
    assert.throws(() => checkGenericMapping({ entity: 'workers', system: 'hr', columns: { id: 'ID', name: 'N', salary: 'S' } }), /not a field of workers/);
  });

  it('maps each sample file to its entity, references to other records by their id in the same system', async () => {
    const read = async (name: string) => {
      const mapping = checkGenericMapping(JSON.parse(fixture(`generic-${name}.mapping.json`)));
      const [rows] = await rowsOf(fixture(`generic-${name}.csv`));
      return rows.map(genericRows(mapping));
    };
    const [customer] = await read('customers');
    assert.deepEqual(customer, { kind: 'customer', customer: { ref: { system: 'legacy-crm', id: 'ACC-7' }, name: 'Northwind Health Inc.', code: null, currency: 'USD' } });
    const [, worker] = await read('workers');
    assert.equal(worker.kind === 'worker' && worker.worker.role?.ref.id, 'R-ANALYST');
    assert.equal(worker.kind === 'worker' && worker.worker.role?.refOnly, true);
    const [assignment] = await read('assignments');
    assert.equal(assignment.kind, 'assignment');
    assert.equal(assignment.kind === 'assignment' && assignment.plannedHours, '80.00');
    const [entry] = await read('time-entries');
    assert.equal(entry.kind, 'time');
    assert.deepEqual(entry.kind === 'time' && [entry.externalId.id, entry.task.ref.id, entry.task.project.ref.id, entry.hours], ['TE-1', 'T-2', 'P-100', '4.50']);
  });
});

describe('import: row identity', () => {
  it('keeps counts for a window of dates and refuses a row whose date it has let go, rather than merge it', () => {
    const identity = new RowIdentity();
    const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10);
    for (let n = 0; n < 20; n++) identity.idFor(day(n), ['same']);
    assert.match(identity.idFor(day(19), ['same']), /-2$/);
    assert.match(identity.idFor(day(10), ['same']), /-2$/, 'a date within the window is still counted');
    assert.throws(() => identity.idFor(day(0), ['same']), /sort it by date/);
  });
});

describe('import: the report', () => {
  it('counts every row but keeps only the first rows and then the refused ones, each row handed on as it is decided', () => {
    const seen: number[] = [];
    const report = new ReportBuilder({ source: 'harvest', dryRun: false, timeStatus: 'DRAFT', keptRows: 3, onRow: (row) => seen.push(row.line) });
    const row = (line: number, outcome: 'CREATED' | 'REFUSED') => ({
      line, outcome, entity: 'timeEntry', externalSystem: 'harvest', externalId: String(line), recordId: null,
      code: outcome === 'REFUSED' ? 'NOT_ASSIGNED' : null, message: null, field: null,
    });
    for (let line = 2; line < 12; line++) report.row(row(line, line % 2 ? 'REFUSED' : 'CREATED'));
    report.entity('worker', 'CREATED');
    const done = report.finish();
    assert.deepEqual(done.totals, { rows: 10, created: 5, updated: 0, matched: 0, skipped: 0, refused: 5 });
    assert.deepEqual(done.rows.map((kept) => kept.line), [2, 3, 4, 5, 7, 9], 'three rows, then refused ones up to three more');
    assert.equal(done.omittedRows, 4);
    assert.equal(seen.length, 10);
    assert.deepEqual(done.entities, [{ entity: 'worker', created: 1, updated: 0, matched: 0, skipped: 0, refused: 0 }]);
  });
});
