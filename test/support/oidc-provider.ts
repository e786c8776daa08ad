import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

/** A person the provider signs in: the claims it puts in their access tokens. */
export interface TestAccount {
  readonly email?: string;
  readonly groups?: readonly string[];
}

/** A signing key of the provider, private part included, as its keystore holds it. */
export type SigningKey = JWK & { kid: string; alg: string };

export interface TestIdentityProvider {
  readonly issuer: string;
  /** Requests for the JWKS so far: how often a resource server fetched the keys. */
  readonly jwksRequests: number;
  /** A token for a program: the client credentials grant, for `resource` (the audience). */
  clientCredentials(clientId: string, options?: { resource?: string }): Promise<string>;
  /** A token for a person: the authorization code flow, signing in as `accountId` in the provider's own login form. */
  authorizationCode(accountId: string, options?: { resource?: string }): Promise<string>;
  /** From now on, access tokens are signed with this algorithm (a key of it must be in the keystore). */
  signWith(alg: 'RS256' | 'ES256' | 'EdDSA'): void;
  /** From now on, access tokens live this long (seconds). */
  tokensLast(seconds: number): void;
  /**
   * The provider is replaced by one with the same issuer and these keys (the first of each algorithm signs): a key
   * rotation, as the firm's provider does it, publishing the new key beside the old one.
   */
  rotate(keys: readonly SigningKey[]): void;
  stop(): Promise<void>;
}

export const newSigningKey = async (alg: 'RS256' | 'ES256' | 'EdDSA', kid: string): Promise<SigningKey> => {
  const { privateKey } = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
};

const clientSecret = (clientId: string) => `${clientId}-secret`;
const redirectUri = 'http://127.0.0.1/callback';

/**
 * A real OpenID Connect provider (the `oidc-provider` package, as firms run behind Keycloak or Entra ID) on a loopback
 * port: discovery, JWKS, the token endpoint, the authorization endpoint with its (development) login and consent
 * pages. Access tokens are JWTs (RFC 9068) for the requested `resource`, which becomes their `aud`; a person's carry
 * `email` and `groups` from `accounts`. Clients: `clients` for client credentials, `portal` for the code flow.
 */
export async function startIdentityProvider(options: {
  accounts: Readonly<Record<string, TestAccount>>;
  clients: readonly string[];
  audience: string;
  keys: readonly SigningKey[];
}): Promise<TestIdentityProvider> {
  let alg: 'RS256' | 'ES256' | 'EdDSA' = 'RS256';
  let ttlSeconds = 300;
  let jwksRequests = 0;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/jwks')) jwksRequests++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const configuration = (keys: readonly SigningKey[]): Configuration => ({
    clients: [
      ...options.clients.map((clientId) => ({
        client_id: clientId,
        client_secret: clientSecret(clientId),
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post' as const,
      })),
      {
        client_id: 'portal',
        client_secret: clientSecret('portal'),
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'client_secret_post' as const,
      },
    ],
    jwks: { keys: keys as JWK[] } as Configuration['jwks'],
    cookies: { keys: ['test-cookie-key'] },
    scopes: ['openid', 'psgraph'],
    // Stated, so the provider does not print a notice for each default it falls back to.
    ttl: {
      AccessToken: () => ttlSeconds,
      ClientCredentials: () => ttlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 3600,
      Grant: 3600,
    },
    async findAccount(_ctx, accountId) {
      if (!(accountId in options.accounts)) return undefined;
      return { accountId, claims: async () => ({ sub: accountId }) };
    },
    async extraTokenClaims(_ctx, token) {
      const accountId = 'accountId' in token ? token.accountId : undefined;
      const account = accountId ? options.accounts[accountId] : undefined;
      if (!account) return undefined;
      return { ...(account.email ? { email: account.email } : {}), ...(account.groups ? { groups: [...account.groups] } : {}) };
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? options.audience,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => ({
          scope: 'psgraph',
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: ttlSeconds,
          jwt: { sign: { alg } },
        }),
      },
    },
  });
  const serve = (keys: readonly SigningKey[]) => {
    const provider = new Provider(issuer, configuration(keys));
    // Its own logging of expected refusals (a wrong client secret, a bad request) is noise in a test's output.
    provider.on('server_error', () => undefined);
    handler = provider.callback();
  };
  serve(options.keys);

  async function tokenRequest(body: Record<string, string>): Promise<string> {
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    });
    const answer = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!answer.access_token) throw new Error(`token request refused: ${answer.error} ${answer.error_description}`);
    return answer.access_token;
  }

  return {
    issuer,
    get jwksRequests() {
      return jwksRequests;
    },
    clientCredentials(clientId, { resource = options.audience } = {}) {
      return tokenRequest({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret(clientId),
        scope: 'psgraph',
        resource,
      });
    },
    async authorizationCode(accountId, { resource = options.audience } = {}) {
      const cookies = new Map<string, string>();
      const remember = (response: Response) => {
        for (const cookie of response.headers.getSetCookie()) {
          const [pair] = cookie.split(';');
          const at = pair.indexOf('=');
          cookies.set(pair.slice(0, at), pair.slice(at + 1));
        }
      };
      const send = async (url: string, form?: Record<string, string>) => {
        const response = await fetch(new URL(url, issuer), {
          method: form ? 'POST' : 'GET',
          redirect: 'manual',
          headers: {
            cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
            ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          body: form ? new URLSearchParams(form) : undefined,
        });
        remember(response);
        return response;
      };
      const authorize = new URL('/auth', issuer);
      authorize.search = new URLSearchParams({
        client_id: 'portal',
        response_type: 'code',
        scope: 'openid psgraph',
        redirect_uri: redirectUri,
        resource,
      }).toString();
      let response = await send(authorize.href);
      // Login, then consent, each a page with a form the user submits; then the redirect back with the code.
      for (let step = 0; step < 10; step++) {
        const location = response.headers.get('location');
        if (location?.startsWith(redirectUri)) {
          const code = new URL(location).searchParams.get('code');
          if (!code) throw new Error(`no code in ${location}`);
          return tokenRequest({
            grant_type: 'authorization_code',
            code,
            redirect_uri: redirectUri,
            client_id: 'portal',
            client_secret: clientSecret('portal'),
            resource,
          });
        }
        if (location) {
          response = await send(location);
          continue;
        }
        const page = await response.text();
        const action = /action="([^"]+)"/.exec(page)?.[1];
        const prompt = /name="prompt" value="([^"]+)"/.exec(page)?.[1];
        if (!action || !prompt) throw new Error(`unexpected page (${response.status}): ${page.slice(0, 300)}`);
        response = await send(action, prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt });
      }
      throw new Error('the authorization code flow did not come back');
    },
    signWith(next) {
      alg = next;
    },
    tokensLast(seconds) {
      ttlSeconds = seconds;
    },
    rotate(keys) {
      serve(keys);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
