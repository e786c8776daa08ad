import { runSubgraphProcess } from '../../lib/run-subgraph.ts';
import { hcmSubgraph } from './index.ts';

await runSubgraphProcess(hcmSubgraph);
