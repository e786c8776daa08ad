import type { ServerResponse } from 'node:http';
import type { ApolloServer, GraphQLResponse } from '@apollo/server';
import { CORRELATION_HEADER } from '../lib/auth/identity.ts';
import { errorCodes, type ErrorCode } from '../lib/errors.ts';
import { MAX_PAGE_SIZE } from '../lib/graphql/connection.ts';
import { isIsoDate } from '../lib/graphql/scalars.ts';
import { toCsv } from '../lib/http/csv.ts';
import { sendJson } from '../lib/http/apollo-handler.ts';
import type { GatewayContext } from './context.ts';

/** The columns of the payroll CSV, in order. */
export const payrollCsvHeader = [
  'worker_id',
  'employee_number',
  'name',
  'legal_entity_id',
  'period_start',
  'period_end',
  'regular_hours',
  'overtime_hours',
  'total_hours',
] as const;

const payrollQuery = `query PayrollExport($from: Date!, $to: Date!, $legalEntityId: ID, $after: String) {
  payrollHours(from: $from, to: $to, legalEntityId: $legalEntityId, first: ${MAX_PAGE_SIZE}, after: $after) {
    nodes {
      worker { id employeeNumber name legalEntity { id } }
      periodStart periodEnd regularHours overtimeHours totalHours
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface PayrollPage {
  payrollHours: {
    nodes: Array<{
      worker: { id: string; employeeNumber: string; name: string; legalEntity: { id: string } };
      periodStart: string;
      periodEnd: string;
      regularHours: string;
      overtimeHours: string;
      totalHours: string;
    }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/** A refusal as the export answers it: the graph's error code, with the HTTP status lib/errors.ts gives it. */
export class ExportError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return errorCodes[this.code as ErrorCode] ?? 500;
  }
}

export function sendExportError(res: ServerResponse, error: ExportError, correlationId: string) {
  const headers: Record<string, string> = { [CORRELATION_HEADER]: correlationId };
  if (error.code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Bearer';
  sendJson(res, error.status, { error: { code: error.code, message: error.message } }, headers);
}

/**
 * `GET /exports/payroll.csv?from=&to=[&legalEntityId=]`: the payrollHours query run through the gateway itself as
 * the caller (so time's access rules and validation apply unchanged), every page, as one CSV row per worker.
 */
export async function payrollCsv(apollo: ApolloServer<GatewayContext>, context: GatewayContext, search: URLSearchParams) {
  // Checked here, not left to the Date scalar: a subgraph's refusal of a variable reaches the client through the
  // gateway as a bare "400: Bad Request" without its code.
  const dateParameter = (name: string) => {
    const value = search.get(name);
    if (!value || !isIsoDate(value)) throw new ExportError('BAD_USER_INPUT', `${name}: required, a date YYYY-MM-DD`);
    return value;
  };
  const from = dateParameter('from');
  const to = dateParameter('to');
  const legalEntityId = search.get('legalEntityId') || null;
  const records: string[][] = [[...payrollCsvHeader]];
  let after: string | null = null;
  for (;;) {
    const response: GraphQLResponse<PayrollPage> = await apollo.executeOperation<PayrollPage>(
      { query: payrollQuery, variables: { from, to, legalEntityId, after } },
      { contextValue: context },
    );
    if (response.body.kind !== 'single') throw new ExportError('INTERNAL_SERVER_ERROR', 'unexpected incremental response');
    const { data, errors } = response.body.singleResult;
    if (errors?.length || !data) {
      const [first] = errors ?? [];
      throw new ExportError(String(first?.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), first?.message ?? 'no data');
    }
    for (const line of data.payrollHours.nodes) {
      records.push([
        line.worker.id,
        line.worker.employeeNumber,
        line.worker.name,
        line.worker.legalEntity.id,
        line.periodStart,
        line.periodEnd,
        line.regularHours,
        line.overtimeHours,
        line.totalHours,
      ]);
    }
    if (!data.payrollHours.pageInfo.hasNextPage) break;
    after = data.payrollHours.pageInfo.endCursor;
  }
  return { filename: `payroll-${from}-${to}.csv`, body: toCsv(records) };
}
