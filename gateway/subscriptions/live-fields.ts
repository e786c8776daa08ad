import type { DomainEvent } from '../../lib/events/envelope.ts';
import { MAX_PAGE_SIZE } from '../../lib/graphql/connection.ts';
import type { BillingEventCreated, InvoiceDrafted, InvoiceIssued, InvoicePaid, InvoiceVoided } from '../../subgraphs/erp/events.ts';
import { erpTopics } from '../../subgraphs/erp/events.ts';
import { reconciliationTopics, type ReconciliationExceptionChanged } from '../../subgraphs/erp/reconciliation.ts';
import type { ProjectStatusChanged } from '../../subgraphs/psa/events.ts';
import { psaTopics } from '../../subgraphs/psa/events.ts';
import type { TimeEntryCorrected, TimeEntrySnapshot, TimesheetChanged } from '../../subgraphs/time/events.ts';
import { timeTopics } from '../../subgraphs/time/events.ts';
import { fragmentsText, selectionText, variableDefinitionsText, type LiveSelection } from './selection.ts';

/** What is known about a changed entity, matched against subscription filters (all optional: unknown until read). */
export interface Facts {
  workerId?: string | null;
  managerId?: string | null;
  projectId?: string | null;
  customerId?: string | null;
  contractId?: string | null;
  status?: string | null;
}
export type FactKey = keyof Facts;

/** One entity an event changed: its id in the graph and what the event says about it. */
export interface Change {
  readonly id: string;
  readonly facts: Facts;
  readonly correlationId: string;
}

/** A query the gateway runs and where each entity's node is in its answer. */
export interface Resolution {
  readonly query: string;
  readonly variables: Record<string, unknown>;
  /** The nodes of the answer by entity id (an id the subscriber may not see is absent or null). */
  nodes(data: Record<string, any> | null | undefined): Map<string, Record<string, unknown> | null>;
  /** The entity an error's path points into, and the rest of the path below the entity. */
  locate(path: ReadonlyArray<string | number> | undefined, data: Record<string, any> | null | undefined): { id: string; rest: (string | number)[] } | null;
}

export interface FactsQuery {
  readonly query: string;
  readonly variables: Record<string, unknown>;
  read(data: Record<string, any>): Map<string, Facts>;
}

export interface LiveField {
  readonly name: string;
  readonly eventTypes: readonly string[];
  changesOf(event: DomainEvent): Change[];
  /** Filter keys the events do not carry; read once per batch, as the gateway, when a subscriber filters on them. */
  readonly readFacts?: { readonly keys: readonly FactKey[]; query(changes: readonly Change[]): FactsQuery };
  /**
   * `managerId` is the direct manager of the change's worker (`facts.workerId`) as the gateway's reporting lines know
   * it when the batch is matched (reporting-lines.ts): the manager now, as the subgraphs' visibility rules see it,
   * not a query per batch.
   */
  readonly managerFromReportingLines?: boolean;
  /** The status filter applies to the entity as resolved (a timesheet's status is derived), not to the event. */
  readonly statusAfterResolution: boolean;
  resolution(selection: LiveSelection, ids: readonly string[]): Resolution;
  /**
   * The resolution is one document whatever the ids (a list filtered by them), so it can be run ahead of the first
   * change, for no ids, to warm what its first run would pay for (feed.ts, `#warmUp`).
   */
  readonly oneDocumentForAnyIds?: boolean;
}

/** Hidden fields the gateway adds to every resolution and strips before delivery. */
export const liveIdKey = '_liveId';
export const liveStatusKey = '_liveStatus';

const operationHead = (name: string, own: string[], selection: LiveSelection) =>
  `query ${name}(${[...own, ...variableDefinitionsText(selection)].join(', ')})`;

/** The entities by id through a list field's `filter: { ids }` (the list applies the caller's visibility). */
function listResolution(listField: string, selection: LiveSelection, ids: readonly string[]): Resolution {
  const query = `${operationHead('LiveResolution', ['$_liveIds: [ID!]!'], selection)} {
  _live: ${listField}(filter: { ids: $_liveIds }, first: ${MAX_PAGE_SIZE}) { nodes { ${liveIdKey}: id ${liveStatusKey}: status ${selectionText(selection)} } }
}
${fragmentsText(selection)}`;
  return {
    query,
    variables: { ...selection.variables, _liveIds: ids },
    nodes: (data) => new Map((data?._live?.nodes ?? []).map((node: Record<string, unknown>) => [String(node[liveIdKey]), node])),
    locate(path, data) {
      if (!path || path[0] !== '_live' || path[1] !== 'nodes' || typeof path[2] !== 'number') return null;
      const node = data?._live?.nodes?.[path[2]];
      return node ? { id: String(node[liveIdKey]), rest: path.slice(3) as (string | number)[] } : null;
    },
  };
}

/**
 * One aliased single-entity field per id (`_live0: invoice(id: $_live0) { … }`), for entities without a list field that
 * takes ids. `args(id, index)` gives the field's arguments and their variables.
 */
function aliasedResolution(
  selection: LiveSelection,
  ids: readonly string[],
  field: (id: string, index: number) => { call: string; variables: Record<string, { type: string; value: unknown }> },
): Resolution {
  const own: string[] = [];
  const variables: Record<string, unknown> = { ...selection.variables };
  const fields = ids.map((id, index) => {
    const { call, variables: used } = field(id, index);
    for (const [name, { type, value }] of Object.entries(used)) {
      own.push(`$${name}: ${type}`);
      variables[name] = value;
    }
    return `_live${index}: ${call} { ${liveIdKey}: id ${liveStatusKey}: status ${selectionText(selection)} }`;
  });
  const alias = (key: unknown) => (typeof key === 'string' && /^_live\d+$/.test(key) ? Number(key.slice(5)) : null);
  return {
    query: `${operationHead('LiveResolution', own, selection)} {\n${fields.join('\n')}\n}\n${fragmentsText(selection)}`,
    variables,
    nodes: (data) => new Map(ids.map((id, index) => [id, (data?.[`_live${index}`] as Record<string, unknown> | null) ?? null])),
    locate(path) {
      const index = alias(path?.[0]);
      return index === null || index >= ids.length ? null : { id: ids[index], rest: path!.slice(1) as (string | number)[] };
    },
  };
}

/** The entity by id through its single-entity field (`invoice(id:)`), one alias per id. */
const byIdResolution = (field: string) => (selection: LiveSelection, ids: readonly string[]) =>
  aliasedResolution(selection, ids, (id, index) => ({ call: `${field}(id: $_liveId${index})`, variables: { [`_liveId${index}`]: { type: 'ID!', value: id } } }));

const snapshotChange = (snapshot: TimeEntrySnapshot, event: DomainEvent): Change => ({
  id: snapshot.timeEntryId,
  facts: { workerId: snapshot.workerId, projectId: snapshot.projectId, status: snapshot.status },
  correlationId: event.correlationId,
});

/** The entry each time.entry.* event changed (a correction: the reversed entry; its correction is `submitted`). */
function entryChangesOf(event: DomainEvent): Change[] {
  if (event.type === timeTopics.entryCorrected) return [snapshotChange((event.data as unknown as TimeEntryCorrected).reversed, event)];
  return [snapshotChange(event.data as unknown as TimeEntrySnapshot, event)];
}

const entryEvents = [
  timeTopics.entrySubmitted,
  timeTopics.entryApproved,
  timeTopics.entryRejected,
  timeTopics.entryApprovalCancelled,
  timeTopics.entryCorrected,
];

/** The distinct ids given, without nulls. */
export const idsOf = (values: Iterable<string | null | undefined>) => [...new Set([...values].filter((v): v is string => Boolean(v)))];

export const timeEntryStatusChanged: LiveField = {
  name: 'timeEntryStatusChanged',
  eventTypes: entryEvents,
  changesOf: entryChangesOf,
  readFacts: {
    keys: ['customerId', 'contractId'],
    query: (changes) => ({
      query: `query LiveTimeEntryFacts($ids: [ID!]!) {
        timeEntries(filter: { ids: $ids }, first: ${MAX_PAGE_SIZE}) { nodes { id project { customer { id } contract { id } } } }
      }`,
      variables: { ids: idsOf(changes.map((c) => c.id)) },
      read: (data) =>
        new Map(
          data.timeEntries.nodes.map((node: any) => [node.id, { customerId: node.project?.customer?.id ?? null, contractId: node.project?.contract?.id ?? null }]),
        ),
    }),
  },
  managerFromReportingLines: true,
  statusAfterResolution: false,
  resolution: (selection, ids) => listResolution('timeEntries', selection, ids),
  oneDocumentForAnyIds: true,
};

/** Timesheet ids are "<workerId>:<isoWeek>" (schema/time.graphql). */
const timesheetKey = (id: string) => {
  const at = id.lastIndexOf(':');
  return { workerId: id.slice(0, at), isoWeek: id.slice(at + 1) };
};

/**
 * Fed by time's one event per changed week (`time.timesheet.changed`), not by its entries' events: a week of eleven
 * entries approved is one change of the timesheet, and a subscriber gets one result for it, whatever batches the
 * entries' events would have fallen into.
 */
export const timesheetStatusChanged: LiveField = {
  name: 'timesheetStatusChanged',
  eventTypes: [timeTopics.timesheetChanged],
  changesOf(event) {
    const data = event.data as unknown as TimesheetChanged;
    return [{ id: data.timesheetId, facts: { workerId: data.workerId }, correlationId: event.correlationId }];
  },
  managerFromReportingLines: true,
  statusAfterResolution: true,
  resolution: (selection, ids) =>
    aliasedResolution(selection, ids, (id, index) => {
      const { workerId, isoWeek } = timesheetKey(id);
      return {
        call: `timesheet(workerId: $_liveWorker${index}, isoWeek: $_liveWeek${index})`,
        variables: { [`_liveWorker${index}`]: { type: 'ID!', value: workerId }, [`_liveWeek${index}`]: { type: 'String!', value: isoWeek } },
      };
    }),
};

export const projectStatusChanged: LiveField = {
  name: 'projectStatusChanged',
  eventTypes: [psaTopics.projectStatusChanged],
  changesOf(event) {
    const data = event.data as unknown as ProjectStatusChanged;
    return [
      {
        id: data.projectId,
        facts: { projectId: data.projectId, customerId: data.customerId, contractId: data.contractId, status: data.to },
        correlationId: event.correlationId,
      },
    ];
  },
  readFacts: {
    keys: ['managerId'],
    query: (changes) => ({
      query: `query LiveProjectFacts($ids: [ID!]!) { projects(filter: { ids: $ids }, first: ${MAX_PAGE_SIZE}) { nodes { id manager { id } } } }`,
      variables: { ids: idsOf(changes.map((c) => c.id)) },
      read: (data) => new Map(data.projects.nodes.map((node: any) => [node.id, { managerId: node.manager?.id ?? null }])),
    }),
  },
  statusAfterResolution: false,
  resolution: (selection, ids) => listResolution('projects', selection, ids),
  oneDocumentForAnyIds: true,
};

/** What each invoice event says about its invoice (a payment does not name the customer; a void not the contract). */
function invoiceChangeOf(event: DomainEvent): Change {
  const base = { id: event.subject.id, correlationId: event.correlationId };
  switch (event.type) {
    case erpTopics.invoiceDrafted: {
      const data = event.data as unknown as InvoiceDrafted;
      return { ...base, facts: { customerId: data.customerId, contractId: data.contractId, status: 'DRAFT' } };
    }
    case erpTopics.invoiceIssued: {
      const data = event.data as unknown as InvoiceIssued;
      return { ...base, facts: { customerId: data.customerId, contractId: data.contractId, status: 'ISSUED' } };
    }
    case erpTopics.invoicePaid:
      return { ...base, facts: { status: (event.data as unknown as InvoicePaid).status } };
    default:
      return { ...base, facts: { customerId: (event.data as unknown as InvoiceVoided).customerId, status: 'VOID' } };
  }
}

/** Per-id aliases of a single-entity field, read as the gateway, for facts the events do not carry. */
function aliasedFacts(field: string, selection: string, changes: readonly Change[], read: (node: any) => Facts): FactsQuery {
  const ids = idsOf(changes.map((c) => c.id));
  return {
    query: `query LiveFacts(${ids.map((_, i) => `$id${i}: ID!`).join(', ')}) { ${ids.map((_, i) => `f${i}: ${field}(id: $id${i}) { ${selection} }`).join(' ')} }`,
    variables: Object.fromEntries(ids.map((id, i) => [`id${i}`, id])),
    read: (data) => new Map(ids.flatMap((id, i) => (data[`f${i}`] ? [[id, read(data[`f${i}`])] as const] : []))),
  };
}

export const invoiceStatusChanged: LiveField = {
  name: 'invoiceStatusChanged',
  eventTypes: [erpTopics.invoiceDrafted, erpTopics.invoiceIssued, erpTopics.invoicePaid, erpTopics.invoiceVoided],
  changesOf: (event) => [invoiceChangeOf(event)],
  readFacts: {
    keys: ['customerId', 'contractId'],
    query: (changes) =>
      aliasedFacts('invoice', 'customer { id } contract { id }', changes, (node) => ({ customerId: node.customer?.id ?? null, contractId: node.contract?.id ?? null })),
  },
  statusAfterResolution: false,
  // erp has no invoices(filter: { ids }): one aliased invoice(id:) per invoice changed in the batch (erp loads them
  // with its per-request loaders, so the aliases still cost erp one read).
  resolution: byIdResolution('invoice'),
};

export const billingEventCreated: LiveField = {
  name: 'billingEventCreated',
  // Not erp.billing_event.held: it follows .created (status HELD) in the same transaction, for the same event.
  eventTypes: [erpTopics.billingEventCreated],
  changesOf(event) {
    const data = event.data as unknown as BillingEventCreated;
    return [
      {
        id: data.billingEventId,
        facts: { customerId: data.customerId, contractId: data.contractId, projectId: data.projectId, workerId: data.workerId, status: data.status },
        correlationId: event.correlationId,
      },
    ];
  },
  statusAfterResolution: false,
  resolution: byIdResolution('billingEvent'),
};

export const reconciliationExceptionChanged: LiveField = {
  name: 'reconciliationExceptionChanged',
  eventTypes: [reconciliationTopics.exceptionFound, reconciliationTopics.exceptionCleared],
  changesOf(event) {
    const data = event.data as unknown as ReconciliationExceptionChanged;
    return [{ id: data.exceptionId, facts: { status: data.open ? 'OPEN' : 'CLEARED' }, correlationId: event.correlationId }];
  },
  statusAfterResolution: false,
  // erp's reconciliationException(id:) refuses anyone but finance and admins, who therefore hear nothing.
  resolution: byIdResolution('reconciliationException'),
};

export const liveFields: Readonly<Record<string, LiveField>> = Object.fromEntries(
  [timeEntryStatusChanged, timesheetStatusChanged, projectStatusChanged, invoiceStatusChanged, billingEventCreated, reconciliationExceptionChanged].map((field) => [field.name, field]),
);

/** Whether an entity with these facts passes a subscriber's filter (`skip`: keys checked elsewhere). */
export function matchesFilter(filter: Readonly<Record<string, unknown>>, facts: Facts, skip: ReadonlySet<string> = new Set()): boolean {
  for (const [key, wanted] of Object.entries(filter)) {
    if (wanted === null || wanted === undefined || skip.has(key)) continue;
    const actual = facts[key as FactKey];
    if (key === 'status') {
      if (!(wanted as readonly string[]).includes(String(actual))) return false;
    } else if (actual !== wanted) return false;
  }
  return true;
}
