/**
 * The demo firm's plan: a deterministic consulting firm (Brightline Consulting, three legal entities in USD and EUR)
 * built from `{ scale, today, seed }` with a small seeded PRNG, no I/O and no dependencies. Each subgraph's seed
 * writes its own slice, so every id here is stable: `TTTTTTTT-NNNN-4NNN-8NNN-000000000000`, the entity type in the
 * first group and a per-type counter in the next three. The counter sits inside the first 24 characters because
 * seeds derive child rows from them (crm: rate-card rates, hcm: cost rates as `id.slice(0, 24) + index`).
 *
 * Worker ids, roles, hierarchy and access roles depend on scale and seed only, never on `today` (demo tokens rely on
 * it); dates are placed relative to `today`. Time entries are generated lazily, day by day, from a PRNG seeded per
 * worker-day, so `timeEntries()` streams and yields the same sequence on every call.
 */
import type {
  BillingMethod, DemoAssignment, DemoCalendar, DemoContact, DemoContract, DemoCostRate, DemoCustomer, DemoExpense, DemoFirm,
  DemoHoliday, DemoLeave, DemoMilestone, DemoOpportunity, DemoProject, DemoRate, DemoStaffingRequest, DemoTask, DemoTimeEntry,
  DemoWorker, EntryStatus,
} from './demo-firm.ts';

export interface PlanOptions {
  /** Multiplies workers (40 each), customers (12), projects (20) and assignments; 25 ≈ 1,000 workers. Default 1. */
  scale?: number;
  /** YYYY-MM-DD. Time entries cover the 56 days before it; everything else is placed around it. */
  today: string;
  /** PRNG seed; the same options always give the same plan. Default 1. */
  seed?: number;
}

// ─── Deterministic randomness ────────────────────────────────────────────────────────────────────────────────────

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes numbers into one 32-bit seed, so a worker-day (or a section of the plan) gets its own independent stream. */
function hash(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    let roll = this.next() * items.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [item, weight] of items) if ((roll -= weight) < 0) return item;
    return items[items.length - 1][0];
  }
  /** `count` distinct items, in the input's order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const indexes = items.map((_, index) => index);
    for (let i = indexes.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [indexes[i], indexes[j]] = [indexes[j], indexes[i]];
    }
    return indexes.slice(0, count).sort((a, b) => a - b).map((index) => items[index]);
  }
}

// ─── Dates as day numbers (days since 1970-01-01, UTC) ─────────────────────────────────────────────────────────

const DAY_MS = 86_400_000;
const ymd = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day) / DAY_MS;
const isoOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const yearOf = (day: number) => new Date(day * DAY_MS).getUTCFullYear();
/** ISO weekday, 1 = Monday … 7 = Sunday (day 0 was a Thursday). */
const weekday = (day: number) => ((((day + 3) % 7) + 7) % 7) + 1;
const mondayOf = (day: number) => day - weekday(day) + 1;
const nthWeekday = (year: number, month: number, isoDay: number, n: number) => {
  const first = ymd(year, month, 1);
  return first + ((isoDay - weekday(first) + 7) % 7) + 7 * (n - 1);
};
const lastWeekday = (year: number, month: number, isoDay: number) => {
  const last = ymd(year, month + 1, 0);
  return last - ((weekday(last) - isoDay + 7) % 7);
};

function parseToday(today: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(today);
  const day = match ? ymd(Number(match[1]), Number(match[2]), Number(match[3])) : NaN;
  if (!match || Number.isNaN(day) || isoOf(day) !== today) throw new Error(`planDemoFirm: today must be a YYYY-MM-DD date, got "${today}"`);
  return day;
}

// ─── Public holidays (nationwide, as published for each country) ─────────────────────────────────────────────

type Country = 'US' | 'DE' | 'NL';

function easterSunday(year: number): number {
  const a = year % 19, b = Math.floor(year / 100), c = year % 100, d = Math.floor(b / 4), e = b % 4;
  const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
  const n = h + l - 7 * m + 114;
  return ymd(year, Math.floor(n / 31), (n % 31) + 1);
}

function holidaysOf(country: Country, year: number): Array<[number, string]> {
  const easter = easterSunday(year);
  if (country === 'US') {
    // Federal holidays (5 U.S.C. 6103); one on a Saturday is observed the Friday before, on a Sunday the Monday after.
    const observed = (day: number, name: string): [number, string] =>
      weekday(day) === 6 ? [day - 1, `${name} (observed)`] : weekday(day) === 7 ? [day + 1, `${name} (observed)`] : [day, name];
    return [
      observed(ymd(year, 1, 1), "New Year's Day"),
      [nthWeekday(year, 1, 1, 3), 'Birthday of Martin Luther King, Jr.'],
      [nthWeekday(year, 2, 1, 3), "Washington's Birthday"],
      [lastWeekday(year, 5, 1), 'Memorial Day'],
      ...(year >= 2021 ? [observed(ymd(year, 6, 19), 'Juneteenth National Independence Day')] : []),
      observed(ymd(year, 7, 4), 'Independence Day'),
      [nthWeekday(year, 9, 1, 1), 'Labor Day'],
      [nthWeekday(year, 10, 1, 2), 'Columbus Day'],
      observed(ymd(year, 11, 11), 'Veterans Day'),
      [nthWeekday(year, 11, 4, 4), 'Thanksgiving Day'],
      observed(ymd(year, 12, 25), 'Christmas Day'),
    ];
  }
  if (country === 'DE') {
    // The nine nationwide holidays (state holidays vary by Land and are left out); 2017 had Reformation Day everywhere.
    return [
      [ymd(year, 1, 1), 'Neujahr'],
      [easter - 2, 'Karfreitag'],
      [easter + 1, 'Ostermontag'],
      [ymd(year, 5, 1), 'Tag der Arbeit'],
      [easter + 39, 'Christi Himmelfahrt'],
      [easter + 50, 'Pfingstmontag'],
      [ymd(year, 10, 3), 'Tag der Deutschen Einheit'],
      ...(year === 2017 ? [[ymd(2017, 10, 31), 'Reformationstag'] as [number, string]] : []),
      [ymd(year, 12, 25), '1. Weihnachtstag'],
      [ymd(year, 12, 26), '2. Weihnachtstag'],
    ];
  }
  // The Algemene termijnenwet's holidays; King's Day moves to the 26th when the 27th is a Sunday.
  const kingsDay =
    year >= 2014
      ? weekday(ymd(year, 4, 27)) === 7 ? ymd(year, 4, 26) : ymd(year, 4, 27)
      : weekday(ymd(year, 4, 30)) === 7 ? ymd(year, 5, 1) : ymd(year, 4, 30);
  return [
    [ymd(year, 1, 1), 'Nieuwjaarsdag'],
    [easter, 'Eerste Paasdag'],
    [easter + 1, 'Tweede Paasdag'],
    [kingsDay, year >= 2014 ? 'Koningsdag' : 'Koninginnedag'],
    [ymd(year, 5, 5), 'Bevrijdingsdag'],
    [easter + 39, 'Hemelvaartsdag'],
    [easter + 49, 'Eerste Pinksterdag'],
    [easter + 50, 'Tweede Pinksterdag'],
    [ymd(year, 12, 25), 'Eerste Kerstdag'],
    [ymd(year, 12, 26), 'Tweede Kerstdag'],
  ];
}

/** Holidays by day for the given years (plus the next: a US New Year's Day can be observed on December 31). */
function holidayMap(country: Country, fromYear: number, toYear: number): Map<number, string> {
  const map = new Map<number, string>();
  for (let year = fromYear; year <= toYear + 1; year++) {
    for (const [day, name] of holidaysOf(country, year)) {
      if (yearOf(day) < fromYear || yearOf(day) > toYear) continue;
      const known = map.get(day);
      map.set(day, known ? `${known} / ${name}` : name); // one row per date (e.g. Ascension on 5 May)
    }
  }
  return map;
}

// ─── Ids ───────────────────────────────────────────────────────────────────────────────────────────────────────

const KIND = {
  legalEntity: 0x01, costCenter: 0x02, calendar: 0x03, role: 0x04, worker: 0x05, leave: 0x06, customer: 0x07, contact: 0x08,
  opportunity: 0x09, contract: 0x0a, rateCard: 0x0b, project: 0x0c, task: 0x0d, assignment: 0x0e, milestone: 0x0f,
  staffingRequest: 0x10, timeEntry: 0x11, expense: 0x12,
} as const;
type Kind = keyof typeof KIND;

/** The n-th id of a kind (n ≥ 1): the kind in the first group, n (up to 10 digits) in the next three. */
function demoId(kind: Kind, n: number): string {
  const digits = String(n).padStart(10, '0');
  return `${KIND[kind].toString(16).padStart(8, '0')}-${digits.slice(0, 4)}-4${digits.slice(4, 7)}-8${digits.slice(7, 10)}-000000000000`;
}

class Ids {
  private readonly counters = new Map<Kind, number>();
  next(kind: Kind): string {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return demoId(kind, n);
  }
}

// ─── Amounts ───────────────────────────────────────────────────────────────────────────────────────────────────

/** Integer cents as a decimal string: 12345 → "123.45". Amounts are built as integers, never printed from floats. */
const money = (cents: number) => {
  const whole = Math.round(cents);
  return `${Math.floor(whole / 100)}.${String(whole % 100).padStart(2, '0')}`;
};
const units = (quarterHours: number) => `${Math.floor(quarterHours / 4)}.${['00', '25', '50', '75'][quarterHours % 4]}`;
const roundTo = (value: number, step: number) => Math.max(step, Math.round(value / step) * step);
/** Quarter-hour strings for 0 … 10 h, shared by every entry. */
const QUARTERS = Array.from({ length: 41 }, (_, quarterHours) => units(quarterHours));

// ─── The firm's fixed shape ───────────────────────────────────────────────────────────────────────────────────

type RoleCode = 'PARTNER' | 'PRINCIPAL' | 'PROJECT_MANAGER' | 'SENIOR_CONSULTANT' | 'CONSULTANT' | 'ANALYST' | 'DEVELOPER' | 'DESIGNER';

interface RoleSpec { code: RoleCode; name: string; target: string; bill: number; cost: number; skills: string[] }

/** Bill and cost rates in USD per hour; EUR entities use 90 % / 88 % of them. Target utilization is a percentage. */
const ROLES: RoleSpec[] = [
  { code: 'PARTNER', name: 'Partner', target: '40.00', bill: 475, cost: 210, skills: ['Executive Advisory', 'Business Development', 'Digital Strategy', 'Operating Model Design', 'M&A Integration'] },
  { code: 'PRINCIPAL', name: 'Principal', target: '65.00', bill: 375, cost: 160, skills: ['Digital Strategy', 'Program Management', 'Change Management', 'Operating Model Design', 'Pricing'] },
  { code: 'PROJECT_MANAGER', name: 'Project Manager', target: '75.00', bill: 240, cost: 105, skills: ['Program Management', 'Agile Delivery', 'Scrum', 'Risk Management', 'PMP'] },
  { code: 'SENIOR_CONSULTANT', name: 'Senior Consultant', target: '80.00', bill: 260, cost: 110, skills: ['Process Design', 'Salesforce', 'SAP S/4HANA', 'Data Strategy', 'Change Management', 'Workday'] },
  { code: 'CONSULTANT', name: 'Consultant', target: '85.00', bill: 205, cost: 85, skills: ['Process Design', 'Salesforce', 'SAP S/4HANA', 'Workday', 'Business Analysis'] },
  { code: 'ANALYST', name: 'Analyst', target: '85.00', bill: 155, cost: 60, skills: ['Business Analysis', 'SQL', 'Power BI', 'Financial Modeling', 'Data Visualization'] },
  { code: 'DEVELOPER', name: 'Developer', target: '85.00', bill: 190, cost: 90, skills: ['TypeScript', 'Java', 'Python', 'AWS', 'Azure', 'Kubernetes', 'React', 'SQL'] },
  { code: 'DESIGNER', name: 'Designer', target: '80.00', bill: 175, cost: 80, skills: ['UX Research', 'Figma', 'Service Design', 'Interaction Design', 'Accessibility'] },
];
const ROLE = Object.fromEntries(ROLES.map((role) => [role.code, role])) as Record<RoleCode, RoleSpec>;

const billRate = (role: RoleCode, currency: string) => (currency === 'USD' ? ROLE[role].bill : roundTo(ROLE[role].bill * 0.9, 5));
const costRate = (role: RoleCode, currency: string) => (currency === 'USD' ? ROLE[role].cost : ROLE[role].cost * 0.88);

interface CalendarSpec { key: string; name: string; country: Country; hours: number; days: number[] }
const CALENDARS: CalendarSpec[] = [
  { key: 'US-FT', name: 'United States full-time (5 × 8 h)', country: 'US', hours: 8, days: [1, 2, 3, 4, 5] },
  { key: 'DE-FT', name: 'Germany full-time (5 × 8 h)', country: 'DE', hours: 8, days: [1, 2, 3, 4, 5] },
  { key: 'NL-FT', name: 'Netherlands full-time (5 × 8 h)', country: 'NL', hours: 8, days: [1, 2, 3, 4, 5] },
  { key: 'NL-PT', name: 'Netherlands part-time (4 × 8 h)', country: 'NL', hours: 8, days: [1, 2, 3, 4] },
  { key: 'DE-PT', name: 'Germany part-time (5 × 4 h)', country: 'DE', hours: 4, days: [1, 2, 3, 4, 5] },
];

interface EntitySpec {
  key: Country; code: string; name: string; currency: string; share: number; calendar: string; partTime: string; cities: string[];
  practices: Array<[string, string]>; firstNames: string[]; lastNames: string[];
}
const ENTITIES: EntitySpec[] = [
  {
    key: 'US', code: 'BL-US', name: 'Brightline Consulting Inc.', currency: 'USD', share: 0.4, calendar: 'US-FT', partTime: 'US-FT',
    cities: ['New York', 'Chicago', 'Boston'],
    practices: [['STR', 'Strategy & Transformation'], ['TEC', 'Technology Services'], ['EXD', 'Experience Design']],
    firstNames: ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Karen', 'Daniel', 'Priya', 'Matthew', 'Nancy', 'Anthony', 'Aisha', 'Mark', 'Sandra', 'Wei', 'Ashley', 'Andrew', 'Emily', 'Diego', 'Michelle', 'Kevin', 'Amanda', 'Brian', 'Mei', 'Hiroshi', 'Fatima'],
    lastNames: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Patel', 'Nguyen', 'Kim', 'Chen'],
  },
  {
    key: 'DE', code: 'BL-DE', name: 'Brightline Consulting GmbH', currency: 'EUR', share: 0.325, calendar: 'DE-FT', partTime: 'DE-PT',
    cities: ['Berlin', 'Munich', 'Frankfurt am Main'],
    practices: [['STR', 'Strategy & Transformation'], ['TEC', 'Technology Services']],
    firstNames: ['Lukas', 'Anna', 'Maximilian', 'Sophie', 'Felix', 'Marie', 'Jonas', 'Laura', 'Leon', 'Julia', 'Paul', 'Lena', 'Tim', 'Hannah', 'Jan', 'Katharina', 'Niklas', 'Sarah', 'Tobias', 'Lea', 'Florian', 'Johanna', 'Moritz', 'Clara', 'Sebastian', 'Miriam', 'Mehmet', 'Nina', 'Philipp', 'Elif'],
    lastNames: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Schmitt', 'Werner', 'Krause', 'Yilmaz', 'Kaya'],
  },
  {
    key: 'NL', code: 'BL-NL', name: 'Brightline Consulting B.V.', currency: 'EUR', share: 0.275, calendar: 'NL-FT', partTime: 'NL-PT',
    cities: ['Amsterdam', 'Utrecht', 'Rotterdam'],
    practices: [['TEC', 'Technology Services'], ['DAT', 'Data & Analytics']],
    firstNames: ['Daan', 'Emma', 'Sem', 'Julia', 'Lucas', 'Mila', 'Levi', 'Tess', 'Finn', 'Sophie', 'Milan', 'Zoë', 'Bram', 'Sara', 'Thijs', 'Anna', 'Jesse', 'Eva', 'Ruben', 'Lotte', 'Lars', 'Fleur', 'Stijn', 'Noor', 'Niels', 'Iris', 'Sven', 'Femke', 'Joost', 'Anouk'],
    lastNames: ['de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Janssen', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos', 'Peters', 'Hendriks', 'van Leeuwen', 'Dekker', 'Brouwer', 'de Wit', 'Dijkstra', 'Smits', 'de Graaf', 'van der Meer', 'van der Linden', 'Kok', 'Jacobs', 'de Haan', 'Vermeulen'],
  },
];
const FIRM_DOMAIN = 'brightline-consulting.example';

/** The book of business per scale unit: 12 customers (one holding with three subsidiaries). */
interface CustomerTemplate { country: Country; parent: number | null; holding?: boolean }
const CUSTOMER_TEMPLATES: CustomerTemplate[] = [
  { country: 'DE', parent: null, holding: true }, { country: 'DE', parent: 0 }, { country: 'NL', parent: 0 }, { country: 'US', parent: 0 },
  { country: 'US', parent: null }, { country: 'US', parent: null }, { country: 'US', parent: null }, { country: 'US', parent: null },
  { country: 'DE', parent: null }, { country: 'DE', parent: null }, { country: 'NL', parent: null }, { country: 'US', parent: null },
];

type ProjectKind = 'full' | 'midStart' | 'closed' | 'onHold' | 'draft';
interface ProjectTemplate { customer: number; entity: number; method: BillingMethod; kind: ProjectKind; contract: number; name: string; won?: boolean }
const TM: BillingMethod = 'TIME_AND_MATERIALS', FF: BillingMethod = 'FIXED_FEE', MS: BillingMethod = 'MANAGED_SERVICES', RET: BillingMethod = 'RETAINER';
/**
 * 20 projects under 19 contracts per scale unit: mostly ACTIVE, one that started mid-period, one ON_HOLD, one CLOSED,
 * one DRAFT shell of a freshly won deal; contract 16 is the cross-currency one (USD, booked by the Dutch entity).
 */
const PROJECT_TEMPLATES: ProjectTemplate[] = [
  { customer: 4, entity: 0, method: TM, kind: 'full', contract: 0, name: 'Sales Cloud Rollout', won: true },
  { customer: 4, entity: 0, method: TM, kind: 'full', contract: 0, name: 'Service Cloud (Phase 2)' },
  { customer: 5, entity: 0, method: FF, kind: 'full', contract: 1, name: 'Pricing Strategy Review', won: true },
  { customer: 6, entity: 0, method: MS, kind: 'full', contract: 2, name: 'Application Managed Services' },
  { customer: 7, entity: 0, method: RET, kind: 'full', contract: 3, name: 'Executive Advisory Retainer' },
  { customer: 3, entity: 0, method: TM, kind: 'midStart', contract: 4, name: 'Data Platform Foundation' },
  { customer: 6, entity: 0, method: FF, kind: 'closed', contract: 5, name: 'Operating Model Assessment' },
  { customer: 5, entity: 0, method: TM, kind: 'draft', contract: 6, name: 'Customer Portal Build', won: true },
  { customer: 1, entity: 1, method: TM, kind: 'full', contract: 7, name: 'S/4HANA Finance Migration', won: true },
  { customer: 0, entity: 1, method: RET, kind: 'full', contract: 8, name: 'Group Strategy Retainer' },
  { customer: 8, entity: 1, method: FF, kind: 'full', contract: 9, name: 'Procurement Process Redesign' },
  { customer: 9, entity: 1, method: MS, kind: 'full', contract: 10, name: 'SAP Application Support' },
  { customer: 8, entity: 1, method: TM, kind: 'onHold', contract: 11, name: 'Warehouse Analytics Pilot' },
  { customer: 9, entity: 1, method: TM, kind: 'full', contract: 12, name: 'Workday HCM Implementation' },
  { customer: 2, entity: 2, method: TM, kind: 'full', contract: 13, name: 'Supply Chain Control Tower' },
  { customer: 10, entity: 2, method: FF, kind: 'full', contract: 14, name: 'E-commerce Replatforming', won: true },
  { customer: 10, entity: 2, method: MS, kind: 'full', contract: 15, name: 'Cloud Operations Service' },
  { customer: 11, entity: 2, method: TM, kind: 'full', contract: 16, name: 'EU Market Entry Analytics' },
  { customer: 2, entity: 2, method: RET, kind: 'full', contract: 17, name: 'Innovation Advisory Retainer' },
  { customer: 1, entity: 2, method: FF, kind: 'full', contract: 18, name: 'Finance Data Warehouse' },
];

type OpportunityStage = DemoOpportunity['stage'];
interface OpportunityTemplate { customer: number; stage: OpportunityStage; probability: number; method: BillingMethod; name: string; hours: Array<[RoleCode, number]> }
const OPPORTUNITY_TEMPLATES: OpportunityTemplate[] = [
  { customer: 4, stage: 'PROSPECTING', probability: 10, method: TM, name: 'Pricing Analytics Pilot', hours: [['CONSULTANT', 320], ['ANALYST', 240]] },
  { customer: 9, stage: 'QUALIFICATION', probability: 25, method: MS, name: 'Application Managed Services', hours: [['DEVELOPER', 960], ['ANALYST', 480], ['PROJECT_MANAGER', 120]] },
  { customer: 3, stage: 'PROPOSAL', probability: 50, method: FF, name: 'Customer Portal Redesign', hours: [['PRINCIPAL', 80], ['SENIOR_CONSULTANT', 400], ['DEVELOPER', 640], ['DESIGNER', 240]] },
  { customer: 10, stage: 'PROPOSAL', probability: 50, method: TM, name: 'Finance Transformation Wave 2', hours: [['SENIOR_CONSULTANT', 320], ['CONSULTANT', 480], ['ANALYST', 320]] },
  { customer: 5, stage: 'NEGOTIATION', probability: 75, method: RET, name: 'Board Advisory Retainer', hours: [['PARTNER', 96], ['PRINCIPAL', 192]] },
  { customer: 0, stage: 'NEGOTIATION', probability: 75, method: TM, name: 'Group-wide ERP Harmonization', hours: [['PROJECT_MANAGER', 400], ['SENIOR_CONSULTANT', 800], ['DEVELOPER', 1200]] },
  { customer: 7, stage: 'CLOSED_LOST', probability: 0, method: FF, name: 'Warehouse Automation Study', hours: [['CONSULTANT', 400], ['DEVELOPER', 600]] },
];

const BRANDS = ['Meridian', 'Northwind', 'Bluefin', 'Cobalt', 'Halcyon', 'Ironwood', 'Juniper', 'Keystone', 'Lumen', 'Marlow', 'Nimbus', 'Orchard', 'Pinnacle', 'Quarry', 'Redwood', 'Summit', 'Tidewater', 'Umbra', 'Vantage', 'Willow', 'Yardley', 'Zenith', 'Aster', 'Birchwood', 'Crescent', 'Driftwood', 'Evergreen', 'Foxglove', 'Granite', 'Harbor', 'Ivory', 'Jasper', 'Kestrel', 'Larkspur', 'Maple', 'Nova', 'Oakridge', 'Polaris', 'Quill', 'Riverstone', 'Sable', 'Thistle', 'Upland', 'Verity', 'Westbrook', 'Alder', 'Beacon', 'Cedar'];
const INDUSTRIES = ['Logistics', 'Health', 'Energy', 'Retail', 'Foods', 'Insurance', 'Manufacturing', 'Media', 'Pharma', 'Telecom', 'Capital', 'Mobility'];
const LEGAL_SUFFIX: Record<Country, string> = { US: 'Inc.', DE: 'GmbH', NL: 'B.V.' };
const ADDRESSES: Record<Country, Array<[string, string, string]>> = {
  US: [['Park Avenue', 'New York', '10022'], ['W Madison Street', 'Chicago', '60606'], ['Boylston Street', 'Boston', '02116'], ['Congress Avenue', 'Austin', '78701'], ['Pine Street', 'Seattle', '98101']],
  DE: [['Friedrichstraße', 'Berlin', '10117'], ['Leopoldstraße', 'München', '80802'], ['Mönckebergstraße', 'Hamburg', '20095'], ['Mainzer Landstraße', 'Frankfurt am Main', '60329']],
  NL: [['Herengracht', 'Amsterdam', '1015 BS'], ['Coolsingel', 'Rotterdam', '3012 AD'], ['Catharijnesingel', 'Utrecht', '3511 GB'], ['Stationsplein', 'Eindhoven', '5611 AB']],
};
const CONTACT_TITLES = ['Chief Information Officer', 'VP Operations', 'Head of Procurement', 'Chief Financial Officer', 'IT Director', 'Program Director', 'Head of Digital'];

interface TaskSpec { wbs: string; name: string; billable: boolean; notes: string[] }
const ADMIN_TASK: TaskSpec = { wbs: '9', name: 'Internal / Admin', billable: false, notes: ['Internal team meeting', 'Timesheet and staffing admin', 'Knowledge sharing session', 'Onboarding and tooling'] };
const PM_NOTES = ['Status report and steering committee prep', 'Weekly status meeting', 'Risk and issue review', 'Planning next sprint'];
const TASKS: Record<BillingMethod, TaskSpec[]> = {
  TIME_AND_MATERIALS: [
    { wbs: '1', name: 'Discovery & Planning', billable: true, notes: ['Stakeholder interviews', 'Current-state workshop', 'Scope and plan review'] },
    { wbs: '2', name: 'Analysis & Design', billable: true, notes: ['Requirements workshop', 'Solution design', 'Design review with client'] },
    { wbs: '3', name: 'Build & Configuration', billable: true, notes: ['Configuration work', 'Feature development', 'Code review and fixes', 'Sprint work'] },
    { wbs: '3.1', name: 'Integrations', billable: true, notes: ['API integration', 'Interface mapping', 'Integration testing'] },
    { wbs: '4', name: 'Testing & Deployment', billable: true, notes: ['Test execution', 'Defect triage', 'Release preparation'] },
    { wbs: '5', name: 'Project Management', billable: true, notes: PM_NOTES },
    ADMIN_TASK,
  ],
  FIXED_FEE: [
    { wbs: '1', name: 'Assessment', billable: true, notes: ['Interviews and data collection', 'Baseline analysis', 'Assessment readout'] },
    { wbs: '2', name: 'Solution Design', billable: true, notes: ['Target-state design', 'Options analysis', 'Design workshop'] },
    { wbs: '3', name: 'Implementation', billable: true, notes: ['Implementation work', 'Build and configuration', 'Pilot support'] },
    { wbs: '4', name: 'Training & Handover', billable: true, notes: ['Training material', 'Key-user training', 'Handover documentation'] },
    { wbs: '5', name: 'Project Management', billable: true, notes: PM_NOTES },
    ADMIN_TASK,
  ],
  MANAGED_SERVICES: [
    { wbs: '1', name: 'Service Management', billable: true, notes: ['Monthly service review', 'SLA reporting', 'Capacity planning'] },
    { wbs: '2', name: 'Incident & Request Handling', billable: true, notes: ['Incident triage', 'Service request fulfilment', 'Root-cause analysis', 'On-call follow-up'] },
    { wbs: '3', name: 'Minor Enhancements', billable: true, notes: ['Change request implementation', 'Small enhancement', 'Patch and upgrade'] },
    { wbs: '4', name: 'Continuous Improvement', billable: true, notes: ['Automation of recurring tasks', 'Monitoring improvements'] },
    ADMIN_TASK,
  ],
  RETAINER: [
    { wbs: '1', name: 'Advisory Sessions', billable: true, notes: ['Executive advisory session', 'Leadership offsite prep', 'Strategy call'] },
    { wbs: '2', name: 'Research & Analysis', billable: true, notes: ['Market research', 'Benchmark analysis', 'Competitor review'] },
    { wbs: '3', name: 'Reporting & Board Materials', billable: true, notes: ['Board deck preparation', 'Monthly insights memo'] },
    ADMIN_TASK,
  ],
};
const REJECTION_REASONS = [
  'Please book internal meetings on Internal / Admin, not on the client task.',
  'Hours on Friday exceed what the client approved for this sprint; please check.',
  'Notes are too vague for the client report; please add what was delivered.',
  'Wrong task: this work belongs to Testing & Deployment.',
];

// ─── Working records (the plan's rows plus what building needs) ──────────────────────────────────────────────

interface Period {
  today: number; start: number; end: number;
  /** Entries from here on are DRAFT; from `submittedFrom` SUBMITTED; before it decided. */
  draftFrom: number; submittedFrom: number;
  closeDay: number; holdDay: number; midStart: number; hireDay: number; termDay: number;
  costChange: number; billChange: number; rejectWeek: number;
}
interface CalendarNode { spec: CalendarSpec; record: DemoCalendar; holidays: Map<number, string> }
interface EntityNode { spec: EntitySpec; id: string; costCenters: string[]; calendar: CalendarNode; partTime: CalendarNode }
interface WorkerNode {
  record: DemoWorker; index: number; entity: EntityNode; role: RoleCode; depth: number; manager: WorkerNode | null; reports: WorkerNode[];
  subtree: number; calendar: CalendarNode; hire: number; term: number | null; leave: Set<number>; special: 'hire' | 'term' | null;
  rejectWeek: number; assignments: AssignmentNode[];
}
interface ProjectNode {
  record: DemoProject; template: ProjectTemplate; entity: EntityNode; contract: ContractNode; start: number; end: number | null;
  /** Last day confirmed work may be logged: the hold or close date for ON_HOLD / CLOSED projects. */
  workUntil: number; tasks: DemoTask[]; assignments: AssignmentNode[];
}
interface ContractNode { record: DemoContract; projects: ProjectNode[]; opportunity: DemoOpportunity | null; customer: DemoCustomer }
interface AssignmentNode { record: DemoAssignment; worker: WorkerNode; project: ProjectNode; role: RoleCode; start: number; end: number; allocation: number }

// ─── The plan ─────────────────────────────────────────────────────────────────────────────────────────────────

export function planDemoFirm(options: PlanOptions): DemoFirm {
  const scale = options.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`planDemoFirm: scale must be a positive number, got ${scale}`);
  const seed = options.seed ?? 1;
  const todayDay = parseToday(options.today);
  const ids = new Ids();
  const stream = (section: number) => new Random(hash(seed, section));

  const holidayYears = [yearOf(todayDay - 420), yearOf(todayDay + 800)] as const;
  const calendars = CALENDARS.map<CalendarNode>((spec) => ({
    spec,
    holidays: holidayMap(spec.country, holidayYears[0], holidayYears[1]),
    record: { id: ids.next('calendar'), name: spec.name, hoursPerDay: units(spec.hours * 4), workingDays: spec.days, holidays: [] },
  }));
  const calendarByKey = new Map(calendars.map((calendar) => [calendar.spec.key, calendar]));
  const period = planPeriod(todayDay, calendars);

  const legalEntities = ENTITIES.map((spec) => ({ id: ids.next('legalEntity'), code: spec.code, name: spec.name, country: spec.key, currency: spec.currency }));
  const costCenters = ENTITIES.flatMap((spec, e) =>
    spec.practices.map(([code, name]) => ({ id: ids.next('costCenter'), code: `${spec.key}-${code}`, name: `${name} (${spec.key})`, legalEntityId: legalEntities[e].id })),
  );
  const entities = ENTITIES.map<EntityNode>((spec, e) => ({
    spec,
    id: legalEntities[e].id,
    costCenters: costCenters.filter((center) => center.legalEntityId === legalEntities[e].id).map((center) => center.id),
    calendar: calendarByKey.get(spec.calendar)!,
    partTime: calendarByKey.get(spec.partTime)!,
  }));
  const roles = ROLES.map((role) => ({ id: ids.next('role'), code: role.code, name: role.name, targetUtilization: role.target }));
  const roleId = Object.fromEntries(ROLES.map((role, index) => [role.code, roles[index].id])) as Record<RoleCode, string>;

  const workers = planWorkers(scale, seed, entities, roleId, period, ids);
  const leaves = planLeaves(workers, period, stream(0x1e), ids);
  const cycles = Math.max(1, Math.round(scale));
  const { customers, contacts } = planCustomers(cycles, stream(0xc0), ids);
  const { projects, contracts } = planProjects(cycles, customers, entities, workers, period, stream(0x90), ids);
  const assignments = planAssignments(entities, workers, projects, period, stream(0xa5), ids, roleId);
  const opportunities = planDeals(cycles, contracts, customers, entities, roleId, period, stream(0xd1), ids);
  const milestones = planMilestones(projects, period, ids);
  const staffingRequests = planStaffing(projects, opportunities, roleId, period, stream(0x5a), ids);
  const loggers = workers.filter((worker) => worker.assignments.some((assignment) => assignment.record.status === 'CONFIRMED'));
  const expenses = planExpenses(scale, loggers, period, stream(0xe7), ids);

  // Holidays for the years the plan's dates cover.
  const spans = [
    ...contracts.flatMap((contract) => [contract.record.startDate, contract.record.endDate]),
    ...projects.flatMap((project) => [project.record.startDate, project.record.endDate]),
    ...opportunities.flatMap((opportunity) => [opportunity.expectedCloseDate, opportunity.expectedEndDate]),
    ...leaves.map((leave) => leave.endDate),
    ...assignments.map((assignment) => assignment.endDate),
    isoOf(period.start),
  ].filter((date): date is string => date !== null).sort();
  const [firstYear, lastYear] = [Number(spans[0].slice(0, 4)), Number(spans[spans.length - 1].slice(0, 4))];
  for (const calendar of calendars) {
    calendar.record.holidays = [...calendar.holidays.entries()]
      .filter(([day]) => yearOf(day) >= firstYear && yearOf(day) <= lastYear)
      .sort(([a], [b]) => a - b)
      .map<DemoHoliday>(([day, name]) => ({ date: isoOf(day), name }));
  }

  return {
    today: options.today,
    scale,
    legalEntities,
    costCenters,
    calendars: calendars.map((calendar) => calendar.record),
    roles,
    workers: workers.map((worker) => worker.record),
    leaves,
    customers,
    contacts,
    opportunities,
    contracts: contracts.map((contract) => contract.record),
    projects: projects.map((project) => project.record),
    tasks: projects.flatMap((project) => project.tasks),
    assignments,
    milestones,
    staffingRequests,
    expenses,
    timeEntries: () => timeEntries(loggers, period, scale, seed),
  };
}

/**
 * The 56 days before today and the dates that hang off them. The DRAFT week is the ISO week of the last day anyone
 * could have worked (so a Monday `today` still has a current week of entries); the week before it is SUBMITTED.
 */
function planPeriod(today: number, calendars: CalendarNode[]): Period {
  const start = today - 56, end = today - 1;
  const fullTime = calendars.filter((calendar) => calendar.spec.key.endsWith('-FT'));
  let lastWorkday = end;
  while (weekday(lastWorkday) > 5 || fullTime.every((calendar) => calendar.holidays.has(lastWorkday))) lastWorkday--;
  const draftFrom = mondayOf(lastWorkday);
  const submittedFrom = draftFrom - 7;
  let costChange = start + 1;
  while (new Date(costChange * DAY_MS).getUTCDate() !== 1) costChange++;
  const firstMonday = mondayOf(start);
  return {
    today, start, end, draftFrom, submittedFrom,
    closeDay: submittedFrom - 10, // a Friday, two weeks before the SUBMITTED week: all its time is decided
    holdDay: submittedFrom - 7, // on hold since this Monday: its last time was decided too
    midStart: firstMonday + 21,
    hireDay: firstMonday + 14,
    termDay: firstMonday + 32, // a Friday
    costChange, // the first of a month inside the period
    billChange: firstMonday + 28,
    rejectWeek: firstMonday + 14,
  };
}

// ─── Workers: a per-entity reporting tree (3–8 reports per manager), roles by position ─────────────────────

/** Parent index of each node, breadth-first; node 0 is the root. Nobody is left with a manager of 1–2 reports. */
function treeShape(size: number, random: Random): number[] {
  const parent = [-1];
  for (let cursor = 0; parent.length < size; cursor++) {
    const remaining = size - parent.length;
    let fanout = random.int(3, 6);
    if (remaining - fanout < 3) fanout = remaining; // at most 8, since fanout ≤ 6
    for (let i = 0; i < fanout; i++) parent.push(cursor);
  }
  return parent;
}

function planWorkers(scale: number, seed: number, entities: EntityNode[], roleId: Record<RoleCode, string>, period: Period, ids: Ids): WorkerNode[] {
  const total = Math.max(24, Math.round(40 * scale));
  const sizes = [Math.round(total * ENTITIES[0].share), Math.round(total * ENTITIES[1].share)];
  sizes.push(total - sizes[0] - sizes[1]);
  const shapes = new Random(hash(seed, 0x7e)); // roles and hierarchy: independent of today
  const workers: WorkerNode[] = [];
  const deepLeafRoles: Array<readonly [RoleCode, number]> = [['CONSULTANT', 30], ['ANALYST', 20], ['DEVELOPER', 22], ['DESIGNER', 10], ['SENIOR_CONSULTANT', 12], ['PROJECT_MANAGER', 6]];
  const firstDeepRoles: RoleCode[] = ['CONSULTANT', 'ANALYST', 'DEVELOPER', 'DESIGNER', 'CONSULTANT', 'DEVELOPER'];
  let deepLeaves = 0;
  entities.forEach((entity, e) => {
    const parent = treeShape(sizes[e], shapes);
    const nodes: WorkerNode[] = [];
    parent.forEach((p) => {
      const manager = p < 0 ? null : nodes[p];
      const node: WorkerNode = {
        record: undefined as unknown as DemoWorker, // filled in below, once every node exists
        index: workers.length, entity, role: 'PARTNER', depth: manager ? manager.depth + 1 : 0,
        manager, reports: [], subtree: 1, calendar: entity.calendar, hire: 0, term: null, leave: new Set(), special: null,
        rejectWeek: -1, assignments: [],
      };
      manager?.reports.push(node);
      nodes.push(node);
      workers.push(node);
    });
    for (let i = nodes.length - 1; i > 0; i--) nodes[i].manager!.subtree += nodes[i].subtree;
    let alternate = 0;
    for (const node of nodes) {
      if (node.depth === 0) node.role = 'PARTNER';
      else if (node.reports.length > 0) {
        if (node.depth === 1) node.role = node.subtree >= 20 ? 'PARTNER' : 'PRINCIPAL';
        else node.role = node.subtree >= 12 ? 'PRINCIPAL' : alternate++ % 2 ? 'PROJECT_MANAGER' : 'SENIOR_CONSULTANT';
      } else if (node.depth === 1) node.role = (['PROJECT_MANAGER', 'SENIOR_CONSULTANT', 'PARTNER', 'PRINCIPAL'] as const)[alternate++ % 4];
      else node.role = deepLeaves < firstDeepRoles.length ? firstDeepRoles[deepLeaves++] : (deepLeaves++, shapes.weighted(deepLeafRoles));
    }
  });

  // Contractors, part-timers, the leaver and the joiner: leaves of the tree (nobody reports to them).
  const leavesDeep = workers.filter((worker) => worker.depth >= 2 && worker.reports.length === 0);
  const contractors = new Set(leavesDeep.filter((worker) => ['DEVELOPER', 'DESIGNER', 'CONSULTANT'].includes(worker.role)).filter((_, i) => i % 6 === 2));
  const employees = leavesDeep.filter((worker) => !contractors.has(worker));
  for (const key of ['NL', 'DE'] as const) {
    employees.filter((worker) => worker.entity.spec.key === key).forEach((worker, i) => {
      if (key === 'NL' ? i % 4 === 1 : i % 8 === 3) worker.calendar = worker.entity.partTime;
    });
  }
  const movers = employees.filter((worker) => worker.calendar === worker.entity.calendar);
  const changes = Math.max(1, Math.round(scale));
  const step = movers.length / (2 * changes);
  for (let i = 0; i < changes; i++) {
    movers[Math.floor(2 * i * step)].special = 'term';
    movers[Math.floor((2 * i + 1) * step)].special = 'hire';
  }

  // Dates: drawn after every id-bearing decision, from their own stream.
  const dates = new Random(hash(seed, 0xda7e));
  const yearsBack: Record<RoleCode, number> = { PARTNER: 14, PRINCIPAL: 10, PROJECT_MANAGER: 7, SENIOR_CONSULTANT: 7, CONSULTANT: 4, ANALYST: 3, DEVELOPER: 5, DESIGNER: 5 };
  const usedEmails = new Set<string>();
  const counters = new Map<EntityNode, number>();
  let employeeNumber = 0, contractorNumber = 0;
  const jan1 = ymd(yearOf(period.start), 1, 1);
  for (const worker of workers) {
    const entity = worker.entity;
    const local = counters.get(entity) ?? 0;
    counters.set(entity, local + 1);
    const { firstNames, lastNames } = entity.spec;
    const first = firstNames[local % firstNames.length];
    const last = lastNames[(local * 13 + Math.floor(local / firstNames.length) * 7) % lastNames.length];
    const lap = Math.floor(local / (firstNames.length * lastNames.length));
    const name = lap ? `${first} ${last} ${lap + 1}` : `${first} ${last}`;
    let email = `${asciiSlug(first)}.${asciiSlug(last).replace(/-/g, '')}@${FIRM_DOMAIN}`;
    for (let n = 2; usedEmails.has(email); n++) email = email.replace(/(\d*)@/, `${n}@`);
    usedEmails.add(email);

    const kind = contractors.has(worker) ? 'CONTRACTOR' : 'EMPLOYEE';
    worker.hire = worker.special === 'hire' ? period.hireDay : period.start - 60 - dates.int(0, yearsBack[worker.role] * 365);
    worker.term = worker.special === 'term' ? period.termDay : null;
    const practice = worker.depth === 0 ? 0 : topAncestorIndex(worker);
    const currency = entity.spec.currency;
    const base = Math.round(costRate(worker.role, currency) * (kind === 'CONTRACTOR' ? 1.35 : 1) * (0.92 + dates.float() * 0.16) * 100);
    const rates: DemoCostRate[] = [];
    // A quarter of employees get a raise inside the 8 weeks; other long-serving employees had theirs on 1 January.
    const change =
      kind !== 'EMPLOYEE' ? null
      : worker.special === null && worker.index % 4 === 2 ? period.costChange
      : worker.hire < jan1 - 30 ? jan1
      : null;
    if (change !== null && worker.hire < change - 30) {
      rates.push({ amount: money(base / (change === jan1 ? 1.035 : 1.045)), currency, effectiveFrom: isoOf(worker.hire), effectiveTo: isoOf(change - 1) });
      rates.push({ amount: money(base), currency, effectiveFrom: isoOf(change), effectiveTo: null });
    } else rates.push({ amount: money(base), currency, effectiveFrom: isoOf(worker.hire), effectiveTo: null });
    if (worker.term !== null) rates[rates.length - 1].effectiveTo = isoOf(worker.term);

    const skills = dates.sample(ROLE[worker.role].skills, dates.int(2, 4)).map((skill) => ({
      skill,
      level: Math.min(5, Math.max(1, (worker.depth <= 1 ? 4 : 2) + dates.int(-1, 1) + (kind === 'CONTRACTOR' ? 1 : 0))),
    }));
    worker.record = {
      id: ids.next('worker'),
      employeeNumber: kind === 'CONTRACTOR' ? `C-${String(++contractorNumber).padStart(5, '0')}` : `E-${String(++employeeNumber).padStart(5, '0')}`,
      name,
      email,
      kind,
      roleId: roleId[worker.role],
      managerId: worker.manager?.record.id ?? null,
      costCenterId: entity.costCenters[practice % entity.costCenters.length],
      legalEntityId: entity.id,
      location: entity.spec.cities[(worker.index * 7 + practice) % entity.spec.cities.length],
      calendarId: worker.calendar.record.id,
      skills,
      hireDate: isoOf(worker.hire),
      terminationDate: worker.term === null ? null : isoOf(worker.term),
      status: worker.special === 'term' ? 'INACTIVE' : 'ACTIVE',
      costRates: rates,
      accessRoles: worker.reports.length > 0 ? ['WORKER', 'MANAGER'] : ['WORKER'],
    };
  }

  // Demo-token holders: stable people with a plausible reason to hold the role.
  const active = (worker: WorkerNode) => worker.special === null;
  const grant = (worker: WorkerNode | undefined, role: string) => worker?.record.accessRoles.push(role);
  const [us, de, nl] = entities;
  grant(workers.find((w) => w.entity === us && w.role === 'PRINCIPAL' && w.depth > 0) ?? workers.find((w) => w.entity === us && w.depth === 1), 'RESOURCE_MANAGER');
  grant(workers.find((w) => w.entity === nl && w.depth === 0), 'FINANCE');
  grant(workers.find((w) => w.entity === de && w.role === 'ANALYST' && active(w) && w.record.kind === 'EMPLOYEE') ?? workers.find((w) => w.entity === de && w.depth === 0), 'FINANCE');
  grant(workers.find((w) => w.entity === us && w.role === 'DEVELOPER' && active(w) && w.record.kind === 'EMPLOYEE') ?? workers[0], 'ADMIN');
  return workers;
}

function topAncestorIndex(worker: WorkerNode): number {
  let node = worker;
  while (node.manager && node.manager.manager) node = node.manager;
  return node.manager ? node.manager.reports.indexOf(node) : 0;
}

const asciiSlug = (text: string) =>
  text
    .toLowerCase()
    .replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss').replace(/ë/g, 'e')
    .normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** Vacation, sick days and the odd training day inside the 8 weeks, plus some booked vacation ahead. */
function planLeaves(workers: WorkerNode[], period: Period, random: Random, ids: Ids): DemoLeave[] {
  const leaves: DemoLeave[] = [];
  const firstMonday = mondayOf(period.start);
  const add = (worker: WorkerNode, type: DemoLeave['type'], start: number, end: number) => {
    for (let day = start; day <= end; day++) if (worker.leave.has(day)) return;
    if (start < worker.hire || (worker.term !== null && end > worker.term)) return;
    for (let day = start; day <= end; day++) worker.leave.add(day);
    leaves.push({ id: ids.next('leave'), workerId: worker.record.id, type, startDate: isoOf(start), endDate: isoOf(end), hoursPerDay: worker.calendar.record.hoursPerDay });
  };
  for (const worker of workers) {
    if (worker.special !== null) continue;
    const i = worker.index;
    if (i % 4 === 1) {
      const monday = firstMonday + 7 * random.int(1, 5);
      const [from, to] = random.pick([[0, 4], [0, 2], [2, 4], [0, 4]] as const);
      add(worker, 'VACATION', monday + from, monday + to);
    }
    if (i % 7 === 3) {
      let day = period.start + random.int(0, 55);
      while (weekday(day) > 5) day++;
      const end = day + (weekday(day) < 5 && random.chance(0.4) ? 1 : 0);
      if (end <= period.end) add(worker, 'SICK', day, end);
    }
    if (i % 23 === 11) {
      const training = firstMonday + 7 * random.int(2, 4) + 2;
      add(worker, 'OTHER', training, training);
    }
    if (i % 9 === 5) {
      const monday = mondayOf(period.today) + 7 * random.int(3, 8);
      add(worker, 'VACATION', monday, monday + 4);
    }
    if (i % 97 === 40) {
      const monday = mondayOf(period.today) + 7 * random.int(5, 10);
      add(worker, 'PARENTAL', monday, monday + 7 * 8 - 3);
    }
  }
  // The worker whose week is rejected on purpose: present that whole week.
  const candidate = workers.find((worker) => worker.depth >= 2 && worker.special === null && ![0, 1, 2, 3, 4].some((d) => worker.leave.has(period.rejectWeek + d)));
  if (candidate) candidate.rejectWeek = period.rejectWeek;
  return leaves;
}

// ─── Customers and contacts ──────────────────────────────────────────────────────────────────────────────────

function planCustomers(cycles: number, random: Random, ids: Ids): { customers: DemoCustomer[]; contacts: DemoContact[] } {
  const customers: DemoCustomer[] = [];
  const contacts: DemoContact[] = [];
  const names = new Set<string>();
  let brandIndex = 0;
  for (let cycle = 0; cycle < cycles; cycle++) {
    const base = customers.length;
    let brand = '';
    CUSTOMER_TEMPLATES.forEach((template, slot) => {
      const n = base + slot;
      let name: string;
      if (template.parent === null) {
        const j = brandIndex++;
        brand = BRANDS[j % BRANDS.length];
        const industry = INDUSTRIES[(j + 5 * Math.floor(j / BRANDS.length)) % INDUSTRIES.length];
        name = template.holding ? `${brand} Group AG` : `${brand} ${industry} ${LEGAL_SUFFIX[template.country]}`;
      } else name = `${brand} ${INDUSTRIES[(slot * 4 + cycle) % INDUSTRIES.length]} ${LEGAL_SUFFIX[template.country]}`;
      for (let k = 2; names.has(name); k++) name = `${name.replace(/ \d+$/, '')} ${k}`;
      names.add(name);
      const [street, city, postalCode] = random.pick(ADDRESSES[template.country]);
      const taxId = template.parent !== null && template.country === 'US' ? null
        : template.country === 'US' ? `${random.int(10, 99)}-${random.int(1000000, 9999999)}`
        : template.country === 'DE' ? `DE${random.int(100000000, 999999999)}`
        : `NL${random.int(100000000, 999999999)}B01`;
      const customer: DemoCustomer = {
        id: ids.next('customer'),
        code: `${asciiSlug(name.split(' ')[0]).toUpperCase().slice(0, 8)}-${String(n + 1).padStart(4, '0')}`,
        name,
        currency: template.country === 'US' ? 'USD' : 'EUR',
        parentId: template.parent === null ? null : customers[base + template.parent].id,
        taxId,
        billingAddress: { line1: `${street} ${random.int(1, 250)}`, city, postalCode, country: template.country },
      };
      customers.push(customer);
      const spec = ENTITIES.find((entity) => entity.key === template.country)!;
      const domain = `${asciiSlug(name.replace(/ (Inc\.|GmbH|B\.V\.|AG)$/, ''))}.example`;
      const count = 1 + ((n * 5 + cycle) % 3);
      for (let c = 0; c < count; c++) {
        const k = n * 3 + c + 11;
        const first = spec.firstNames[(k * 7) % spec.firstNames.length];
        const last = spec.lastNames[(k * 11 + 3) % spec.lastNames.length];
        contacts.push({
          id: ids.next('contact'),
          customerId: customer.id,
          name: `${first} ${last}`,
          email: `${asciiSlug(first)}.${asciiSlug(last).replace(/-/g, '')}@${domain}`,
          title: CONTACT_TITLES[(k + c) % CONTACT_TITLES.length],
          isPrimary: c === 0,
        });
      }
    });
  }
  return { customers, contacts };
}

// ─── Contracts, projects, tasks ───────────────────────────────────────────────────────────────────────────────

function planProjects(cycles: number, customers: DemoCustomer[], entities: EntityNode[], workers: WorkerNode[], period: Period, random: Random, ids: Ids) {
  const projects: ProjectNode[] = [];
  const contracts: ContractNode[] = [];
  const leads = entities.map((entity) => {
    const priority: RoleCode[] = ['PROJECT_MANAGER', 'PRINCIPAL', 'SENIOR_CONSULTANT', 'PARTNER'];
    return workers
      .filter((w) => w.entity === entity && w.special === null && w.record.kind === 'EMPLOYEE' && priority.includes(w.role) && w.calendar === entity.calendar)
      .sort((a, b) => priority.indexOf(a.role) - priority.indexOf(b.role) || a.index - b.index);
  });
  const led = entities.map(() => 0);
  for (let cycle = 0; cycle < cycles; cycle++) {
    const byTemplate = new Map<number, ContractNode>();
    PROJECT_TEMPLATES.forEach((template) => {
      const entity = entities[template.entity];
      const customer = customers[cycle * CUSTOMER_TEMPLATES.length + template.customer];
      const recurring = template.method === MS || template.method === RET;
      let start: number, end: number | null, workUntil: number;
      const status = ({ draft: 'DRAFT', closed: 'CLOSED', onHold: 'ON_HOLD', full: 'ACTIVE', midStart: 'ACTIVE' } as const)[template.kind];
      if (template.kind === 'full') {
        start = mondayOf(period.start - random.int(30, 300));
        if (recurring) {
          let years = 1;
          while (start + 365 * years - 1 < period.today + 90) years++;
          end = template.method === RET ? null : start + 365 * years - 1; // retainers are evergreen
        } else end = mondayOf(period.today + random.int(30, 200)) + 4;
        workUntil = end ?? period.today + 365;
      } else if (template.kind === 'midStart') {
        start = period.midStart;
        end = start + 7 * random.int(16, 26) + 4;
        workUntil = end;
      } else if (template.kind === 'closed') {
        start = mondayOf(period.start - random.int(90, 200));
        end = period.closeDay;
        workUntil = end;
      } else if (template.kind === 'onHold') {
        start = mondayOf(period.start - random.int(40, 150));
        end = mondayOf(period.today + random.int(60, 150)) + 4;
        workUntil = period.holdDay - 1;
      } else {
        start = mondayOf(period.today) + 14 + 7 * random.int(0, 1);
        end = start + 7 * random.int(12, 26) + 4;
        workUntil = start - 1; // nothing is logged on a DRAFT project
      }
      let contract = byTemplate.get(template.contract);
      if (!contract) {
        const n = contracts.length + 1;
        const currency = template.contract === 16 ? 'USD' : entity.spec.currency; // the cross-currency contract
        contract = {
          customer,
          projects: [],
          opportunity: null,
          record: {
            id: ids.next('contract'),
            rateCardId: demoId('rateCard', n),
            number: '',
            name: `${customer.name.replace(/ (Inc\.|GmbH|B\.V\.|AG)$/, '')} – ${template.name}`,
            customerId: customer.id,
            billingMethod: template.method,
            currency,
            legalEntityId: entity.id,
            soldHours: null, amount: null, notToExceed: null,
            startDate: '', endDate: null,
            status: template.kind === 'closed' ? 'COMPLETED' : 'ACTIVE',
            opportunityId: null,
            rates: [],
          },
        };
        byTemplate.set(template.contract, contract);
        contracts.push(contract);
      }
      const pool = leads[template.entity];
      const manager = pool.length > 0 ? pool[led[template.entity]++ % pool.length] : workers.find((w) => w.entity === entity && w.depth === 0)!;
      const project: ProjectNode = {
        template, entity, contract, start, end, workUntil, tasks: [], assignments: [],
        record: {
          id: ids.next('project'),
          code: `${entity.spec.key}-${String(projects.length + 1).padStart(4, '0')}`,
          name: template.name,
          customerId: customer.id,
          contractId: contract.record.id,
          billingMethod: template.method,
          legalEntityId: entity.id,
          currency: contract.record.currency,
          status,
          startDate: isoOf(start),
          endDate: end === null ? null : isoOf(end),
          budgetHours: '0.00', budgetAmount: null,
          managerId: manager.record.id,
        },
      };
      // A long-running project has finished its first phase; a CLOSED project has finished everything.
      const firstPhaseDone = template.kind === 'full' && !recurring && start < period.start - 120;
      project.tasks = TASKS[template.method].map((spec, i) => ({
        id: ids.next('task'), projectId: project.record.id, wbs: spec.wbs, name: spec.name, billable: spec.billable,
        status: status === 'CLOSED' || (firstPhaseDone && i === 0) ? 'CLOSED' : 'OPEN',
      }));
      contract.projects.push(project);
      projects.push(project);
    });
  }
  for (const contract of contracts) {
    const starts = contract.projects.map((project) => project.start);
    const recurring = contract.record.billingMethod === MS || contract.record.billingMethod === RET;
    const start = Math.min(...starts) - (recurring ? 0 : random.int(0, 14));
    const ends = contract.projects.map((project) => project.end);
    contract.record.startDate = isoOf(start);
    contract.record.endDate = ends.includes(null) ? null : isoOf(Math.max(...(ends as number[])));
  }
  contracts.forEach((contract, n) => (contract.record.number = `C-${contract.record.startDate.slice(0, 4)}-${String(n + 1).padStart(5, '0')}`));
  return { projects, contracts };
}

// ─── Assignments ─────────────────────────────────────────────────────────────────────────────────────────────

function workingDays(worker: WorkerNode, from: number, to: number): number {
  let count = 0;
  for (let day = from; day <= to; day++) if (worker.calendar.spec.days.includes(weekday(day)) && !worker.calendar.holidays.has(day)) count++;
  return count;
}

/**
 * Staffing per entity: project managers on their projects, everyone else a primary project running through the
 * whole period, the partial projects (started mid-period, on hold, closed) a small team each, a third of people a
 * second project (some rolling on or off mid-period), and TENTATIVE roll-ons ahead. Windows stay inside the project,
 * the worker's employment and the project's working span, so they cover every entry generated later.
 */
function planAssignments(
  entities: EntityNode[], workers: WorkerNode[], projects: ProjectNode[], period: Period, random: Random, ids: Ids, roleId: Record<RoleCode, string>,
): DemoAssignment[] {
  const all: DemoAssignment[] = [];
  const add = (worker: WorkerNode, project: ProjectNode, role: RoleCode, from: number, to: number, allocation: number, status: DemoAssignment['status']) => {
    const start = Math.max(from, project.start, worker.hire);
    const end = Math.min(to, project.end ?? Infinity, worker.term ?? Infinity, status === 'CONFIRMED' ? project.workUntil : Infinity);
    if (end < start || project.assignments.some((other) => other.worker === worker && other.record.status === status)) return;
    const contractor = worker.record.kind === 'CONTRACTOR';
    const currency = project.contract.record.currency;
    // Contractors on T&M carry their negotiated rate; a few others a discount agreed for the person.
    const negotiated = (contractor && project.template.method === TM) || random.chance(0.05);
    const override = negotiated ? money(roundTo(billRate(role, currency) * (contractor ? 0.92 : 0.85), 5) * 100) : null;
    const hours = Math.round(workingDays(worker, start, end) * worker.calendar.spec.hours * allocation);
    const node: AssignmentNode = {
      worker, project, role, start, end, allocation,
      record: {
        id: ids.next('assignment'), projectId: project.record.id, workerId: worker.record.id, roleId: roleId[role],
        startDate: isoOf(start), endDate: isoOf(end), plannedHours: money(Math.max(hours, 1) * 100), status, billRateOverride: override,
      },
    };
    worker.assignments.push(node);
    project.assignments.push(node);
    all.push(node.record);
  };
  const horizon = () => period.today + random.int(60, 180);
  for (const entity of entities) {
    const own = projects.filter((project) => project.entity === entity);
    const full = own.filter((project) => project.template.kind === 'full');
    const partial = own.filter((project) => project.template.kind !== 'full' && project.template.kind !== 'draft');
    const loggers = workers.filter((worker) => worker.entity === entity && worker.manager !== null);
    if (loggers.length === 0 || full.length === 0) continue;
    for (const project of own) {
      const manager = loggers.find((worker) => worker.record.id === project.record.managerId);
      if (!manager || project.template.kind === 'draft') continue;
      const role: RoleCode = manager.role === 'SENIOR_CONSULTANT' ? 'PROJECT_MANAGER' : manager.role;
      add(manager, project, role, project.start, horizon(), 0.3, 'CONFIRMED');
    }
    let next = 0;
    for (const worker of loggers) {
      if (worker.assignments.some((assignment) => assignment.project.template.kind === 'full')) continue;
      add(worker, full[next++ % full.length], worker.role, period.start - random.int(0, 120), horizon(), worker.role === 'PARTNER' ? 0.4 : 0.8, 'CONFIRMED');
    }
    let pointer = random.int(0, loggers.length - 1);
    for (const project of partial) {
      for (let seat = 0, size = random.int(2, 3); seat < size; seat++) {
        const worker = loggers[pointer++ % loggers.length];
        add(worker, project, worker.role, project.start, project.workUntil, 0.5, 'CONFIRMED');
      }
    }
    loggers.forEach((worker, i) => {
      if (i % 3 !== 1 || worker.role === 'PARTNER') return;
      const project = full[(next + i * 7) % full.length];
      const shape = random.int(0, 2); // ongoing, rolled off mid-period, rolled on mid-period
      const from = shape === 2 ? period.start + random.int(7, 30) : period.start - random.int(0, 60);
      const to = shape === 1 ? period.start + random.int(20, 45) : horizon();
      add(worker, project, worker.role, from, to, 0.3, 'CONFIRMED');
    });
    loggers.forEach((worker, i) => {
      if (i % 9 !== 4) return;
      const from = period.today + 7 * random.int(2, 5);
      add(worker, full[(i * 5) % full.length], worker.role, from, from + 7 * random.int(6, 12), 0.5, 'TENTATIVE');
    });
    for (const project of own.filter((p) => p.template.kind === 'draft')) {
      for (const role of ['PROJECT_MANAGER', 'SENIOR_CONSULTANT', 'DEVELOPER', 'DESIGNER'] as const) {
        const worker = loggers.find((w) => w.role === role && w.special === null && !project.assignments.some((a) => a.worker === w));
        if (worker) add(worker, project, role, project.start, project.end ?? project.start + 90, 0.6, 'TENTATIVE');
      }
    }
  }
  return all;
}

// ─── Rate cards, contract money, opportunities ───────────────────────────────────────────────────────────────

function planDeals(
  cycles: number, contracts: ContractNode[], customers: DemoCustomer[], entities: EntityNode[], roleId: Record<RoleCode, string>, period: Period,
  random: Random, ids: Ids,
): DemoOpportunity[] {
  const opportunities: DemoOpportunity[] = [];
  contracts.forEach((contract, n) => {
    const record = contract.record;
    const method = record.billingMethod;
    const assignments = contract.projects.flatMap((project) => project.assignments);
    // Roles on the card: every role staffed without an override, plus the usual core. A role staffed only with an
    // override stays off the card: the override is the rate (DESIGN §2, first match wins).
    const codes = new Set<RoleCode>(['SENIOR_CONSULTANT', 'CONSULTANT']);
    for (const assignment of assignments) if (assignment.record.billRateOverride === null) codes.add(assignment.role);
    const factor = 0.88 + random.float() * 0.16;
    const start = record.startDate;
    const uplift = record.status === 'ACTIVE' && n % 3 === 0 && start < isoOf(period.start - 30);
    const rates: DemoRate[] = [];
    for (const role of ROLES.map((spec) => spec.code).filter((code) => codes.has(code))) {
      const rate = roundTo(billRate(role, record.currency) * factor, 5);
      if (uplift) {
        rates.push({ roleId: roleId[role], billRate: money(rate * 100), effectiveFrom: start, effectiveTo: isoOf(period.billChange - 1) });
        rates.push({ roleId: roleId[role], billRate: money(roundTo(rate * 1.04, 5) * 100), effectiveFrom: isoOf(period.billChange), effectiveTo: null });
      } else rates.push({ roleId: roleId[role], billRate: money(rate * 100), effectiveFrom: start, effectiveTo: null });
    }
    record.rates = rates;
    const current = rates.filter((rate) => rate.effectiveTo === null);
    const blended = current.reduce((sum, rate) => sum + Number(rate.billRate), 0) / Math.max(1, current.length);

    // Budgets from the staffing plan; recurring contracts as a monthly fee for included hours (amount and soldHours are per month).
    let soldHours = 0, amount = 0;
    for (const project of contract.projects) {
      const planned = project.assignments.reduce((sum, assignment) => sum + Number(assignment.record.plannedHours), 0);
      if (method === MS || method === RET) {
        // Included hours a month: what the confirmed team delivers in an average month (21 working days).
        const team = project.assignments.filter((a) => a.record.status === 'CONFIRMED');
        const monthly = roundTo(Math.max(40, team.reduce((sum, a) => sum + a.allocation * a.worker.calendar.spec.hours * 21, 0)), 10);
        const months = project.end === null ? 12 : Math.max(1, Math.round((project.end - project.start + 1) / 30.44));
        const fee = roundTo(monthly * blended * (method === MS ? 0.92 : 1), 500);
        soldHours += monthly;
        amount += fee;
        project.record.budgetHours = money(monthly * months * 100);
        project.record.budgetAmount = money(fee * months * 100);
      } else {
        const hours = roundTo(Math.max(80, planned * 1.15), 10);
        const value = roundTo(hours * blended * (method === FF ? 0.95 : 1), 1000);
        soldHours += hours;
        amount += value;
        project.record.budgetHours = money(hours * 100);
        project.record.budgetAmount = money(value * 100);
      }
    }
    record.soldHours = money(soldHours * 100);
    record.amount = money(amount * 100);
    record.notToExceed = method === TM && n % 2 === 0 ? money(roundTo(amount * 1.1, 1000) * 100) : null;

    if (contract.projects[0].template.won) {
      const estimated = new Map<RoleCode, number>();
      for (const assignment of assignments) estimated.set(assignment.role, (estimated.get(assignment.role) ?? 0) + Number(assignment.record.plannedHours));
      if (estimated.size === 0) estimated.set('CONSULTANT', 160);
      const total = method === MS || method === RET ? amount * 12 : amount;
      const opportunity: DemoOpportunity = {
        id: ids.next('opportunity'),
        customerId: record.customerId,
        name: contract.projects[0].template.name,
        stage: 'CLOSED_WON',
        probability: 100,
        amount: money(total * 100),
        currency: record.currency,
        billingMethod: method,
        legalEntityId: record.legalEntityId,
        expectedCloseDate: isoOf(Date.parse(start) / DAY_MS - random.int(10, 30)),
        expectedStartDate: start,
        expectedEndDate: record.endDate ?? isoOf(Date.parse(start) / DAY_MS + 364),
        estimatedHours: ROLES.filter((role) => estimated.has(role.code)).map((role) => ({ roleId: roleId[role.code], hours: money(roundTo(estimated.get(role.code)!, 8) * 100) })),
        contractId: record.id,
      };
      record.opportunityId = opportunity.id;
      contract.opportunity = opportunity;
      opportunities.push(opportunity);
    }
  });

  // The pipeline: open deals at every stage and one lost, per scale unit.
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (const template of OPPORTUNITY_TEMPLATES) {
      const customer = customers[cycle * CUSTOMER_TEMPLATES.length + template.customer];
      const country = customer.billingAddress.country as Country;
      const entity = entities.find((e) => e.spec.key === country)!;
      const lost = template.stage === 'CLOSED_LOST';
      const close = lost ? period.today - random.int(15, 40) : period.today + random.int(10, 75);
      const start = mondayOf(close + random.int(14, 28));
      const hours = template.hours.map(([role, h]) => [role, roundTo(h * (0.8 + random.float() * 0.45), 8)] as const);
      const value = hours.reduce((sum, [role, h]) => sum + h * billRate(role, customer.currency), 0);
      opportunities.push({
        id: ids.next('opportunity'),
        customerId: customer.id,
        name: template.name,
        stage: template.stage,
        probability: template.probability,
        amount: template.stage === 'PROSPECTING' ? null : money(roundTo(value, 1000) * 100),
        currency: customer.currency,
        billingMethod: template.method,
        legalEntityId: entity.id,
        expectedCloseDate: isoOf(close),
        expectedStartDate: isoOf(start),
        expectedEndDate: isoOf(start + 7 * random.int(12, 30) + 4),
        estimatedHours: hours.map(([role, h]) => ({ roleId: roleId[role], hours: money(h * 100) })),
        contractId: null,
      });
    }
  }
  return opportunities;
}

/** Fixed-fee projects bill by milestone: four per project, summing to its budget; those due well before today are done. */
function planMilestones(projects: ProjectNode[], period: Period, ids: Ids): DemoMilestone[] {
  const milestones: DemoMilestone[] = [];
  const names = ['Assessment signed off', 'Solution design approved', 'Implementation complete', 'Handover and acceptance'];
  const shares = [20, 30, 30, 20];
  for (const project of projects.filter((p) => p.template.method === FF)) {
    const total = Math.round(Number(project.record.budgetAmount) * 100);
    const end = project.end ?? project.start + 180;
    let left = total;
    names.forEach((name, i) => {
      const cents = i === names.length - 1 ? left : Math.round((total * shares[i]) / 100);
      left -= cents;
      let due = project.start + Math.round(((end - project.start) * (i + 1)) / names.length);
      while (weekday(due) > 5) due--;
      const done = project.record.status === 'CLOSED' || due < period.today - 14;
      milestones.push({
        id: ids.next('milestone'), projectId: project.record.id, name, amount: money(cents), currency: project.record.currency,
        dueDate: isoOf(due), status: done ? 'COMPLETED' : 'PLANNED',
      });
    });
  }
  return milestones;
}

/**
 * Demand: each project's staffed roles as FILLED requests, open needs on some active projects, the DRAFT shell's
 * requests from its won deal's estimate, one CANCELLED on the project on hold; every open opportunity's estimate as
 * OPEN requests (tentative demand, weighted by probability downstream).
 */
function planStaffing(
  projects: ProjectNode[], opportunities: DemoOpportunity[], roleId: Record<RoleCode, string>, period: Period, random: Random, ids: Ids,
): DemoStaffingRequest[] {
  const requests: DemoStaffingRequest[] = [];
  const skillsOf = (role: RoleCode) => random.sample(ROLE[role].skills, 2);
  const codeOf = new Map(ROLES.map((role) => [roleId[role.code], role.code]));
  const push = (role: RoleCode, hours: number, start: number, end: number, source: { projectId?: string; opportunityId?: string }, status: DemoStaffingRequest['status']) =>
    requests.push({
      id: ids.next('staffingRequest'), roleId: roleId[role], skills: skillsOf(role), hours: money(Math.max(8, Math.round(hours)) * 100),
      startDate: isoOf(start), endDate: isoOf(end), opportunityId: source.opportunityId ?? null, projectId: source.projectId ?? null, status,
    });
  projects.forEach((project, n) => {
    const source = { projectId: project.record.id };
    if (project.record.status === 'DRAFT') {
      const estimate = project.contract.opportunity?.estimatedHours ?? [];
      for (const line of estimate) push(codeOf.get(line.roleId)!, Number(line.hours), project.start, project.end ?? project.start + 90, source, 'OPEN');
      return;
    }
    const byRole = new Map<RoleCode, AssignmentNode[]>();
    for (const assignment of project.assignments) {
      if (assignment.record.status === 'CONFIRMED') byRole.set(assignment.role, [...(byRole.get(assignment.role) ?? []), assignment]);
    }
    for (const [role, list] of byRole) {
      const hours = list.reduce((sum, a) => sum + Number(a.record.plannedHours), 0);
      push(role, hours, Math.min(...list.map((a) => a.start)), Math.max(...list.map((a) => a.end)), source, 'FILLED');
    }
    if (project.record.status === 'ON_HOLD') push('DEVELOPER', 240, period.holdDay + 7, period.holdDay + 60, source, 'CANCELLED');
    if (project.record.status === 'ACTIVE' && n % 4 === 0) {
      const start = mondayOf(period.today) + 7 * random.int(2, 6);
      const role = random.pick(['DEVELOPER', 'CONSULTANT', 'ANALYST', 'SENIOR_CONSULTANT'] as const);
      push(role, 8 * 5 * random.int(4, 10), start, start + 7 * random.int(6, 12) + 4, source, 'OPEN');
    }
  });
  for (const opportunity of opportunities.filter((o) => !o.stage.startsWith('CLOSED'))) {
    for (const line of opportunity.estimatedHours) {
      const [start, end] = [Date.parse(opportunity.expectedStartDate) / DAY_MS, Date.parse(opportunity.expectedEndDate) / DAY_MS];
      push(codeOf.get(line.roleId)!, Number(line.hours), start, end, { opportunityId: opportunity.id }, 'OPEN');
    }
  }
  return requests;
}

// ─── Expenses and time ──────────────────────────────────────────────────────────────────────────────────────

/** A working day of the worker's calendar, inside their employment, not a public holiday, not on leave. */
const worksOn = (worker: WorkerNode, day: number) =>
  worker.calendar.spec.days.includes(weekday(day)) &&
  day >= worker.hire &&
  (worker.term === null || day <= worker.term) &&
  !worker.calendar.holidays.has(day) &&
  !worker.leave.has(day);

/** Expenses on days people worked on a project: spread over the statuses and categories, in the worker's currency. */
function planExpenses(scale: number, loggers: WorkerNode[], period: Period, random: Random, ids: Ids): DemoExpense[] {
  const expenses: DemoExpense[] = [];
  const categories: Array<[DemoExpense['category'], number, number]> = [['TRAVEL', 150, 900], ['LODGING', 120, 450], ['MEALS', 15, 80], ['SOFTWARE', 20, 300], ['OTHER', 10, 200]];
  const bands: Array<[number, number]> = [[period.start, period.submittedFrom - 1], [period.submittedFrom, period.draftFrom - 1], [period.draftFrom, period.end]];
  const count = Math.max(12, Math.round(36 * scale));
  for (let i = 0; i < count && loggers.length > 0; i++) {
    const band = i % 6 < 4 ? 0 : i % 6 === 4 ? 1 : 2;
    let found: [WorkerNode, AssignmentNode, number] | null = null;
    for (let attempt = 0; attempt < 40 && !found; attempt++) {
      const worker = random.pick(loggers);
      const assignment = random.pick(worker.assignments);
      const [from, to] = bands[attempt < 30 ? band : 0];
      const day = from + random.int(0, Math.max(0, to - from));
      const confirmed = assignment.record.status === 'CONFIRMED';
      if (confirmed && day >= assignment.start && day <= assignment.end && day <= to && worksOn(worker, day)) found = [worker, assignment, day];
    }
    if (!found) continue;
    const [worker, assignment, day] = found;
    const [category, low, high] = categories[i % categories.length];
    const decided = day < period.submittedFrom;
    const status: EntryStatus =
      day >= period.draftFrom ? 'DRAFT'
      : !decided ? (i % 7 === 3 ? 'DRAFT' : 'SUBMITTED')
      : i % 12 === 2 && assignment.project.record.status === 'ACTIVE' ? 'REJECTED'
      : 'APPROVED';
    const amount = random.int(low * 100, high * 100);
    expenses.push({
      id: ids.next('expense'),
      workerId: worker.record.id,
      projectId: assignment.project.record.id,
      date: isoOf(day),
      amount: money(amount),
      currency: worker.entity.spec.currency,
      category,
      billable: assignment.project.template.method === TM && category !== 'SOFTWARE',
      receiptRef: category === 'MEALS' && amount < 2500 ? null : `RCPT-${isoOf(day).slice(0, 4)}-${String(100001 + i).slice(1)}`,
      status,
    });
  }
  return expenses;
}

/**
 * How finely a day is split into entries. At scale 1 an entry is 2–8 h (about 2–3 a day); larger firms log in finer
 * increments, down to quarter hours, so that scale 25 (≈1,000 workers, 8 weeks) yields ≈1,000,000 entries.
 */
function granularity(scale: number) {
  const factor = Math.max(1, scale) ** 0.75;
  return { unitsPerEntry: 14 / factor, minEntry: Math.max(1, Math.floor(8 / factor)), maxEntry: 32 };
}

interface LoggerRun {
  worker: WorkerNode; id: string; managerId: string; workdays: boolean[]; hoursPerDay: number;
  assignments: Array<{ node: AssignmentNode; cumulative: number[]; tasks: Array<DemoTask & { notes: string[] }>; rejectable: boolean }>;
}

function* timeEntries(loggers: WorkerNode[], period: Period, scale: number, seed: number): Generator<DemoTimeEntry> {
  const { unitsPerEntry, minEntry, maxEntry } = granularity(scale);
  const runs: LoggerRun[] = loggers.map((worker) => ({
    worker,
    id: worker.record.id,
    managerId: worker.record.managerId!,
    workdays: [0, 1, 2, 3, 4, 5, 6, 7].map((d) => worker.calendar.spec.days.includes(d)), // indexed by ISO weekday
    hoursPerDay: worker.calendar.spec.hours,
    assignments: worker.assignments
      .filter((assignment) => assignment.record.status === 'CONFIRMED' && assignment.end >= period.start && assignment.start <= period.end)
      .map((node) => {
        const specs = TASKS[node.project.template.method];
        const closedProject = node.project.record.status === 'CLOSED';
        const tasks = node.project.tasks.map((task, i) => ({ ...task, notes: specs[i].notes })).filter((task) => closedProject || task.status === 'OPEN');
        // Everyone logs full days; what a role does not bill (business development, practice work) goes to the
        // non-billable task, so logged billable hours track the role's target utilization.
        const internal = Math.min(0.6, Math.max(0.06, ((100 - Number(ROLE[worker.role].target)) / 100) * 0.9));
        const weights: number[] = tasks.map((task) => (task.billable ? (task.name === 'Project Management' ? (node.role === 'PROJECT_MANAGER' ? 6 : 0.5) : 1) : 0));
        const billable = weights.reduce((sum, weight) => sum + weight, 0);
        const shares = tasks.map((task, i) => (task.billable ? (weights[i] / billable) * (1 - internal) : internal / tasks.filter((t) => !t.billable).length));
        let running = 0;
        return { node, tasks, cumulative: shares.map((share) => (running += share)), rejectable: node.project.record.status === 'ACTIVE' };
      }),
  }));
  let counter = 0;
  for (let day = period.start; day <= period.end; day++) {
    const wd = weekday(day);
    if (wd > 5) continue;
    const date = isoOf(day);
    const band = day >= period.draftFrom ? 2 : day >= period.submittedFrom ? 1 : 0;
    const week = mondayOf(day);
    for (const run of runs) {
      const worker = run.worker;
      if (!run.workdays[wd] || !worksOn(worker, day)) continue;
      const active = run.assignments.filter((a) => a.node.start <= day && day <= a.node.end);
      if (active.length === 0) continue;
      const random = new Random(hash(seed, 0x71e, worker.index, day));

      // The day's hours in quarter hours: about the calendar's day, sometimes longer, never over 10 h.
      const base = run.hoursPerDay * 4;
      const offsets = base < 32 ? ([[-2, 20], [0, 55], [2, 25]] as const) : ([[-2, 15], [0, 35], [2, 25], [4, 15], [6, 7], [8, 3]] as const);
      let total = base + random.weighted(offsets);
      if (random.chance(0.15)) total += random.chance(0.5) ? 1 : -1;
      total = Math.min(40, Math.max(minEntry, total));

      // Split between the active assignments by allocation, each getting at least one entry's worth.
      active.sort((a, b) => b.node.allocation - a.node.allocation);
      while (active.length > 1 && total < minEntry * active.length) active.pop();
      const weightSum = active.reduce((sum, a) => sum + a.node.allocation, 0);
      const spare = total - minEntry * active.length;
      const parts = active.map((a) => minEntry + Math.floor((spare * a.node.allocation) / weightSum));
      parts[0] += total - parts.reduce((sum, part) => sum + part, 0);

      const status: EntryStatus = band === 2 ? 'DRAFT' : band === 1 ? (hash(seed, 0x5b, worker.index, week) % 100 < 10 ? 'DRAFT' : 'SUBMITTED') : 'APPROVED';
      const rejected = band === 0 && (worker.rejectWeek === week || hash(seed, 0x4e, worker.index, week) % 1000 < 20);
      const reason = rejected ? REJECTION_REASONS[hash(seed, 0x4f, worker.index, week) % REJECTION_REASONS.length] : null;

      for (let a = 0; a < active.length; a++) {
        const assignment = active[a];
        const quarterHours = parts[a];
        const lo = Math.ceil(quarterHours / maxEntry), hi = Math.max(lo, Math.floor(quarterHours / minEntry));
        const exact = quarterHours / unitsPerEntry;
        const count = Math.min(hi, Math.max(lo, 1, Math.floor(exact) + (random.float() < exact % 1 ? 1 : 0)));
        const sizes = new Array<number>(count).fill(minEntry);
        for (let left = quarterHours - count * minEntry; left > 0; ) {
          let add = left >= 2 && random.chance(0.8) ? 2 : 1;
          let i = Math.floor(random.float() * count);
          for (let tries = 0; sizes[i] + add > maxEntry; tries++) {
            i = (i + 1) % count;
            if (tries >= count) add = 1;
          }
          sizes[i] += add;
          left -= add;
        }
        for (const size of sizes) {
          const roll = random.float();
          let t = 0;
          while (assignment.cumulative[t] <= roll && t < assignment.tasks.length - 1) t++;
          const task = assignment.tasks[t];
          const entryStatus: EntryStatus = rejected && assignment.rejectable ? 'REJECTED' : status;
          const decided = entryStatus === 'APPROVED' || entryStatus === 'REJECTED';
          yield {
            id: demoId('timeEntry', ++counter),
            workerId: run.id,
            projectId: assignment.node.project.record.id,
            taskId: task.id,
            assignmentId: assignment.node.record.id,
            roleId: assignment.node.record.roleId,
            date,
            hours: QUARTERS[size],
            billable: task.billable,
            notes: task.notes[Math.floor(random.float() * task.notes.length)],
            status: entryStatus,
            decidedBy: decided ? run.managerId : null,
            rejectionReason: entryStatus === 'REJECTED' ? reason : null,
          };
        }
      }
    }
  }
}
