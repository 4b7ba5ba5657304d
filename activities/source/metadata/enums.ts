/** Builds `EnumTypeModel`s, checking what later matters for storing and filtering on values. */
import type { EnumMemberModel, EnumTypeModel } from './model';
import type { Declaration } from './declarations';
import { childrenOf } from './xml';
import { enumSubject, memberProblem } from './problems';

const DEFAULT_UNDERLYING = 'Edm.Int32';

/** Inclusive value ranges; bigint because Int64 flag values exceed 2^53. */
const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  'Edm.Byte': [0n, 255n],
  'Edm.SByte': [-128n, 127n],
  'Edm.Int16': [-(2n ** 15n), 2n ** 15n - 1n],
  'Edm.Int32': [-(2n ** 31n), 2n ** 31n - 1n],
  'Edm.Int64': [-(2n ** 63n), 2n ** 63n - 1n],
};

const INTEGER = /^-?\d+$/;

export function buildEnum(declaration: Declaration, problems: string[]): EnumTypeModel {
  const { element, name, namespace } = declaration;
  const subject = enumSubject(name);
  const underlyingType = element.attrs.UnderlyingType?.trim() || DEFAULT_UNDERLYING;
  const range = INTEGER_RANGES[underlyingType];
  if (!range) {
    problems.push(`${subject}: UnderlyingType "${underlyingType}" is not an integer type`);
  }
  const isFlags = element.attrs.IsFlags?.trim().toLowerCase() === 'true';

  const members: EnumMemberModel[] = [];
  const seen = new Set<string>();
  const outOfRange: bigint[] = [];
  for (const memberElement of childrenOf(element, 'Member')) {
    const memberName = memberElement.attrs.Name?.trim();
    if (!memberName) {
      problems.push(`${subject}: a <Member> without a Name was ignored`);
      continue;
    }
    if (seen.has(memberName)) {
      problems.push(memberProblem(subject, memberName, 'declared twice; the first is kept'));
      continue;
    }
    seen.add(memberName);
    const member: EnumMemberModel = { name: memberName };
    const value = memberElement.attrs.Value?.trim();
    if (value !== undefined) {
      member.value = value;
      if (!INTEGER.test(value)) {
        problems.push(memberProblem(subject, memberName, `Value "${value}" is not an integer`));
      } else if (range && (BigInt(value) < range[0] || BigInt(value) > range[1])) {
        outOfRange.push(BigInt(value));
      }
    }
    members.push(member);
  }

  // One sentence per enum rather than per member: UtahRealEstate declares 30-bit-plus flag
  // values on Int32 enums by the dozen, and the remedy (store as Int64) is the same for all.
  if (outOfRange.length > 0) {
    const largest = outOfRange.reduce((a, b) => (b > a ? b : a));
    problems.push(
      `${subject}: ${outOfRange.length} member value(s) do not fit its UnderlyingType ` + `${underlyingType} (largest ${largest})`,
    );
  }
  const withoutValue = members.filter((m) => m.value === undefined).length;
  if (isFlags && withoutValue > 0) {
    problems.push(`${subject}: IsFlags is set but ${withoutValue} member(s) have no Value`);
  } else if (withoutValue > 0 && withoutValue < members.length) {
    problems.push(`${subject}: ${withoutValue} member(s) have no Value while others do`);
  }

  return { name, namespace, underlyingType, isFlags, members };
}
