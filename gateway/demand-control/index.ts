export { DemandControl, queryTooComplex, type DemandControlOptions } from './demand-control.ts';
export { defaultQueryLimits, queryLimitsOf, costBudgetOf, type QueryLimits } from './limits.ts';
export { costDirectivesOf, readCostDirectives, writePrebuiltCostDirectives, type CostDirectives, type ListSize } from './cost-directives.ts';
export { estimateCost, type CostModel } from './query-cost.ts';
export { periodFields, periodCount, periodWork, assumedGroupKeys, type PeriodField } from './period-fields.ts';
export { shapeViolations, rootFieldCount, type Violation } from './static-limits.ts';
