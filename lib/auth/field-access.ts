import { DomainError } from '../errors.ts';
import { hasRole, type Identity, type Role } from './identity.ts';

/**
 * Who may read one field of commercial data (a rate, a budget, an amount). The subgraph that owns the field declares
 * its rule in `subgraphs/<name>/domain/field-access.ts`; README "Field-level access" is the same matrix in prose.
 */
export interface FieldRule {
  /** The roles that read the field on every record. ADMIN always does, without being named. */
  readonly roles: readonly Role[];
  /**
   * Whether the MANAGER psa names as the record's project manager reads it on that project. The role is asked too:
   * the grant is a manager's, not that of whoever a project record happens to name.
   */
  readonly projectManager: boolean;
}

export type FieldRules = Readonly<Record<string, FieldRule>>;

/**
 * The manager of the record's project. A function, so that the lookup (a batched DataLoader) runs only when the
 * caller's roles do not decide; null or undefined when the project has no manager or the record no project.
 */
export type ProjectManagerOf = () => Promise<string | null | undefined> | string | null | undefined;

/** Whether the caller's roles alone let them read a field under this rule (ADMIN always). */
const readsByRole = (rule: FieldRule, identity: Identity) => hasRole(identity, 'ADMIN', ...rule.roles);

/** Whether the rule could let this caller in as a project's manager (then, and only then, the manager is looked up). */
const mayManage = (rule: FieldRule, identity: Identity) =>
  rule.projectManager && identity.workerId != null && hasRole(identity, 'MANAGER');

const whoReads = (rule: FieldRule) =>
  [...rule.roles, 'ADMIN'].join(', ') + (rule.projectManager ? " or the project's manager" : '');

export interface FieldAccess<F extends string> {
  readonly rules: Readonly<Record<F, FieldRule>>;
  /** FORBIDDEN, naming the field in `extensions.field`, unless the caller may read it on this record. */
  assertMayRead(identity: Identity, field: F, projectManagerOf?: ProjectManagerOf): Promise<void>;
  /** The field's value when the caller may read it (`value` runs only then); FORBIDDEN otherwise. */
  read<T>(identity: Identity, field: F, value: () => T | Promise<T>, projectManagerOf?: ProjectManagerOf): Promise<T>;
}

/**
 * A subgraph's field guard over its declared rules. The refusal is an error on the field, as everywhere else in the
 * graph (hcm's cost rates, erp's reads): the client gets the rest of its answer and the error's path says which field
 * was withheld. Refused whatever the value (also null), so a refusal never tells whether there was something to see.
 */
export function fieldAccess<const R extends FieldRules>(subgraph: string, rules: R): FieldAccess<keyof R & string> {
  async function assertMayRead(identity: Identity, field: keyof R & string, projectManagerOf?: ProjectManagerOf) {
    const rule = rules[field];
    if (readsByRole(rule, identity)) return;
    if (projectManagerOf && mayManage(rule, identity) && (await projectManagerOf()) === identity.workerId) return;
    const message = `${field} is commercial data (${subgraph}): only ${whoReads(rule)} may read it`;
    throw new DomainError('FORBIDDEN', message, { field });
  }
  return {
    rules,
    assertMayRead,
    async read(identity, field, value, projectManagerOf) {
      await assertMayRead(identity, field, projectManagerOf);
      return value();
    },
  };
}
