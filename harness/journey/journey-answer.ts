/**
 * Reading one answer of a journey step: extraction (regex, JSON path, CSS selector through
 * cheerio, an HTML parser: never regexes over HTML for a selector), checks, and the session
 * assertion. The body is parsed at most once per answer, and only when a CSS selector or a
 * JSON path asks for it.
 */
import { load, type CheerioAPI } from 'cheerio';
import type { Extractor, JourneyCheck, SessionAssertion } from './journey-schema.js';
import { parseJsonPath, selectJsonPath } from './json-path.js';
import { render } from './journey-template.js';

export class AnswerView {
  private html: CheerioAPI | null = null;
  private json: { value: unknown } | null = null;

  constructor(
    readonly status: number,
    readonly body: string,
  ) {}

  private dom(): CheerioAPI {
    this.html ??= load(this.body);
    return this.html;
  }

  private parsed(): { value: unknown } | null {
    if (this.json === null) {
      try {
        this.json = { value: JSON.parse(this.body) as unknown };
      } catch {
        return null;
      }
    }
    return this.json;
  }

  /** The extracted value, or null when the answer has none. */
  extract(extractor: Extractor): string | null {
    if ('regex' in extractor) {
      const match = new RegExp(extractor.regex).exec(this.body);
      if (!match) return null;
      return match[extractor.group ?? (match.length > 1 ? 1 : 0)] ?? null;
    }
    if ('json' in extractor) {
      const value = this.parsed() ? selectJsonPath(this.parsed()!.value, parseJsonPath(extractor.json)) : undefined;
      if (value === undefined || value === null) return null;
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
    const found = this.dom().root().find(extractor.css).first();
    if (found.length === 0) return null;
    if (extractor.attr !== undefined) return found.attr(extractor.attr) ?? null;
    return found.text().replace(/\s+/g, ' ').trim();
  }

  /** Why the check fails, or null when it passes. */
  failedCheck(check: JourneyCheck, vars: ReadonlyMap<string, string>): string | null {
    if ('status' in check) {
      const allowed = Array.isArray(check.status) ? check.status : [check.status];
      return allowed.includes(this.status) ? null : `status ${this.status}, expected ${allowed.join(' or ')}`;
    }
    if ('contains' in check) {
      const needle = render(check.contains, vars);
      return this.body.includes(needle) ? null : `the answer does not contain ${JSON.stringify(needle)}`;
    }
    if ('notContains' in check) {
      const needle = render(check.notContains, vars);
      return this.body.includes(needle) ? `the answer contains ${JSON.stringify(needle)}` : null;
    }
    const value = vars.get(check.var);
    if (value === undefined) return `variable ${check.var} has no value`;
    if (check.equals !== undefined && value !== render(check.equals, vars)) return `variable ${check.var} is ${JSON.stringify(value)}, expected ${JSON.stringify(render(check.equals, vars))}`;
    if (check.matches !== undefined && !new RegExp(check.matches).test(value)) return `variable ${check.var} is ${JSON.stringify(value)}, does not match /${check.matches}/`;
    return null;
  }

  /**
   * The session assertion: `leak` when the page shows another identity than the user's,
   * `logged-out` when it shows none or a required session-held value is missing, else `ok`.
   */
  judgeSession(assertion: SessionAssertion, vars: ReadonlyMap<string, string>): { verdict: 'ok' | 'logged-out' | 'leak'; reason?: string } {
    const identity = this.extract(assertion.identity);
    const expected = render(assertion.expect, vars);
    if (identity === null || identity === '') return { verdict: 'logged-out', reason: 'the page shows no logged-in identity' };
    if (identity !== expected) return { verdict: 'leak', reason: `the page shows identity ${JSON.stringify(identity)}, this user is ${JSON.stringify(expected)}` };
    for (const check of assertion.requires) {
      const failed = this.failedCheck(check, vars);
      if (failed) return { verdict: 'logged-out', reason: `session state missing: ${failed}` };
    }
    return { verdict: 'ok' };
  }

  /** A short one-line excerpt of the answer, for reports: an HTML page's visible text (parsed, scripts and styles left out), else the body. */
  excerpt(max = 240): string {
    let line = this.body;
    if (/^\s*</.test(this.body)) {
      const $ = load(this.body);
      $('script, style, head').remove();
      line = $.root().text();
    }
    line = line.replace(/\s+/g, ' ').trim();
    return line.length > max ? `${line.slice(0, max)}…` : line;
  }
}
