import type { PublicHolidayResolvers, WorkCalendarResolvers } from './types.generated.ts';

export const WorkCalendar: WorkCalendarResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.calendar.load(ref.id),
  hoursPerDay: (calendar) => calendar.hours_per_day,
  workingDays: (calendar) => calendar.working_days,
  holidays: (calendar, { from, to }, { loaders }) =>
    loaders.holidaysByCalendar.for({ from: from ?? null, to: to ?? null }).load(calendar.id),
  createdAt: (calendar) => calendar.created_at,
  updatedAt: (calendar) => calendar.updated_at,
};

export const PublicHoliday: PublicHolidayResolvers = {};
