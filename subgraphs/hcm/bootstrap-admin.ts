import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { apiKeyPrefixOf } from '../../lib/auth/api-key.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import type { WorkerMatch } from '../../lib/config.ts';
import { DomainError } from '../../lib/errors.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { createApiKeyService } from './api-keys.ts';
import * as repo from './repository.ts';
import { createHcmService } from './service.ts';
import type { HcmDatabase } from './tables.ts';

/** What `npm run bootstrap-admin` asks for (scripts/bootstrap-admin.ts reads it from the command line). */
export interface BootstrapAdminRequest {
  readonly email: string;
  readonly name: string;
  /**
   * The value the identity provider's worker claim (OIDC_WORKER_CLAIM) carries for this person, matched as
   * `oidcMatch` (OIDC_WORKER_MATCH): with `email` it must be the email, with `employeeNumber` it becomes the worker's
   * employee number. `id` cannot be chosen (hcm makes worker ids): the claim must then carry the id this prints.
   */
  readonly oidcSubject?: string | null;
  readonly oidcMatch?: WorkerMatch;
  /** A name for an ADMIN API key acting as the worker, printed once: sign-in without an identity provider. */
  readonly apiKeyName?: string | null;
  /** Where the worker is employed; an empty database has none, so these make the firm's first legal entity. */
  readonly legalEntity?: { readonly code: string; readonly name: string; readonly country: string; readonly currency: string };
}

export interface BootstrapAdminOutcome {
  readonly worker: { readonly id: string; readonly name: string; readonly email: string; readonly employeeNumber: string };
  /** What this run created, in order ("legal entity MAIN", "worker …"); empty when it changed nothing. */
  readonly created: readonly string[];
  /** The API key asked for: its secret when this run created it, null when it existed already. */
  readonly apiKey: { readonly name: string; readonly prefix: string; readonly secret: string | null } | null;
}

/** The firm's first legal entity when the command is given none; corrected later with `updateLegalEntity`. */
export const defaultLegalEntity = { code: 'MAIN', name: 'Main legal entity', country: 'US', currency: 'USD' } as const;

/** The master data every worker needs, found by code or name so an interrupted run picks up where it stopped. */
const costCenter = { code: 'ADMIN', name: 'Administration' };
const laborRole = { code: 'ADMINISTRATOR', name: 'Administrator', targetUtilization: '0.00' };
const calendar = { name: 'Standard week (Mon-Fri, 8 h)', hoursPerDay: '8.00', workingDays: [1, 2, 3, 4, 5] };

/**
 * The first administrator of an empty hcm: a worker (with the legal entity, cost center, labor role and calendar a
 * worker needs) whom the firm's identity provider can name, or to whom an ADMIN API key is issued. Runs hcm's own
 * services as the system job `bootstrap-admin`, so the same rules and events apply as through the graph.
 *
 * Idempotent: the worker is found by email, the master data by code, the key by name, and whatever exists is left as
 * it is. It refuses to create a worker in a database that has workers already: from then on, administrators are made
 * through the graph (`createWorker`, `createApiKey`), by someone who is one.
 */
export async function bootstrapAdmin(
  deps: { readonly db: Kysely<HcmDatabase>; readonly clock: Clock },
  request: BootstrapAdminRequest,
): Promise<BootstrapAdminOutcome> {
  const { db, clock } = deps;
  const scope: RequestScope = {
    identity: { workerId: null, roles: ['ADMIN'], service: 'bootstrap-admin' },
    correlationId: randomUUID(),
  };
  const hcm = createHcmService({ db, clock, onCommit: () => undefined });
  const apiKeys = createApiKeyService({ db, clock, onCommit: () => undefined });
  const today = isoDate(clock.now());
  const created: string[] = [];
  const match = request.oidcMatch ?? 'email';
  if (request.oidcSubject && match === 'id') {
    throw new DomainError(
      'BAD_USER_INPUT',
      'with OIDC_WORKER_MATCH=id the claim must carry the worker id hcm makes: ' +
        'run without --oidc-subject, then put the printed id in the claim',
    );
  }
  if (request.oidcSubject && match === 'email' && request.oidcSubject.toLowerCase() !== request.email.toLowerCase()) {
    const message = `with OIDC_WORKER_MATCH=email the worker claim is the email: --oidc-subject must be ${request.email}`;
    throw new DomainError('BAD_USER_INPUT', message);
  }
  const employeeNumber = request.oidcSubject && match === 'employeeNumber' ? request.oidcSubject : null;
  const foundOrCreated = async (found: string | undefined, what: string, create: () => Promise<string>) => {
    if (found) return found;
    const id = await create();
    created.push(what);
    return id;
  };

  let [worker] = await repo.workersQuery(db, { email: request.email }, today).limit(2).execute();
  if (worker && employeeNumber && worker.employee_number !== employeeNumber) {
    throw new DomainError(
      'CONFLICT',
      `worker ${worker.email} exists with employee number ${worker.employee_number}, not ${employeeNumber}: ` +
        'change it through the graph (updateWorker)',
    );
  }
  if (!worker) {
    const anyone = await repo.workersQuery(db, {}, today).select('worker.id').limit(1).executeTakeFirst();
    if (anyone) {
      throw new DomainError(
        'CONFLICT',
        'hcm has workers already: bootstrap-admin makes the first administrator of an empty database only. ' +
          'An administrator creates more through the graph (createWorker, createApiKey).',
      );
    }
    const entity = request.legalEntity ?? defaultLegalEntity;
    const entities = await repo.legalEntitiesQuery(db, { search: entity.code }).execute();
    const legalEntityId = await foundOrCreated(
      entities.find((row) => row.code === entity.code)?.id,
      `legal entity ${entity.code} (${entity.name}, ${entity.country}, ${entity.currency})`,
      () => hcm.createLegalEntity(scope, entity),
    );
    const centers = await repo.costCentersQuery(db, { legalEntityId }).execute();
    const costCenterId = await foundOrCreated(
      centers.find((row) => row.code === costCenter.code)?.id,
      `cost center ${costCenter.code}`,
      () => hcm.createCostCenter(scope, { ...costCenter, legalEntityId }),
    );
    const roles = await repo.rolesQuery(db, { search: laborRole.code }).execute();
    const roleId = await foundOrCreated(
      roles.find((row) => row.code === laborRole.code)?.id,
      `role ${laborRole.code}`,
      () => hcm.createRole(scope, laborRole),
    );
    const calendars = await repo.calendarsQuery(db, { search: calendar.name }).execute();
    const calendarId = await foundOrCreated(
      calendars.find((row) => row.name === calendar.name)?.id,
      `work calendar "${calendar.name}"`,
      () => hcm.createWorkCalendar(scope, calendar),
    );
    const workerId = await hcm.createWorker(scope, {
      employeeNumber: employeeNumber ?? 'ADMIN-1',
      name: request.name,
      email: request.email,
      kind: 'EMPLOYEE',
      roleId,
      costCenterId,
      legalEntityId,
      location: entity.country,
      calendarId,
      hireDate: today,
    });
    [worker] = await repo.workersByIds(db, [workerId]);
    created.push(`worker ${worker.name} <${worker.email}>`);
  }

  let apiKey: BootstrapAdminOutcome['apiKey'] = null;
  if (request.apiKeyName) {
    const active = await repo.apiKeysQuery(db, { status: 'ACTIVE' }, clock.now()).where('worker_id', '=', worker.id).execute();
    const existing = active.find((row) => row.name === request.apiKeyName && row.roles.includes('ADMIN'));
    if (existing) {
      apiKey = { name: existing.name, prefix: apiKeyPrefixOf(existing.id), secret: null };
    } else {
      const issued = await apiKeys.create(scope, { name: request.apiKeyName, roles: ['ADMIN'], workerId: worker.id });
      apiKey = { name: request.apiKeyName, prefix: apiKeyPrefixOf(issued.id), secret: issued.secret };
      created.push(`API key "${request.apiKeyName}" (ADMIN)`);
    }
  }
  const { id, name, email, employee_number } = worker;
  return { worker: { id, name, email, employeeNumber: employee_number }, created, apiKey };
}
