/**
 * Bounds on every JSON request body, whatever its schema: nesting depth, string length,
 * array length, member count and member-name length. A body within the byte limit can
 * still be 4,000 levels deep (8 KB of `{"a":`), which recursive code further on
 * (serializing, encrypting, logging) cannot take; the schemas bound the fields they know,
 * these bounds cover the values they leave open (`userData`, provider `settings`). Checked
 * once, right after parsing, without recursion; a body past them is 400
 * `VALIDATION_INVALID_PARAMETER` listing each place (pointer and reason).
 */
import { type FieldProblem, IdgateError } from '@idgate/errors';
import { fieldNameFor } from './error-funnel.js';

/** The bounds of a JSON body. */
export interface JsonBounds {
  /** Deepest nesting of objects and arrays (the body itself is level 1). */
  readonly maxDepth: number;
  /** Longest string value, in UTF-16 code units. */
  readonly maxStringLength: number;
  /** Most items of one array. */
  readonly maxArrayItems: number;
  /** Most members of one object. */
  readonly maxObjectMembers: number;
  /** Longest member name. */
  readonly maxNameLength: number;
}

/** idgate's bounds: far above what any route's schema allows, far below what hurts. */
export const JSON_BOUNDS: JsonBounds = Object.freeze({
  maxDepth: 32,
  maxStringLength: 65_536,
  maxArrayItems: 1_000,
  maxObjectMembers: 1_000,
  maxNameLength: 256,
});

/** The most places one answer lists. */
const MAX_PROBLEMS = 20;

/** A value still to look at, and how to name where it is. */
interface Pending {
  readonly value: unknown;
  readonly depth: number;
  readonly parent: Pending | undefined;
  readonly key: string;
}

function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** RFC 6901 pointer of a place (built only for the places that are refused). */
function pointerOf(place: Pending): string {
  const segments: string[] = [];
  for (let at: Pending | undefined = place; at?.parent !== undefined; at = at.parent) {
    segments.push(escapeSegment(at.key));
  }
  return segments.length === 0 ? '' : `/${segments.reverse().join('/')}`;
}

function problemAt(place: Pending, reason: string): FieldProblem {
  const pointer = pointerOf(place);
  return { name: fieldNameFor('body', pointer), pointer, reason };
}

/** The places where `value` exceeds `bounds` (at most {@link MAX_PROBLEMS}); empty when within. */
export function jsonBoundProblems(value: unknown, bounds: JsonBounds = JSON_BOUNDS): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const stack: Pending[] = [{ value, depth: 1, parent: undefined, key: '' }];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const place = stack.pop() as Pending;
    const current = place.value;
    if (typeof current === 'string') {
      if (current.length > bounds.maxStringLength) {
        problems.push(problemAt(place, `must NOT have more than ${bounds.maxStringLength} characters`));
      }
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (place.depth > bounds.maxDepth) {
      problems.push(problemAt(place, `is nested deeper than ${bounds.maxDepth} levels`));
      continue;
    }
    const depth = place.depth + 1;
    if (Array.isArray(current)) {
      if (current.length > bounds.maxArrayItems) {
        problems.push(problemAt(place, `must NOT have more than ${bounds.maxArrayItems} items`));
        continue;
      }
      for (let index = current.length - 1; index >= 0; index--) {
        stack.push({ value: current[index], depth, parent: place, key: String(index) });
      }
      continue;
    }
    const names = Object.keys(current);
    if (names.length > bounds.maxObjectMembers) {
      problems.push(problemAt(place, `must NOT have more than ${bounds.maxObjectMembers} members`));
      continue;
    }
    for (let index = names.length - 1; index >= 0; index--) {
      const name = names[index] as string;
      if (name.length > bounds.maxNameLength) {
        problems.push(problemAt(place, `has a member name longer than ${bounds.maxNameLength} characters`));
        break;
      }
      stack.push({ value: (current as Record<string, unknown>)[name], depth, parent: place, key: name });
    }
  }
  return problems;
}

/** The refusal of a body past the bounds. */
export function jsonBoundsError(problems: readonly FieldProblem[]): IdgateError {
  const names = problems.map((problem) => problem.name).join(', ');
  return new IdgateError('VALIDATION_INVALID_PARAMETER', {
    detail: `The JSON body is nested too deeply or too large in: ${names}.`,
    context: { fields: [...problems] },
  });
}
