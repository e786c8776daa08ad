import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { isTransientFailure } from '../lib/events/failures.ts';
import type { GatewayContext } from './context.ts';

/** How SignedDataSource (signed-data-source.ts) reports a subgraph that answered with a gateway or proxy error. */
const unavailableAnswer = /^subgraph answered 50[234]$/;

const subgraphUnreachable = (error: Error) =>
  isTransientFailure(error) || (error instanceof GraphQLError && unavailableAnswer.test(error.message));

/**
 * A subgraph asking the graph as a service (erp's posting reads psa and hcm through it) gets 503 when a subgraph its
 * request needed could not be reached. The answer's errors are the same; the status is what lets the caller's graph
 * client (lib/graph-client.ts) tell "a neighbour is away, try again" from "this request failed", so its event
 * consumers back off and catch up instead of parking the event as a dead letter. Clients with a token see no change.
 */
export function serviceAvailabilityPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (!contextValue.identity?.service) return;
      let unreachable = false;
      return {
        async didEncounterErrors({ errors }) {
          if (errors.some(subgraphUnreachable)) unreachable = true;
        },
        async willSendResponse({ response }) {
          if (unreachable) response.http.status = 503;
        },
      };
    },
  };
}
