import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { EventBus } from './bus.ts';
import { InProcessBus } from './in-process-bus.ts';
import { RedisBus } from './redis-bus.ts';

/** Redis Streams when REDIS_URL is set, else the in-process bus of the embedded default. */
export function createBus(config: Pick<Config, 'redisUrl' | 'eventStream'>, logger: Logger): EventBus {
  return config.redisUrl ? new RedisBus({ url: config.redisUrl, logger, stream: config.eventStream }) : new InProcessBus(logger);
}
