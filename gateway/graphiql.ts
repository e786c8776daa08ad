/**
 * The browser IDE: GraphiQL at `GET /graphql` for a browser that asks for HTML, its files under `/graphql/ide/`.
 *
 * Everything comes from installed packages (the prebuilt UMD bundle and stylesheet of `graphiql` 4, React 18's UMD
 * builds) and gateway/graphiql-browser/, never from a CDN: the IDE works offline and behind a firewall, and its
 * Content-Security-Policy allows this origin only. graphiql 5 ships ESM for a bundler only (Monaco and its workers);
 * 4 is the last major with a bundle a page can load as it is.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { sendJson } from '../lib/http/apollo-handler.ts';
import type { Logger } from '../lib/logger.ts';
import { readmeExamples, type IdeExample } from './graphiql-examples.ts';

export interface GraphiqlOptions {
  /** Serve the IDE (GRAPHIQL_ENABLED, default true). Off: a browser's GET /graphql is a 401 like any other. */
  readonly enabled?: boolean;
  /** The Markdown file whose ```graphql blocks are the IDE's examples; default the repository's README.md. */
  readonly examplesFrom?: URL | string;
}

/** Where the IDE's files are served: below the endpoint, so a proxy that forwards `/graphql` forwards them too. */
export const IDE_ASSET_PREFIX = '/graphql/ide/';

/** A file the page loads: from an installed package, or from gateway/graphiql-browser/. */
interface AssetSource {
  readonly file: string;
  readonly contentType: string;
}

const javascript = 'text/javascript; charset=utf-8';
const stylesheet = 'text/css; charset=utf-8';
const require = createRequire(import.meta.url);
const packageFile = (name: string, file: string) => join(dirname(require.resolve(`${name}/package.json`)), file);
const ownFile = (file: string) => fileURLToPath(new URL(`./graphiql-browser/${file}`, import.meta.url));

/** In the order the page loads them: GraphiQL's bundle expects the globals React and ReactDOM, ide.js all three. */
const assetSources: Readonly<Record<string, AssetSource>> = {
  'graphiql.css': { file: packageFile('graphiql', 'graphiql.min.css'), contentType: stylesheet },
  'ide.css': { file: ownFile('ide.css'), contentType: stylesheet },
  'react.js': { file: packageFile('react', 'umd/react.production.min.js'), contentType: javascript },
  'react-dom.js': { file: packageFile('react-dom', 'umd/react-dom.production.min.js'), contentType: javascript },
  'graphiql.js': { file: packageFile('graphiql', 'graphiql.min.js'), contentType: javascript },
  'ide.js': { file: ownFile('ide.js'), contentType: javascript },
};

interface Asset {
  readonly body: Buffer;
  readonly gzipped: Buffer;
  readonly contentType: string;
  /** The first 16 hex digits of the body's SHA-256: the ETag, and the `?v=` that makes a URL cacheable for good. */
  readonly version: string;
}

/**
 * Only this origin: scripts and styles are files of /graphql/ide/ (no inline script, no eval), requests and the
 * graphql-ws socket go to this origin ('self' covers ws: and wss: of the same host), data: for the icons GraphiQL's
 * stylesheet embeds. No framing (clickjacking), no forms posted elsewhere, no <base> rewriting the asset URLs.
 */
export const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders = {
  'content-security-policy': IDE_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** q of each entry of an Accept or Accept-Encoding header (`text/html;q=0.9` → 0.9; absent q → 1). */
function acceptRanges(accept: string): Map<string, number> {
  const ranges = new Map<string, number>();
  for (const entry of accept.split(',')) {
    const [range, ...parameters] = entry.split(';').map((part) => part.trim().toLowerCase());
    if (!range) continue;
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const quality = q ? Number(q.slice(2)) : 1;
    ranges.set(range, Number.isFinite(quality) ? quality : 0);
  }
  return ranges;
}

/** The q an Accept gives a media type: its own range's, else its type's `type/*`, else `*\/*`'s, else 0. */
const qualityOf = (ranges: Map<string, number>, mediaType: string) =>
  ranges.get(mediaType) ?? ranges.get(`${mediaType.split('/')[0]}/*`) ?? ranges.get('*/*') ?? 0;

/**
 * Whether a request to /graphql is a browser opening the page rather than a GraphQL-over-HTTP GET: GET, no `query`
 * (nor `extensions`, a persisted query's hash) in the URL, and an Accept that names text/html itself and ranks it
 * above both GraphQL response types. Browsers navigating send `text/html,…,*\/*;q=0.8`; API clients send one of the
 * JSON types, or `*\/*` (curl), which names no HTML; a tie goes to the API.
 */
export function asksForIde(req: IncomingMessage, search: URLSearchParams): boolean {
  if (req.method !== 'GET' || search.has('query') || search.has('extensions')) return false;
  const ranges = acceptRanges(req.headers.accept ?? '');
  const html = ranges.get('text/html') ?? 0;
  const json = Math.max(qualityOf(ranges, 'application/json'), qualityOf(ranges, 'application/graphql-response+json'));
  return html > 0 && html > json;
}

/** JSON inside a <script type="application/json">: `<` escaped so no example can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

function pageHtml(assets: Readonly<Record<string, Asset>>, examples: readonly IdeExample[], subscriptions: boolean) {
  // Relative to the page (`/graphql` → `graphql/ide/…`), so a proxy serving the gateway under a prefix still works.
  const url = (name: string) => `graphql/ide/${name}?v=${assets[name].version}`;
  const styles = ['graphiql.css', 'ide.css'].map((name) => `<link rel="stylesheet" href="${url(name)}">`);
  const scripts = ['react.js', 'react-dom.js', 'graphiql.js', 'ide.js'].map((name) => `<script src="${url(name)}"></script>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>psgraph · GraphiQL</title>
<link rel="icon" href="data:,">
${styles.join('\n')}
</head>
<body>
<div id="psgraph-ide"><noscript>The psgraph IDE needs JavaScript. API clients: POST to this URL with a bearer token.</noscript></div>
<script type="application/json" id="psgraph-ide-settings">${scriptJson({ examples, subscriptions })}</script>
${scripts.join('\n')}
</body>
</html>
`;
}

/** What is served, read and compressed once, at the first request for the IDE. */
interface Loaded {
  readonly page: Asset;
  readonly assets: Readonly<Record<string, Asset>>;
}

function assetOf(body: Buffer, contentType: string): Asset {
  const version = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { body, gzipped: gzipSync(body), contentType, version };
}

async function load(examplesFrom: URL | string, subscriptions: boolean, logger: Logger): Promise<Loaded> {
  const assets: Record<string, Asset> = {};
  for (const [name, { file, contentType }] of Object.entries(assetSources)) {
    let body = await readFile(file);
    // The bundle names a source map that is not served (it is 4.7 MB); without the comment no browser asks for it.
    if (contentType === javascript) body = Buffer.from(body.toString('utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
    assets[name] = assetOf(body, contentType);
  }
  const examples = await readmeExamples(examplesFrom);
  if (examples.length === 0) logger.warn('the browser IDE has no examples', { examplesFrom: String(examplesFrom) });
  const page = assetOf(Buffer.from(pageHtml(assets, examples, subscriptions)), 'text/html; charset=utf-8');
  return { page, assets };
}

function send(req: IncomingMessage, res: ServerResponse, asset: Asset, vary: string, headers: Record<string, string>) {
  const etag = `"${asset.version}"`;
  // Added to what is there already (the CORS layer's `Origin` on /graphql), not in its place.
  const varies = [res.getHeader('vary'), vary].filter(Boolean).join(', ');
  const common = { etag, vary: varies, ...headers };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  const encodings = acceptRanges(String(req.headers['accept-encoding'] ?? ''));
  const gzip = (encodings.get('gzip') ?? encodings.get('*') ?? 0) > 0;
  const body = gzip ? asset.gzipped : asset.body;
  res.writeHead(200, {
    ...common,
    'content-type': asset.contentType,
    'content-length': String(body.length),
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export type IdeHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

/**
 * The IDE's routes, or null when it is off. `serves` says whether a request is the IDE's (the page or one of its
 * files); `handle` answers it. Nothing here authenticates: the page and its files are public, like the schema in
 * this repository, and every operation the page sends carries the token the user typed into it.
 */
export function createGraphiql(
  options: GraphiqlOptions & { readonly subscriptions: boolean; readonly logger: Logger },
): { serves(req: IncomingMessage, path: string): boolean; handle: IdeHandler } | null {
  if (options.enabled === false) return null;
  const examplesFrom = options.examplesFrom ?? new URL('../README.md', import.meta.url);
  let loaded: Promise<Loaded> | undefined;
  const files = () =>
    (loaded ??= load(examplesFrom, options.subscriptions, options.logger).catch((error: unknown) => {
      // Tried again at the next request, rather than served as an error for the process's life.
      loaded = undefined;
      throw error;
    }));
  return {
    serves(req, path) {
      if (path.startsWith(IDE_ASSET_PREFIX)) return true;
      return path === '/graphql' && asksForIde(req, new URL(req.url ?? '/', 'http://localhost').searchParams);
    },
    async handle(req, res, path) {
      if (path === '/graphql') {
        // No caching of the page: it names the current assets' versions, and the same URL serves the API.
        // `Vary: Accept`: the same URL answers API clients with JSON.
        return send(req, res, (await files()).page, 'accept, accept-encoding', { 'cache-control': 'no-cache', ...securityHeaders });
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        const refusal = { errors: [{ message: 'use GET', extensions: { code: 'BAD_USER_INPUT' } }] };
        return void sendJson(res, 405, refusal, { allow: 'GET, HEAD' });
      }
      const { assets } = await files();
      const name = path.slice(IDE_ASSET_PREFIX.length);
      const asset = Object.hasOwn(assets, name) ? assets[name] : undefined;
      if (!asset) return void sendJson(res, 404, { error: 'not found; the IDE is at /graphql' });
      // The page asks for `?v=<version>`: that URL's content never changes, so browsers keep it for a year.
      const current = new URL(req.url ?? '/', 'http://localhost').searchParams.get('v') === asset.version;
      send(req, res, asset, 'accept-encoding', {
        'cache-control': current ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      });
    },
  };
}
