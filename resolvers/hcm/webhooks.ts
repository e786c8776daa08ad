import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { MutationResolvers, QueryResolvers } from './types.generated.ts';

type WebhookQueryField = 'webhookEndpoints' | 'webhookEndpoint' | 'webhookDeliveries' | 'webhookEventTypes';
type WebhookMutationField =
  | 'registerWebhookEndpoint'
  | 'updateWebhookEndpoint'
  | 'disableWebhookEndpoint'
  | 'enableWebhookEndpoint'
  | 'rotateWebhookSecret'
  | 'deleteWebhookEndpoint'
  | 'replayWebhookDeliveries'
  | 'pingWebhookEndpoint';

/** The Webhooks section's root fields (schema/hcm.graphql), spread into Query. */
export const webhookQueries: Pick<QueryResolvers, WebhookQueryField> = {
  webhookEndpoints: (_, args, ctx, info) => ctx.webhooks.listEndpoints(ctx, pageArgsOf(args, info)),
  webhookEndpoint: (_, { id }, ctx) => ctx.webhooks.endpoint(ctx, id, ctx.webhookLoaders),
  webhookDeliveries: (_, args, ctx, info) => ctx.webhooks.listDeliveries(ctx, pageArgsOf(args, info)),
  webhookEventTypes: (_, __, ctx) => [...ctx.webhooks.eventTypes(ctx)],
};

/** Each is one service call; the endpoint or delivery is read back through its loader. */
export const webhookMutations: Pick<MutationResolvers, WebhookMutationField> = {
  registerWebhookEndpoint: async (_, { input, idempotencyKey }, ctx) => {
    const { id, secret } = await ctx.webhooks.register(ctx, input, idempotencyKey);
    return { endpoint: (await ctx.webhookLoaders.endpoint.load(id))!, secret };
  },
  updateWebhookEndpoint: async (_, { id, input }, ctx) =>
    (await ctx.webhookLoaders.endpoint.load(await ctx.webhooks.update(ctx, id, input)))!,
  disableWebhookEndpoint: async (_, { id, reason }, ctx) =>
    (await ctx.webhookLoaders.endpoint.load(await ctx.webhooks.disable(ctx, id, reason)))!,
  enableWebhookEndpoint: async (_, { id }, ctx) => (await ctx.webhookLoaders.endpoint.load(await ctx.webhooks.enable(ctx, id)))!,
  rotateWebhookSecret: async (_, { id, previousSecretValidHours }, ctx) => {
    const { secret } = await ctx.webhooks.rotateSecret(ctx, id, previousSecretValidHours ?? 24);
    return { endpoint: (await ctx.webhookLoaders.endpoint.load(id))!, secret };
  },
  deleteWebhookEndpoint: (_, { id }, ctx) => ctx.webhooks.delete(ctx, id),
  replayWebhookDeliveries: async (_, { input }, ctx) => {
    const ids = await ctx.webhooks.replay(ctx, input);
    return (await ctx.webhookLoaders.delivery.loadMany(ids)).map((delivery) => delivery as Exclude<typeof delivery, Error | null>);
  },
  pingWebhookEndpoint: async (_, { id }, ctx) => (await ctx.webhookLoaders.delivery.load(await ctx.webhooks.ping(ctx, id)))!,
};
