import { runSubgraphProcess } from '../../lib/run-subgraph.ts';
import { erpSubgraph } from './index.ts';

await runSubgraphProcess(erpSubgraph);
