/**
 * LOAD DATA lines the JSON thread wrote for records straight from their JSON (see
 * destinations/mysql/json-lines.mjs), kept beside the records they belong to. MariaDB's bulk path
 * takes a record's line instead of converting it again, but only when the line was written for the
 * very table plan it writes with (a widened column makes a new plan, and lines written for the old
 * one are ignored). Everything else (shaping, other destinations, rejects, the upsert) reads the
 * record's object: whole, or bare when the plan asked for bare records (BareFields) and the lines
 * stand for all of it, in which case wholeRecords gets the whole object back first.
 */

/** One column as json-lines.mjs converts it: ColumnPlan's fields, bounds as text. */
export interface LineColumn {
  field: string;
  kind: string;
  maxChars?: number;
  min?: string;
  max?: string;
  fraction?: number;
  precision?: number;
  scale?: number;
  flags?: boolean;
  lenient?: boolean;
  format?: string;
}

export interface LineTable {
  /** Identifies the table plan the lines follow: a line is used only by a plan with this id. */
  id: string;
  columns: LineColumn[];
  /** Fields the writer reads from a lined record itself (its key and cursor columns): a bare record keeps them. */
  keep: string[];
}

/**
 * Asks for bare records (see markBare): each record that gets lines for its parent and every child
 * comes as an object of only these fields, copied as sent when present. `required` fields must be
 * present and neither null nor empty in a bare record (the key and cursor the sync places it by);
 * a record without them comes whole, so that what refuses it reports it whole.
 */
export interface BareFields {
  parent: string[];
  required: string[];
  /** Per child of the plan, in its order; the first is the child's key (required). */
  children: string[][];
}

/** What the JSON thread needs to write a page's lines: the parent's table and each expanded child's. */
export interface LinePlan {
  keyField: string;
  parent: LineTable;
  /** Every navigation property of the parent: neither they nor their annotations are fields. */
  navigations: string[];
  children: { navigation: string; parentKeyField: string; table: LineTable }[];
  /** Records whose lines stand for all of them come bare (see BareFields). */
  bare?: BareFields;
}

interface AttachedLine {
  table: string;
  line: Uint8Array;
  /** Set on a bare record (and its bare children): where its whole form is. */
  bare?: BareOrigin;
}

/** Where a bare record's whole form is: the `index`-th record of the body `whole` decodes again. */
export interface BareOrigin {
  whole: () => Promise<unknown[]>;
  index: number;
}

const lines = new WeakMap<object, AttachedLine>();

export function attachLine(record: object, table: string, line: Uint8Array, bare?: BareOrigin): void {
  lines.set(record, bare ? { table, line, bare } : { table, line });
}

/**
 * A bare record holds only the fields BareFields names, beside lines that hold the rest: nothing
 * but the bulk path with those very lines may write it. Anything else needs its whole form first
 * (wholeRecords), which prepareRows asks for by throwing WholeRecordsNeeded.
 */
export function isBare(record: object): boolean {
  return lines.get(record)?.bare !== undefined;
}

/** Thrown where a bare record would be read for more than its lines and kept fields. */
export class WholeRecordsNeeded extends Error {
  override readonly name = 'WholeRecordsNeeded';
}

/**
 * The records with each bare one replaced by its whole form, decoded again from the body it came
 * in (once per body). Whole records come without lines: the usual path converts them.
 */
export async function wholeRecords<T extends object>(records: T[]): Promise<T[]> {
  const bodies = new Map<BareOrigin['whole'], Promise<unknown[]>>();
  const out: T[] = [];
  for (const record of records) {
    const origin = lines.get(record)?.bare;
    if (!origin) {
      out.push(record);
      continue;
    }
    let body = bodies.get(origin.whole);
    if (!body) bodies.set(origin.whole, (body = origin.whole()));
    const whole = (await body)[origin.index];
    if (typeof whole !== 'object' || whole === null) throw new Error(`record ${origin.index} of its body could not be decoded again`);
    out.push(whole as T);
  }
  return out;
}

/** The record's line when it was written for the table plan `table`. */
export function lineFor(record: object, table: string): Uint8Array | undefined {
  const attached = lines.get(record);
  return attached?.table === table ? attached.line : undefined;
}

/** Gives `to`, a copy of `from` with nothing changed but what the line already holds, its line. */
export function carryLine(from: object, to: object): void {
  const attached = lines.get(from);
  if (attached) lines.set(to, attached);
}

/**
 * The plan asking for bare records (BareFields): each keeps what anything but its lines reads of
 * it on the way to a sole destination — the key and cursor the sync places and shapes it by, the
 * platform's delete signal, the fields the writer keeps in its rows, and each child's key.
 */
export function withBareRecords(
  plan: LinePlan,
  resource: { keyField: string; cursorField: string; children?: { navigation: string; keyField: string }[] },
  deleteField?: string,
): LinePlan {
  const childKey = (navigation: string) => resource.children?.find((c) => c.navigation === navigation)?.keyField;
  return {
    ...plan,
    bare: {
      parent: [resource.keyField, resource.cursorField, ...(deleteField ? [deleteField] : []), ...plan.parent.keep],
      required: [resource.keyField, resource.cursorField],
      children: plan.children.map((c) => {
        const key = childKey(c.navigation);
        return [...(key ? [key] : []), ...c.table.keep].filter((f) => f !== c.parentKeyField);
      }),
    },
  };
}
