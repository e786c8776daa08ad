/**
 * Run by `npm run build` on the freshly compiled tree: writes each subgraph's schema artefact
 * (lib/graphql/prebuilt-subgraph-schema.ts) and the supergraph's cost declarations (gateway/demand-control/
 * cost-directives.ts) into schema/prebuilt/ beside the compiled code, so a compiled start skips federation's
 * validation of SDL that has not changed since it was built, and the gateway a parse of the supergraph of its own.
 */
import { readFileSync } from 'node:fs';
import { writePrebuiltCostDirectives } from '../gateway/demand-control/cost-directives.ts';
import { supergraphSdl } from '../gateway/supergraph.ts';
import { subgraphNames } from '../lib/config.ts';
import { writePrebuiltSubgraphSchemas } from '../lib/graphql/prebuilt-subgraph-schema.ts';

writePrebuiltSubgraphSchemas(subgraphNames.map((name) => readFileSync(new URL(`../schema/${name}.graphql`, import.meta.url), 'utf8')));
writePrebuiltCostDirectives(supergraphSdl());
