import type { ApolloServerPlugin, CSRFPreventionOptions } from '@apollo/server';
import type { GatewayContext } from './context.ts';

/**
 * Apollo Server's CSRF prevention, told that every client request carries `Authorization`: browsers preflight a
 * request with that header like one with Apollo's own two, and a request without it is a 401 before Apollo Server
 * sees it. So a GET with its query in the URL and no `Content-Type` (GraphQL over HTTP's GET) is served to a
 * bearer of a token, while a cross-site form or `<img>` still is not (it cannot carry a token; psgraph sets no cookies).
 */
export const csrfPrevention: CSRFPreventionOptions = {
  requestHeaders: ['authorization', 'x-apollo-operation-name', 'apollo-require-preflight'],
};

/** The errors of a request that never started executing because of its document or its variables. */
const documentErrorCodes = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

const graphqlResponseJson = 'application/graphql-response+json';
const json = 'application/json';

/**
 * Whether Apollo Server answers in `application/graphql-response+json` for this Accept header, as its own negotiation
 * picks (between `application/json`, listed first, and that): the higher quality, then the more specific range, then
 * the range listed first. No Accept header: `application/json`.
 */
export function answersGraphQLResponseJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept.split(',').map((part, order) => {
    const [range, ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const quality = params.find((param) => param.startsWith('q='));
    return { range, q: quality ? Number(quality.slice(2)) : 1, order };
  });
  const preference = (type: string) => {
    const [major] = type.split('/');
    const matches = ranges
      .map((entry) => ({ ...entry, s: entry.range === type ? 2 : entry.range === `${major}/*` ? 1 : entry.range === '*/*' ? 0 : -1 }))
      .filter((entry) => entry.s >= 0)
      .sort((a, b) => b.s - a.s);
    return matches[0] && matches[0].q > 0 ? matches[0] : null;
  };
  const [forJson, forGraphQL] = [preference(json), preference(graphqlResponseJson)];
  if (!forGraphQL) return false;
  if (!forJson) return true;
  return (forGraphQL.q - forJson.q || forGraphQL.s - forJson.s || forJson.order - forGraphQL.order) > 0;
}

/**
 * GraphQL over HTTP's status codes for `application/json`, the media type of clients that predate the spec: a
 * document that does not parse or validate, or variables that do not coerce, is answered `200` with the errors
 * (Apollo Server answers `400` whatever the media type). With `application/graphql-response+json` it stays `400`,
 * as the spec asks. The gateway's refusals (QUERY_TOO_COMPLEX, PERSISTED_QUERY_REQUIRED, FORBIDDEN, 413, 429) keep
 * their status: they are not about a malformed document.
 */
export function graphqlOverHttpPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    requestDidStart: async ({ request }) => {
      if (!request.http) return;
      const accept = request.http.headers.get('accept');
      return {
        willSendResponse: async ({ response }) => {
          if (response.http.status !== 400 || response.body.kind !== 'single') return;
          const { singleResult } = response.body;
          if ('data' in singleResult || !singleResult.errors?.length) return;
          const documentErrors = singleResult.errors.every((error) => documentErrorCodes.has(String(error.extensions?.code)));
          if (documentErrors && !answersGraphQLResponseJson(accept)) response.http.status = 200;
        },
      };
    },
  };
}
