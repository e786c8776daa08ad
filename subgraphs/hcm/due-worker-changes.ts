import { randomUUID } from 'node:crypto';
import type { Identity } from '../../lib/auth/identity.ts';
import type { Subscription } from '../../lib/events/bus.ts';
import type { Logger } from '../../lib/logger.ts';
import type { HcmService } from './service.ts';

/** Who applies the changes on hcm's own schedule (events name it as their cause). */
const scheduler: Identity = { workerId: null, roles: ['ADMIN'], service: 'hcm.due-worker-changes' };

/**
 * Future-dated worker changes come into effect without anyone writing: hcm applies them when it starts and then every
 * `intervalMs` (a minute by default), so the worker rows, their filters and `hcm.worker.changed` (the gateway's
 * reporting lines, other subgraphs' mirrors) follow the day they take effect. A run still going skips the tick.
 */
export function scheduleDueWorkerChanges(hcm: HcmService, logger: Logger, intervalMs = 60_000): Subscription {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = hcm
      .applyDueWorkerChanges({ identity: scheduler, correlationId: randomUUID() })
      .then((applied) => applied > 0 && logger.info('dated worker changes took effect', { workers: applied }))
      .catch((error) => logger.error('applying dated worker changes failed', { error }))
      .finally(() => (running = null));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
