import { isoDate, type Clock } from '../../lib/clock.ts';
import { assertReadsAggregates, assertReadsAggregatesOrOwn } from './access.ts';
import { assignmentForecast, projectForecast, type AssignmentForecast, type ProjectForecast } from './domain/forecast.ts';
import type { QueryScope } from './service.ts';
import type { AssignmentRef, ProjectRef } from './tables.ts';

/**
 * Forecast against actual on psa's projects and assignments (rules in domain/forecast.ts). The gateway passes psa's
 * plan fields in the reference (@requires); a project's assignments come from psa through one loader per page of
 * projects, the approved hours from one GROUP BY per page: a page of 50 projects costs the same as one.
 */
export function createForecastQueries(clock: Clock) {
  return {
    async ofProject(scope: QueryScope, project: ProjectRef): Promise<ProjectForecast> {
      assertReadsAggregates(scope.identity, 'Project.forecast');
      const [plans, approved] = await Promise.all([
        scope.loaders.confirmedPlansByProject.load(project.id),
        scope.loaders.actualHoursByProject.for({ status: ['APPROVED'], from: null, to: null }).load(project.id),
      ]);
      return projectForecast(plans, approved, project.budgetHours ?? null, isoDate(clock.now()));
    },

    async ofAssignment(scope: QueryScope, assignment: AssignmentRef): Promise<AssignmentForecast> {
      assertReadsAggregatesOrOwn(scope.identity, assignment.worker.id, 'Assignment.forecast');
      const approved = await scope.loaders.approvedHoursByAssignment.load(assignment.id);
      return assignmentForecast(assignment, approved, isoDate(clock.now()));
    },
  };
}

export type ForecastQueries = ReturnType<typeof createForecastQueries>;
