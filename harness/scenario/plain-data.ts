/**
 * A scenario is plain data: objects, arrays, strings, numbers, booleans, null. A scenario
 * module can export anything, though (a class instance, a getter that throws, a cycle, an
 * array nested 100,000 deep), and every step after loading (overrides, zod) recurses into it.
 * toPlainData copies the data into fresh plain objects within fixed bounds, or names the
 * first place that is not plain data.
 */
import { InvalidInputError } from '../errors.js';
import { errorLine, oneLine } from '../util/one-line.js';

/** How deep a scenario nests (`steps[0].params.latencyMs` is 4 deep). */
export const maxScenarioDepth = 32;
/** Values (objects, arrays, strings, ...) in one scenario. */
export const maxScenarioValues = 100_000;
/** Characters in one string of a scenario. */
export const maxScenarioString = 65_536;

export function dataPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(scenario)';
  return oneLine(
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$-]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`))
      .join('')
      .replace(/^\./, ''),
  );
}

class NotPlain extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'bigint') return 'a bigint';
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
  const name = typeof proto?.constructor?.name === 'string' ? proto.constructor.name : '';
  return name ? `a ${name} object` : 'an object of another kind';
}

/**
 * A deep copy of `value` made of plain objects and arrays, or an InvalidInputError
 * "<origin>: invalid scenario — <path>: <problem>".
 */
export function toPlainData(value: unknown, origin: string): unknown {
  let count = 0;
  const onPath = new Set<object>();
  const path: (string | number)[] = [];
  const copy = (v: unknown, depth: number): unknown => {
    if (++count > maxScenarioValues) throw new NotPlain([...path], `the scenario holds more than ${maxScenarioValues} values`);
    if (v === null || v === undefined || typeof v === 'boolean' || typeof v === 'number') return v;
    if (typeof v === 'string') {
      if (v.length > maxScenarioString) throw new NotPlain([...path], `a string of ${v.length} characters, more than ${maxScenarioString}`);
      return v;
    }
    if (typeof v !== 'object') throw new NotPlain([...path], `is ${describe(v)}: a scenario is plain data (objects, arrays, strings, numbers, booleans)`);
    if (depth >= maxScenarioDepth) throw new NotPlain([...path], `nested deeper than ${maxScenarioDepth} levels`);
    if (onPath.has(v)) throw new NotPlain([...path], 'refers back to an object that contains it (a cycle)');
    onPath.add(v);
    try {
      if (Array.isArray(v)) {
        const length = v.length;
        if (length > maxScenarioValues) throw new NotPlain([...path], `an array of ${length} items, more than ${maxScenarioValues}`);
        const out: unknown[] = [];
        for (let i = 0; i < length; i++) {
          path.push(i);
          out.push(copy(v[i], depth + 1));
          path.pop();
        }
        return out;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new NotPlain([...path], `is ${describe(v)}: a scenario is plain data (objects, arrays, strings, numbers, booleans)`);
      }
      const out: Record<string, unknown> = {};
      for (const key of Reflect.ownKeys(v)) {
        if (typeof key === 'symbol') continue;
        const descriptor = Object.getOwnPropertyDescriptor(v, key);
        if (!descriptor || !descriptor.enumerable) continue;
        path.push(key);
        if (key === '__proto__') throw new NotPlain([...path], 'a key named __proto__ is not allowed');
        if (!('value' in descriptor)) throw new NotPlain([...path], 'is a getter/setter: a scenario is plain data');
        out[key] = copy(descriptor.value, depth + 1);
        path.pop();
      }
      return out;
    } finally {
      onPath.delete(v);
    }
  };
  try {
    return copy(value, 0);
  } catch (error) {
    if (error instanceof NotPlain) {
      const problem = `${dataPath(error.path)}: ${error.message}`;
      throw new InvalidInputError(`${origin}: invalid scenario — ${problem}`, [problem]);
    }
    // A Proxy trap or an exotic object threw while being read.
    const problem = `${dataPath(path)}: cannot be read (${errorLine(error)})`;
    throw new InvalidInputError(`${origin}: invalid scenario — ${problem}`, [problem]);
  }
}
