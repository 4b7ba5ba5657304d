/**
 * Checks a five-field cron expression before it reaches Temporal, so a typo is reported at config
 * load with the field that is wrong instead of failing later in `resync schedules apply`.
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names accepted in place of numbers (JAN…DEC, SUN…SAT), mapped to their number. */
  names?: readonly string[];
  /** Offset of names[0]: months start at 1, weekdays at 0. */
  namesFrom?: number;
}

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
    namesFrom: 1,
  },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], namesFrom: 0 },
];

export const CRON_HINT = "a cron expression with 5 fields (minute hour day-of-month month day-of-week), e.g. '*/15 * * * *'";

/** Undefined when the expression is valid; otherwise what is wrong, in words. */
export function cronProblem(expression: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== FIELDS.length || parts[0] === '') {
    return `must be ${CRON_HINT}; got ${parts[0] === '' ? 'nothing' : `${parts.length} field${parts.length === 1 ? '' : 's'}`}`;
  }
  for (const [i, field] of FIELDS.entries()) {
    const problem = fieldProblem(parts[i]!, field);
    if (problem) return `must be ${CRON_HINT}; field ${i + 1} (${field.name}) ${problem}`;
  }
  return undefined;
}

function fieldProblem(text: string, field: CronField): string | undefined {
  for (const item of text.split(',')) {
    const [range = '', step, extra] = item.split('/');
    if (extra !== undefined) return `"${item}" has more than one /`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `"${item}" needs a positive step after /`;
    // A step past the field's largest value names no second value: `*/61` is a typo, not "hourly".
    if (step !== undefined && Number(step) > field.max) return `"${item}" has a step over ${field.max}, the largest ${field.name}`;
    if (range === '*' || range === '?') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `"${item}" is not a value or a range`;
    const values = bounds.map((b) => valueOf(b, field));
    if (values.some((v) => v === undefined)) {
      return `"${item}" is not ${field.names ? `${field.min}-${field.max} or a name (${field.names[0]}…)` : `a number ${field.min}-${field.max}`}`;
    }
    const [from, to = from] = values as number[];
    if (from! > to!) return `"${item}" is a range that runs backwards`;
  }
  return undefined;
}

function valueOf(text: string, field: CronField): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const at = field.names?.indexOf(text.toUpperCase()) ?? -1;
  return at >= 0 ? at + (field.namesFrom ?? 0) : undefined;
}
