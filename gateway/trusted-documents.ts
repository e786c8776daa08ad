import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ApolloServerPlugin, PersistedQueryOptions } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  parse,
  print,
  visit,
  type DefinitionNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import type { Identity, Role } from '../lib/auth/identity.ts';
import { ConfigError } from '../lib/config.ts';
import type { GatewayContext } from './context.ts';

export interface TrustedDocumentsOptions {
  /** The manifest (TRUSTED_DOCUMENTS): Apollo's persisted query manifest, or a `{ "<sha256>": "<document>" }` map. */
  readonly manifestPath: string;
  /** Roles that may still send documents not in the manifest (TRUSTED_DOCUMENTS_ARBITRARY_ROLES). Default ADMIN. */
  readonly arbitraryRoles?: readonly Role[];
}

/** What a subscribe request over graphql-ws or SSE carries, as far as documents go. */
export interface DocumentRequest {
  readonly query?: unknown;
  readonly extensions?: unknown;
  readonly documentId?: unknown;
}

/** A subscribe request to go on with (its document from the manifest when it named one), or why not. */
export type ResolvedRequest<R> = { readonly request: R } | { readonly errors: readonly GraphQLError[] };

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const sha256Pattern = /^(?:sha256:)?([0-9a-f]{64})$/i;

/**
 * A document's hash as a client names it: `sha256:<hex>` (GraphQL over HTTP's persisted documents, Hive) or the bare
 * hex (Apollo's `persistedQuery.sha256Hash`), in lower case. Anything else is kept as given: it names no document.
 */
const normalizedHash = (named: string) => sha256Pattern.exec(named)?.[1].toLowerCase() ?? named;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `extensions.persistedQuery.sha256Hash`, as Apollo Client's persisted-query link sends it. */
const persistedHashOf = (extensions: unknown) => {
  const persisted = isRecord(extensions) ? extensions.persistedQuery : undefined;
  return isRecord(persisted) && typeof persisted.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
};

/** The trusted-document refusals a client sees (README "Trusted documents"). */
const refusals = {
  notFound: () =>
    // Apollo Server's own code and message for an unknown hash, which Apollo Client answers by sending the whole text.
    new GraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }),
  required: (roles: readonly Role[]) =>
    new GraphQLError(
      `This gateway runs only the operations of its trusted-document manifest: send the document's hash ` +
        `(extensions.persistedQuery.sha256Hash or documentId)${roles.length ? `; other documents are for ${roles.join(', ')}` : ''}.`,
      { extensions: { code: 'PERSISTED_QUERY_REQUIRED', http: { status: 403 } } },
    ),
  mismatch: () =>
    new GraphQLError('The document sent does not match the hash sent with it (sha256 of the query text).', {
      extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
    }),
};

/** A manifest the gateway cannot start with: the operator's to fix, so one line at start-up (lib/startup.ts runMain). */
const manifestError = (source: string, reason: string) =>
  new ConfigError('TRUSTED_DOCUMENTS', `(${source}): ${reason}`, 'point it at a manifest `npm run trusted-documents` wrote, or unset it');

/**
 * Reads a manifest, in either format, and checks it: every id is the sha256 of its document's text and every document
 * parses. Throws (the gateway does not start) on anything else, naming the entry.
 */
export function readManifest(manifest: unknown, source: string): ReadonlyMap<string, string> {
  const fail = (reason: string): never => {
    throw manifestError(source, reason);
  };
  if (!isRecord(manifest)) return fail('a manifest is a JSON object');
  let entries: [id: unknown, body: unknown][];
  if ('format' in manifest) {
    if (manifest.format !== 'apollo-persisted-query-manifest' || manifest.version !== 1) {
      return fail(`unknown format ${JSON.stringify(manifest.format)} version ${JSON.stringify(manifest.version)} (apollo-persisted-query-manifest 1, or a { "<sha256>": "<document>" } map)`);
    }
    if (!Array.isArray(manifest.operations)) return fail('"operations" is not a list');
    entries = manifest.operations.map((operation: unknown) => (isRecord(operation) ? [operation.id, operation.body] : [undefined, undefined]));
  } else {
    entries = Object.entries(manifest);
  }
  if (entries.length === 0) return fail('no operations: every client without a role in TRUSTED_DOCUMENTS_ARBITRARY_ROLES would be refused');
  const documents = new Map<string, string>();
  for (const [id, body] of entries) {
    if (typeof id !== 'string' || typeof body !== 'string') return fail(`an entry without a string id and document: ${JSON.stringify([id, body]).slice(0, 200)}`);
    const hash = sha256Pattern.exec(id)?.[1].toLowerCase();
    if (!hash) return fail(`"${id.slice(0, 100)}" is not a sha256 hash (64 hex digits; for graphql-codegen's client preset set persistedDocuments.hashAlgorithm to "sha256")`);
    if (sha256Hex(body) !== hash) return fail(`"${id}" is not the sha256 of its document`);
    try {
      parse(body);
    } catch (error) {
      return fail(`"${id}" does not parse: ${(error as Error).message}`);
    }
    documents.set(hash, body);
  }
  return documents;
}

/** Apollo's persisted query manifest, as `@apollo/generate-persisted-query-manifest` writes it. */
export interface PersistedQueryManifest {
  readonly format: 'apollo-persisted-query-manifest';
  readonly version: 1;
  readonly operations: readonly { readonly id: string; readonly name: string; readonly type: string; readonly body: string }[];
}

/**
 * The manifest of the named operations in `sources` (GraphQL documents: an app's .graphql files), each with the
 * fragments it spreads, directly or through others (`npm run trusted-documents`). The body is graphql-js's print of
 * them; a client sends its hash, or that text.
 */
export function persistedQueryManifest(sources: readonly string[]): PersistedQueryManifest {
  const definitions: DefinitionNode[] = sources.flatMap((source) => parse(source).definitions);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of definitions) {
    if (definition.kind !== Kind.FRAGMENT_DEFINITION) continue;
    if (fragments.has(definition.name.value)) throw new Error(`fragment ${definition.name.value} is defined twice`);
    fragments.set(definition.name.value, definition);
  }
  const spreadIn = (node: OperationDefinitionNode | FragmentDefinitionNode) => {
    const names: string[] = [];
    visit(node, { FragmentSpread: (spread) => void names.push(spread.name.value) });
    return names;
  };
  const names = new Set<string>();
  const operations = definitions
    .filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => {
      const name = operation.name?.value;
      if (!name) throw new Error(`every operation needs a name: ${print(operation).slice(0, 80)}…`);
      if (names.has(name)) throw new Error(`operation ${name} is defined twice`);
      names.add(name);
      const used = new Map<string, FragmentDefinitionNode>();
      const pending = spreadIn(operation);
      for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
        if (used.has(next)) continue;
        const fragment = fragments.get(next);
        if (!fragment) throw new Error(`operation ${name} spreads fragment ${next}, which no source defines`);
        used.set(next, fragment);
        pending.push(...spreadIn(fragment));
      }
      const ordered = [...used.keys()].sort().map((fragment) => used.get(fragment)!);
      const body = print({ kind: Kind.DOCUMENT, definitions: [operation, ...ordered] });
      return { id: sha256Hex(body), name, type: operation.operation, body };
    });
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

/**
 * Trusted documents (README "Trusted documents"): with a manifest, the gateway runs for clients only the operations in
 * it, named by hash (`extensions.persistedQuery.sha256Hash`, as Apollo Client sends it, or `documentId`, as GraphQL
 * over HTTP's persisted documents and Hive's clients do) or sent whole with the same text; callers with one of the
 * arbitrary roles may send any document. Over HTTP it is Apollo Server's own persisted-query path with the manifest
 * as its store, read-only, so nothing registers at run time (the `persistedQueries` option), and a plugin that
 * decides; graphql-ws and SSE subscribe requests go through `resolveSubscription`. Subgraphs reading the graph as
 * themselves, and the gateway's own operations, are not clients.
 */
export class TrustedDocuments {
  readonly arbitraryRoles: readonly Role[];
  readonly #documents: ReadonlyMap<string, string>;

  constructor(documents: ReadonlyMap<string, string>, arbitraryRoles: readonly Role[] = ['ADMIN']) {
    this.#documents = documents;
    this.arbitraryRoles = arbitraryRoles;
  }

  /** The manifest at `manifestPath`, checked (readManifest); throws when it cannot be read or does not check out. */
  static load(options: TrustedDocumentsOptions): TrustedDocuments {
    let text: string;
    try {
      text = readFileSync(options.manifestPath, 'utf8');
    } catch (error) {
      throw manifestError(options.manifestPath, `cannot be read: ${(error as Error).message}`);
    }
    let manifest: unknown;
    try {
      manifest = JSON.parse(text);
    } catch (error) {
      throw manifestError(options.manifestPath, `not JSON: ${(error as Error).message}`);
    }
    return new TrustedDocuments(readManifest(manifest, options.manifestPath), options.arbitraryRoles);
  }

  /**
   * Apollo Server's `persistedQueries` option: a hash-only request reads its document from the manifest (an unknown
   * hash is Apollo's PERSISTED_QUERY_NOT_FOUND), and registering (a hash sent with its text) stores nothing.
   */
  persistedQueries(): PersistedQueryOptions {
    const documents = this.#documents;
    return {
      cache: {
        // Apollo Server prefixes its keys (`apq:<hash>`).
        get: async (key) => documents.get(key.slice(key.lastIndexOf(':') + 1)),
        set: async () => undefined,
        delete: async () => false,
      },
    };
  }

  /**
   * The Apollo Server plugin for client requests over HTTP. At the start it reads `documentId` (body or query string)
   * into the persisted-query extension Apollo Server understands and lower-cases the hash; a hash sent with a text that
   * does not match is dropped here and refused below (Apollo Server's own refusal of it has no code, so clients would
   * see an internal error). Once the operation is known, before anything runs: a document not in the manifest is
   * refused unless the caller has an arbitrary role. Demand control and rate limits weigh trusted documents as any.
   */
  plugin(): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async ({ request, contextValue }) => {
        if (!request.http || contextValue.identity?.service) return;
        const { body, search } = request.http;
        const documentId = isRecord(body) ? body.documentId : new URLSearchParams(search).get('documentId');
        const named = this.#namedHashes(request.extensions, documentId);
        const [hash] = named;
        const extensions = { ...request.extensions };
        delete extensions.persistedQuery;
        const matchesText = typeof request.query !== 'string' || sha256Hex(request.query) === hash;
        if (hash !== undefined && matchesText) extensions.persistedQuery = { version: 1, sha256Hash: hash };
        request.extensions = extensions;
        return {
          didResolveOperation: async ({ queryHash }) => {
            if (named.some((given) => given !== queryHash)) throw refusals.mismatch();
            if (!this.#documents.has(queryHash) && !this.#mayBeArbitrary(contextValue.identity)) {
              throw refusals.required(this.arbitraryRoles);
            }
          },
        };
      },
    };
  }

  /**
   * A subscribe request (graphql-ws, SSE) before the live server reads it: the request with the manifest's document as
   * its `query` (graphql-ws requires a `query` string, so a client naming a hash sends `""`), or the errors to answer.
   */
  resolveSubscription<R extends DocumentRequest>(request: R, identity: Identity): ResolvedRequest<R> {
    const named = this.#namedHashes(request.extensions, request.documentId);
    const text = typeof request.query === 'string' && request.query !== '' ? request.query : undefined;
    const textHash = text === undefined ? undefined : sha256Hex(text);
    const hash = named[0] ?? textHash;
    if (named.some((given) => given !== hash) || (textHash !== undefined && textHash !== hash)) return { errors: [refusals.mismatch()] };
    const document = hash === undefined ? undefined : this.#documents.get(hash);
    if (document !== undefined) return { request: { ...request, query: document } };
    // No document at all: the live server says what is missing.
    if (text === undefined) return named.length ? { errors: [refusals.notFound()] } : { request };
    return this.#mayBeArbitrary(identity) ? { request } : { errors: [refusals.required(this.arbitraryRoles)] };
  }

  /** The manifest's document for the hash a request names (persisted-query extension or `documentId`), if any. */
  documentNamed(extensions: unknown, documentId: unknown): string | undefined {
    const [hash] = this.#namedHashes(extensions, documentId);
    return hash === undefined ? undefined : this.#documents.get(hash);
  }

  #mayBeArbitrary(identity: Identity | undefined): boolean {
    return identity?.roles.some((role) => this.arbitraryRoles.includes(role)) ?? false;
  }

  /** The hashes a request names, by its persisted-query extension and its `documentId`, normalized, without repeats. */
  #namedHashes(extensions: unknown, documentId: unknown): string[] {
    const named = [persistedHashOf(extensions), typeof documentId === 'string' ? documentId : undefined];
    return [...new Set(named.filter((hash): hash is string => hash !== undefined).map(normalizedHash))];
  }
}
