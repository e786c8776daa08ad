import { outboundRefusal, type OutboundPolicy } from '../../lib/http/outbound.ts';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { requireRole } from '../../lib/auth/identity.ts';
import { badInput, DomainError, errorCodes, type ErrorCode } from '../../lib/errors.ts';
import { dataOf, ImportGraphError, ImportInputError, runImport, type ImportGraph, type ImportSource } from '../../lib/import/index.ts';
import type { GatewayContext } from '../context.ts';

/** Runs an operation through the gateway itself, as the caller (gateway/server.ts: Apollo's executeOperation). */
export type ExecuteAsCaller = (
  query: string,
  variables: Record<string, unknown>,
  context: GatewayContext,
) => Promise<{ data?: Record<string, unknown> | null; errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> }>;

export interface ImportFieldsOptions {
  readonly execute: ExecuteAsCaller;
  /** The largest file fetched from a URL. Default 100 MiB (read as it arrives, never held whole). */
  readonly maxUrlBytes?: number;
  /** How long fetching and importing a URL's file may take to start answering. Default 60 s to the first byte. */
  readonly fetchTimeoutMs?: number;
  /** Which hosts a URL may name (OUTBOUND_ALLOW_PRIVATE_NETWORKS); default: any. */
  readonly outbound?: OutboundPolicy;
}

interface ImportDataArgs {
  source: 'HARVEST' | 'KIMAI' | 'GENERIC';
  url?: string | null;
  content?: string | null;
  mapping?: string | null;
  dryRun?: boolean | null;
  timeStatus?: 'DRAFT' | 'APPROVED' | null;
  allowLockedPeriods?: boolean | null;
}

/** A stream that fails once more than `limit` bytes have passed through it. */
const bounded = (limit: number) => {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) done(badInput('url', `the file is larger than ${limit} bytes`));
      else done(null, chunk);
    },
  });
};

/**
 * `importData` (operations.graphql): the CLI's importer (lib/import) run in the gateway for an ADMIN, on a file given
 * inline or fetched from an https URL. Every read and write it makes is an operation through this gateway as the
 * caller, so the graph's roles, rules and idempotency apply as they do for the CLI, and rate limits do not (the
 * operations are the gateway's own, without an HTTP request).
 */
export function importFields(options: ImportFieldsOptions) {
  const maxUrlBytes = options.maxUrlBytes ?? 100 * 1024 * 1024;

  async function open(args: ImportDataArgs): Promise<Readable | string> {
    if ((args.url == null) === (args.content == null)) throw badInput('content', 'give the file as content or as url, one of them');
    if (args.content != null) return args.content;
    let url: URL;
    try {
      url = new URL(args.url!);
    } catch {
      throw badInput('url', 'is not a URL');
    }
    if (url.protocol !== 'https:') throw badInput('url', 'must be an https URL');
    const refusal = await outboundRefusal(url, options.outbound ?? { allowPrivateNetworks: true });
    if (refusal) throw badInput('url', refusal);
    let response: Response;
    try {
      response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(options.fetchTimeoutMs ?? 60_000) });
    } catch (error) {
      throw new DomainError('BAD_USER_INPUT', `the file at ${url.host} cannot be fetched: ${(error as Error).message}`, { field: 'url' });
    }
    if (!response.ok || !response.body) {
      throw new DomainError('BAD_USER_INPUT', `the file at ${url.host} answered ${response.status}`, { field: 'url' });
    }
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > maxUrlBytes) {
      await response.body.cancel();
      throw badInput('url', `the file is larger than ${maxUrlBytes} bytes`);
    }
    const source = Readable.fromWeb(response.body as unknown as WebReadableStream);
    const limited = bounded(maxUrlBytes);
    source.on('error', (error) => limited.destroy(error));
    return source.pipe(limited);
  }

  return {
    async importData(args: ImportDataArgs, context: GatewayContext) {
      requireRole(context.identity);
      let mapping: unknown;
      if (args.mapping != null) {
        try {
          mapping = JSON.parse(args.mapping);
        } catch (error) {
          throw badInput('mapping', `is not JSON: ${(error as Error).message}`);
        }
      }
      const input = await open(args);
      const graph: ImportGraph = {
        async request<T>(query: string, variables: Record<string, unknown> = {}) {
          return dataOf<T>((await options.execute(query, variables, context)) as { data?: T | null });
        },
      };
      try {
        const report = await runImport({
          source: args.source.toLowerCase() as ImportSource,
          input,
          graph,
          mapping,
          dryRun: args.dryRun ?? false,
          timeStatus: args.timeStatus ?? 'DRAFT',
          allowLockedPeriods: args.allowLockedPeriods ?? false,
        });
        return { ...report, source: args.source };
      } catch (error) {
        if (error instanceof ImportInputError) throw badInput(args.mapping != null ? 'mapping' : 'content', error.message);
        // A read or write the graph refused as a whole (not one row: those are in the report), e.g. FORBIDDEN.
        if (error instanceof ImportGraphError) {
          throw new DomainError(error.code in errorCodes ? (error.code as ErrorCode) : 'INTERNAL_SERVER_ERROR', error.message);
        }
        if (error instanceof DomainError) throw error;
        if ((error as { code?: string }).code?.startsWith('CSV_')) throw badInput('content', `the file is not CSV: ${(error as Error).message}`);
        throw error;
      }
    },
  };
}
