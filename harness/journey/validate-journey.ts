/**
 * The journey's rules across fields, checked before anything starts (exit 104), each problem
 * naming its field: the session assertion is there; every `{{variable}}` is defined before it
 * is used (feeder, built-in, or an earlier step's extract); every regex compiles, every CSS
 * selector parses (cheerio's own parser), every JSON path parses; step names are unique.
 */
import { load } from 'cheerio';
import { journeySchema, type Extractor, type Journey, type JourneyCheck, type JourneyStep } from './journey-schema.js';
import { dataProblems, dataVariables } from './journey-data.js';
import { parseJsonPath } from './json-path.js';
import { stringsIn, variablesIn } from './journey-template.js';

const FIELD = 'workload.journey';

export function extractorProblem(extractor: Extractor): { key: string; message: string } | null {
  if ('regex' in extractor) {
    try {
      new RegExp(extractor.regex);
    } catch (error) {
      return { key: 'regex', message: `not a regular expression: ${(error as Error).message}` };
    }
    return null;
  }
  if ('json' in extractor) {
    try {
      parseJsonPath(extractor.json);
    } catch (error) {
      return { key: 'json', message: (error as Error).message };
    }
    return null;
  }
  return cssProblem(extractor.css);
}

function cssProblem(selector: string): { key: string; message: string } | null {
  if (selector.trim() === '') return { key: 'css', message: 'an empty CSS selector' };
  try {
    // A document with an element, so the selector is really compiled and run.
    load('<p></p>').root().find(selector);
  } catch (error) {
    return { key: 'css', message: `not a CSS selector: ${(error as Error).message}` };
  }
  return null;
}

function checkProblems(check: JourneyCheck, field: string, known: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const texts = 'contains' in check ? [check.contains] : 'notContains' in check ? [check.notContains] : 'var' in check ? [check.equals ?? ''] : [];
  if ('var' in check) {
    if (!known.has(check.var)) problems.push(`${field}.var: unknown variable ${check.var}: ${knownText(known)}`);
    if (check.equals === undefined && check.matches === undefined) problems.push(`${field}: a var check needs equals or matches`);
    if (check.matches !== undefined) {
      try {
        new RegExp(check.matches);
      } catch (error) {
        problems.push(`${field}.matches: not a regular expression: ${(error as Error).message}`);
      }
    }
  }
  for (const text of texts) for (const name of variablesIn(text)) if (!known.has(name)) problems.push(`${field}: unknown variable {{${name}}}: ${knownText(known)}`);
  return problems;
}

const knownText = (known: ReadonlySet<string>) => `define it in data (csv, generate) or extract it in an earlier step (known here: ${[...known].join(', ')})`;

function stepProblems(step: JourneyStep, field: string, known: Set<string>): string[] {
  const problems: string[] = [];
  const used: Array<[string, string]> = [
    ['path', step.path],
    ...Object.entries(step.query ?? {}).flatMap(([k, v]): Array<[string, string]> => [[`query.${k}`, k], [`query.${k}`, v]]),
    ...Object.entries(step.form ?? {}).flatMap(([k, v]): Array<[string, string]> => [[`form.${k}`, k], [`form.${k}`, v]]),
    ...Object.entries(step.headers ?? {}).map(([k, v]): [string, string] => [`headers.${k}`, v]),
    ...stringsIn(step.json).map((v): [string, string] => ['json', v]),
  ];
  for (const [where, text] of used) {
    for (const name of variablesIn(text)) if (!known.has(name)) problems.push(`${field}.${where}: unknown variable {{${name}}}: ${knownText(known)}`);
  }
  for (const [name, extractor] of Object.entries(step.extract ?? {})) {
    const problem = extractorProblem(extractor);
    if (problem) problems.push(`${field}.extract.${name}.${problem.key}: ${problem.message}`);
  }
  // Extracted from this step's answer: known to its checks and to every later step.
  for (const name of Object.keys(step.extract ?? {})) known.add(name);
  step.check.forEach((check, i) => problems.push(...checkProblems(check, `${field}.check[${i}]`, known)));
  return problems;
}

/**
 * Problems of the journey part of a workload (raw input: called whatever else is wrong).
 * `users`: for the feeder's row count.
 */
export function journeyProblems(workload: unknown): string[] {
  if (typeof workload !== 'object' || workload === null) return [];
  const w = workload as Record<string, unknown>;
  const mode = w.mode ?? 'visits';
  if (mode !== 'journey') {
    return w.journey !== undefined ? [`${FIELD}: only read with workload.mode 'journey' (mode is ${JSON.stringify(mode)}): set the mode or remove the journey`] : [];
  }
  if (w.journey === undefined) return [`${FIELD}: missing: mode 'journey' needs the steps each user takes and its session assertion (docs/your-app.md)`];
  if (typeof w.journey === 'object' && w.journey !== null && !('session' in w.journey)) {
    return [`${FIELD}.session: missing: say what proves the user is still logged in as itself ({ identity: { css: '...' }, expect: '{{username}}' }): without it a logged-out user looks like a served one`];
  }
  const parsed = journeySchema.safeParse(w.journey);
  // The schema's own issues are reported by the scenario schema.
  if (!parsed.success) return [];
  const journey: Journey = parsed.data;
  const users = typeof w.users === 'number' && Number.isInteger(w.users) ? w.users : 1;
  const { problems, csv } = dataProblems(journey.data, users);
  const known = new Set(dataVariables(journey.data, csv));
  const names = new Map<string, string>();
  const visit = (step: JourneyStep, field: string) => {
    if (names.has(step.name)) problems.push(`${field}.name: ${JSON.stringify(step.name)} is also ${names.get(step.name)}: give every step its own name`);
    else names.set(step.name, field);
    problems.push(...stepProblems(step, field, known));
  };
  journey.once.forEach((step, i) => visit(step, `${FIELD}.once[${i}]`));
  // The session assertion is judged from the first of `steps` on: what once and the feeder define.
  const atSession = new Set(known);
  journey.steps.forEach((step, i) => visit(step, `${FIELD}.steps[${i}]`));
  const identity = extractorProblem(journey.session.identity);
  if (identity) problems.push(`${FIELD}.session.identity.${identity.key}: ${identity.message}`);
  for (const name of variablesIn(journey.session.expect)) if (!atSession.has(name)) problems.push(`${FIELD}.session.expect: unknown variable {{${name}}}: ${knownText(atSession)}`);
  journey.session.requires.forEach((check, i) => problems.push(...checkProblems(check, `${FIELD}.session.requires[${i}]`, atSession)));
  if (journey.finalRead !== undefined && !names.has(journey.finalRead)) {
    problems.push(`${FIELD}.finalRead: no step is named ${JSON.stringify(journey.finalRead)}: use one of ${[...names.keys()].join(', ')}`);
  }
  return problems;
}
