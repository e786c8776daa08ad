import { GraphQLError, type ValidationRule } from 'graphql';

const incrementalDirectives = new Set(['defer', 'stream']);

/**
 * Refuses `@defer` and `@stream` with the reason (README "Client schema"), beside graphql-js's bare "Unknown
 * directive": Apollo Gateway cannot deliver a response in parts. Its API schema leaves the directives out, its query
 * planner has them off, its executor stops at a plan's Defer node ("@defer support is not available in the gateway"),
 * and Apollo Server hands a gateway's result on as one response. Incremental delivery through a supergraph needs
 * Apollo Router.
 */
export const incrementalDeliveryRefused: ValidationRule = (context) => ({
  Directive(node) {
    if (!incrementalDirectives.has(node.name.value)) return;
    context.reportError(
      new GraphQLError(
        `@${node.name.value} is not supported: this gateway (Apollo Gateway) answers every operation in one response and ` +
          `cannot deliver one in parts; send the operation without @${node.name.value}`,
        { nodes: node },
      ),
    );
  },
});
