import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CORRELATION_HEADER, type Identity, type SignedIdentityPolicy } from '../auth/identity.ts';
import { badInput, DomainError, errorCodes } from '../errors.ts';
import { runAsBatch } from '../db/workload.ts';
import { PayloadTooLargeError, sendJson, sendPayloadTooLarge } from './apollo-handler.ts';
import { readSignedRequest } from './signed-request.ts';

/** time's pages of time entries for the BI export (subgraphs/time/export-endpoint.ts). */
export const TIME_ENTRY_EXPORT_PATH = '/exports/time-entries';
/** erp's money of a page of time entries for the BI export (subgraphs/erp/export-endpoint.ts). */
export const TIME_ENTRY_MONEY_PATH = '/exports/time-entry-money';

/**
 * What time's export endpoint answers for each entry, a tuple (a page of 5,000 parses faster without 5,000 copies of
 * the keys): the entry's own fields as the graph serializes them, and the ids the gateway joins the other subgraphs'
 * fields on.
 */
export type ExportedTimeEntry = [
  id: string, date: string, hours: string, billable: boolean, status: 'DRAFT' | 'SUBMITTED' | 'APPROVED' | 'REJECTED',
  decidedAt: string | null, notes: string | null, updatedAt: string, workerId: string, projectId: string, taskId: string | null, roleId: string | null,
];
export interface TimeEntryExportPage {
  entries: ExportedTimeEntry[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** What the gateway tells erp of each entry, a tuple: the facts `TimeEntry.billing` requires from time. */
export type TimeEntryMoneyQuestion = [id: string, billable: boolean, status: ExportedTimeEntry[4]];

/**
 * What erp's money endpoint answers for each entry, a tuple in the question's order: the graph's
 * `billing.billingEvent` and `costPosting` amounts; null for an entry with neither.
 */
export type TimeEntryMoney = [
  rate: string | null, amount: string | null, currency: string | null,
  costRate: string | null, costAmount: string | null, costCurrency: string | null,
] | null;

/** A page's worth of ids and filters; far below what a page of 5,000 entries' facts takes. */
const maxBodyBytes = 2 * 1024 * 1024;

/**
 * An answer already written as JSON, in parts sent one after the other: a page the database rendered
 * (lib/graphql/connection.ts `renderedPage`) goes out without being parsed and serialized again.
 */
export class JsonText {
  constructor(readonly parts: readonly string[]) {}
}

export type ExportAnswer = (identity: Identity, body: Record<string, unknown>, correlationId: string) => Promise<unknown>;

function sendAnswer(res: ServerResponse, answer: unknown) {
  if (!(answer instanceof JsonText)) return sendJson(res, 200, answer);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  for (const part of answer.parts) res.write(part);
  res.end();
}

/**
 * A subgraph's endpoint for the gateway's streamed exports, outside the graph so a page of thousands of rows is one
 * statement and one JSON answer, not a GraphQL execution per row. Like `/graphql` it answers only requests the
 * gateway signed, as the caller (the subgraph checks access beside its data, as its resolvers do); POST, JSON in and
 * out; a refusal is `{ error: { code, message } }` with the code's HTTP status.
 */
export function exportEndpoint(options: { readonly identitySecret: string; readonly policy?: SignedIdentityPolicy }, answer: ExportAnswer) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const correlationId = (req.headers[CORRELATION_HEADER] as string | undefined)?.slice(0, 100) || randomUUID();
    try {
      if (req.method !== 'POST') throw badInput('method', 'use POST');
      const signed = await readSignedRequest(req, { identitySecret: options.identitySecret, policy: options.policy, maxBodyBytes });
      let body: unknown;
      try {
        body = JSON.parse(signed.body.toString('utf8'));
      } catch {
        throw badInput('body', 'not JSON');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badInput('body', 'a JSON object');
      // An export is analytics: its reads are batch work (lib/db/workload.ts), queued behind requests.
      sendAnswer(res, await runAsBatch(() => answer(signed.identity, body as Record<string, unknown>, correlationId)));
    } catch (error) {
      if (error instanceof PayloadTooLargeError) return sendPayloadTooLarge(res, error.limit);
      if (!(error instanceof DomainError)) throw error;
      sendJson(res, errorCodes[error.code], { error: { code: error.code, message: error.message } });
    }
  };
}

/** A body field that must be a string or absent (null). */
export function optionalString(body: Record<string, unknown>, field: string): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badInput(field, 'a string');
  return value;
}
