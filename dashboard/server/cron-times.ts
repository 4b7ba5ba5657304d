/**
 * When a five-field cron fires within a window, in its time zone. Temporal's listing gives only
 * the next five times of a schedule, which covers a few hours of a 15-minute sync and none of
 * tomorrow's purge: the Schedules timeline needs a day or a week, so it expands the config's
 * cron itself. The rules follow Temporal's calendar matching (every field must match, day of
 * month and day of week included; 7 is Sunday too), and a test compares the result with the
 * times Temporal reports.
 */

const FIELDS = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'], from: 1 },
  { min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], from: 0 },
] as const;

type Matchers = [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];

export function parseCron(expression: string): Matchers {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron "${expression}" does not have 5 fields`);
  const sets = parts.map((part, i) => fieldValues(part, FIELDS[i]!)) as Matchers;
  if (sets[4].has(7)) sets[4].add(0);
  return sets;
}

function fieldValues(text: string, field: (typeof FIELDS)[number]): Set<number> {
  const values = new Set<number>();
  const valueOf = (t: string): number => {
    if (/^\d+$/.test(t)) return Number(t);
    const names: readonly string[] | undefined = 'names' in field ? field.names : undefined;
    const at = names?.indexOf(t.slice(0, 3).toUpperCase()) ?? -1;
    if (at < 0) throw new Error(`"${t}" is not a cron value`);
    return at + ('from' in field ? field.from : 0);
  };
  for (const item of text.split(',')) {
    const [range = '*', stepText] = item.split('/');
    const step = stepText ? Number(stepText) : 1;
    let from: number;
    let to: number;
    if (range === '*' || range === '?') {
      from = field.min;
      to = field.max === 7 ? 6 : field.max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = valueOf(a);
      to = valueOf(b);
    } else {
      from = valueOf(range);
      // "5/15": from 5 to the end of the field in steps of 15.
      to = stepText ? field.max : from;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Start times in [from, to), at most `limit`. */
export function cronTimes(expression: string, timeZone: string, from: Date, to: Date, limit = 2000): Date[] {
  const [minutes, hours, days, months, weekdays] = parseCron(expression);
  const offsets = new Map<number, number>();
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  // Offsets change only at hour boundaries in practice; one Intl call per hour keeps a week's
  // expansion of sixty schedules well under a millisecond per schedule-hour.
  const offsetAt = (t: number): number => {
    const hour = Math.floor(t / HOUR) * HOUR;
    let offset = offsets.get(hour);
    if (offset === undefined) {
      const p = Object.fromEntries(format.formatToParts(new Date(hour)).map((x) => [x.type, x.value]));
      offset = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute)) - hour;
      offsets.set(hour, offset);
    }
    return offset;
  };
  const result: Date[] = [];
  for (let t = Math.ceil(from.getTime() / MINUTE) * MINUTE; t < to.getTime() && result.length < limit; t += MINUTE) {
    const local = new Date(t + offsetAt(t));
    if (
      minutes.has(local.getUTCMinutes()) &&
      hours.has(local.getUTCHours()) &&
      days.has(local.getUTCDate()) &&
      months.has(local.getUTCMonth() + 1) &&
      weekdays.has(local.getUTCDay())
    ) {
      result.push(new Date(t));
    }
  }
  return result;
}
