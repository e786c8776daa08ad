import type { Identity, Role } from '../../lib/auth/identity.ts';

/** What one client operation may ask of the gateway; checked before any subgraph is called (README "Query limits"). */
export interface QueryLimits {
  /** Nesting of selections, fragments flattened, introspection not counted (QUERY_MAX_DEPTH). */
  readonly maxDepth: number;
  /** Aliased fields in an operation, through its fragments (QUERY_MAX_ALIASES). */
  readonly maxAliases: number;
  /** Fields selected at the root of an operation, through fragments, `__typename` aside (QUERY_MAX_ROOT_FIELDS). */
  readonly maxRootFields: number;
  /** Lexical tokens of the document; parsing stops at the limit (QUERY_MAX_TOKENS). */
  readonly maxTokens: number;
  /** Directives used in an operation (QUERY_MAX_DIRECTIVES). */
  readonly maxDirectives: number;
  /** Static cost budget of an operation (QUERY_MAX_COST; the model is in query-cost.ts). */
  readonly maxCost: number;
  /** Larger budgets for roles whose work needs them (QUERY_MAX_COST_<ROLE>); an identity gets the largest it holds. */
  readonly maxCostByRole: Readonly<Partial<Record<Role, number>>>;
}

/**
 * Room above the largest legitimate operation in the README, docs/, the benchmarks and the gateway test suite (every
 * client operation of a full run measured, 2026-12): depth 9, aliases 3, root fields 3, tokens 163 (the
 * introspection query), no directives, cost 51,016 (the README's customers → projects → assignments example; 1,501
 * is the most any WORKER or MANAGER query of the tests costs). Aliases and directives keep graphql-armor's defaults
 * (15, 50); its depth 6 would refuse the README, and 5,000 tokens (its 1,000, Apollo Router's 15,000) leaves room for
 * long hand-written reports. Finance and admins read KPIs over many periods and groups (periods × groups × the row's
 * selection), hence their larger budget.
 */
export const defaultQueryLimits: QueryLimits = Object.freeze({
  maxDepth: 12,
  maxAliases: 15,
  maxRootFields: 15,
  maxTokens: 5000,
  maxDirectives: 50,
  maxCost: 100_000,
  maxCostByRole: Object.freeze({ FINANCE: 250_000, ADMIN: 250_000 }),
});

/** The configured limits over the defaults; unset settings keep the default. */
export function queryLimitsOf(configured: Partial<QueryLimits> = {}): QueryLimits {
  const defined = Object.fromEntries(Object.entries(configured).filter(([, value]) => value !== undefined));
  return Object.freeze({
    ...defaultQueryLimits,
    ...defined,
    maxCostByRole: Object.freeze({ ...defaultQueryLimits.maxCostByRole, ...configured.maxCostByRole }),
  });
}

/** The cost budget of an identity: the general one, or the largest of its roles' when that is larger. */
export function costBudgetOf(limits: QueryLimits, identity: Identity | undefined): number {
  const byRole = (identity?.roles ?? []).map((role) => limits.maxCostByRole[role] ?? 0);
  return Math.max(limits.maxCost, ...byRole);
}
