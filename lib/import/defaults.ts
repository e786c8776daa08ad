/**
 * What an import fills in for new records when the file does not say (the `defaults` of the mapping file). Every
 * field is optional: a legal entity, cost center or calendar the firm has exactly one of is taken without being named.
 */
export interface ImportDefaults {
  /** New workers' legal entity: its code or id. */
  readonly legalEntity?: string;
  /** New workers' cost center (code or id); default: the legal entity's only one. */
  readonly costCenter?: string;
  /** New workers' work calendar (name or id). */
  readonly calendar?: string;
  /** New workers' location. Default "Unknown". */
  readonly location?: string;
  /** For workers the file gives no email (Harvest): `first.last@<emailDomain>`. */
  readonly emailDomain?: string;
  /** New workers' kind when the file does not say. Default EMPLOYEE. */
  readonly workerKind?: 'EMPLOYEE' | 'CONTRACTOR';
  /** New workers' hire date. Default: the first date they have time on in the file. */
  readonly hireDate?: string;
  /** The role (code or name) of workers the file names none for (Kimai). */
  readonly role?: string;
  /** New roles' target utilization, percent. Default 80.00. */
  readonly roleTargetUtilization?: string;
  /** New customers' currency when the file has no currency column. */
  readonly currency?: string;
  /** New projects' start date. Default: the first date they have time on in the file. */
  readonly projectStartDate?: string;
}

const keys: ReadonlyArray<keyof ImportDefaults> = [
  'legalEntity', 'costCenter', 'calendar', 'location', 'emailDomain', 'workerKind', 'hireDate', 'role',
  'roleTargetUtilization', 'currency', 'projectStartDate',
];

/** Checks a mapping file's `defaults`; throws an Error naming what is wrong. */
export function checkDefaults(value: unknown): ImportDefaults {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('defaults must be an object');
  for (const [key, field] of Object.entries(value)) {
    if (!keys.includes(key as keyof ImportDefaults)) throw new Error(`defaults.${key} is not a default (defaults: ${keys.join(', ')})`);
    if (typeof field !== 'string') throw new Error(`defaults.${key} must be a string`);
  }
  const defaults = value as ImportDefaults;
  if (defaults.workerKind && defaults.workerKind !== 'EMPLOYEE' && defaults.workerKind !== 'CONTRACTOR') {
    throw new Error('defaults.workerKind must be EMPLOYEE or CONTRACTOR');
  }
  return defaults;
}
