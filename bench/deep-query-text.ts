/**
 * The deep cross-subgraph query the benchmarks measure (bench/deep-query.ts, bench/demand-control.ts): 20 customers →
 * projects → contract, rate card and rates; assignments → worker → manager and legal entity. Apart so a benchmark
 * can use it without running another.
 */
export const deepQuery = `{
  customers(first: 20) { nodes { name
    projects(first: 10) { nodes { code status
      contract { number rateCard { rates { billRate { amount currency } } } }
      assignments(first: 20) { nodes { plannedHours worker { name manager { name } legalEntity { currency } } } }
    } }
  } }
}`;
