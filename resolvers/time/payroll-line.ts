import { entityRef } from '../../lib/graphql/connection.ts';
import type { PayrollDayResolvers, PayrollLineResolvers } from './types.generated.ts';

export const PayrollLine: PayrollLineResolvers = {
  worker: (line) => entityRef('Worker', line.workerId),
};

export const PayrollDay: PayrollDayResolvers = {
  regularHours: (day) => day.regular,
  overtimeHours: (day) => day.overtime,
  totalHours: (day) => day.hours,
};
