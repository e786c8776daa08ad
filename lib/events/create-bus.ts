import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { addressOf, waitFor } from '../startup.ts';
import type { EventBus } from './bus.ts';
import { InProcessBus } from './in-process-bus.ts';
import { pingRedis, RedisBus } from './redis-bus.ts';

/** Redis Streams when REDIS_URL is set, else the in-process bus of the embedded default. */
export function createBus(config: Pick<Config, 'redisUrl' | 'eventStream'>, logger: Logger): EventBus {
  return config.redisUrl ? new RedisBus({ url: config.redisUrl, logger, stream: config.eventStream }) : new InProcessBus(logger);
}

/**
 * The bus of a process starting up: as `createBus`, once Redis answers (waited for up to STARTUP_RETRY_SECONDS, a log
 * line per attempt, then a ConfigError naming REDIS_URL). Later outages are the bus's own reconnecting.
 */
export async function connectBus(config: Pick<Config, 'redisUrl' | 'eventStream' | 'startup'>, logger: Logger): Promise<EventBus> {
  const url = config.redisUrl;
  if (url) {
    await waitFor({ name: 'Redis', variable: 'REDIS_URL', address: addressOf(url, 6379) }, () => pingRedis(url), {
      retrySeconds: config.startup.retrySeconds,
      logger,
    });
  }
  return createBus(config, logger);
}
