import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const invalid = (scalar: string, value: unknown, rule: string) =>
  new GraphQLError(`${scalar} cannot represent ${JSON.stringify(value)}: ${rule}`, { extensions: { code: 'BAD_USER_INPUT' } });

const isoDatePattern = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date in YYYY-MM-DD form (2026-02-30 is not one). */
export function isIsoDate(value: string): boolean {
  if (!isoDatePattern.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

function parseDate(value: unknown): string {
  if (typeof value !== 'string' || !isIsoDate(value)) throw invalid('Date', value, 'expected an ISO-8601 date YYYY-MM-DD');
  return value;
}

export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  description: 'A calendar date, ISO-8601 YYYY-MM-DD, with no time zone.',
  serialize: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : parseDate(value)),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

function parseDateTime(value: unknown): Date {
  const parsed = typeof value === 'string' ? new Date(value) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime()) || !/T/.test(value as string)) {
    throw invalid('DateTime', value, 'expected an ISO-8601 date-time');
  }
  return parsed;
}

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An instant, ISO-8601 with offset, serialized in UTC.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : parseDateTime(value).toISOString()),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

const decimalPattern = /^-?\d{1,15}(\.\d{1,10})?$/;

function parseDecimal(value: unknown): string {
  const text = typeof value === 'number' ? undefined : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !decimalPattern.test(text)) {
    throw invalid('Decimal', value, 'expected a decimal string such as "1250.50" (numbers are refused: floats lose cents)');
  }
  return text;
}

export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description:
    'An exact decimal number as a string ("1250.50"): money amounts, rates and hours. Never a float. Up to 15 integer and 10 fraction digits (exchange rates need them; each field states its own precision).',
  serialize: (value) => String(value),
  parseValue: parseDecimal,
  parseLiteral: (ast) => parseDecimal(ast.kind === Kind.STRING ? ast.value : undefined),
});

export const scalarResolvers = { Date: DateScalar, DateTime: DateTimeScalar, Decimal: DecimalScalar };
