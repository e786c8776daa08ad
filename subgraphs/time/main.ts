import { runSubgraphProcess } from '../../lib/run-subgraph.ts';
import { timeSubgraph } from './index.ts';

await runSubgraphProcess(timeSubgraph);
