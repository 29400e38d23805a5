/** A tiny table builder: every cell is escaped unless it is explicitly marked as HTML. */
import { escapeHtml } from './html-escape.js';

/** Trusted markup built by the report itself (never from a result string). */
export class Markup {
  constructor(readonly html: string) {}
}
export const markup = (html: string): Markup => new Markup(html);

export type Cell = string | Markup | { value: string | Markup; cls?: string; title?: string };

const cellHtml = (c: string | Markup): string => (c instanceof Markup ? c.html : escapeHtml(c));

function td(tag: 'td' | 'th', c: Cell): string {
  if (typeof c === 'string' || c instanceof Markup) return `<${tag}>${cellHtml(c)}</${tag}>`;
  const cls = c.cls ? ` class="${escapeHtml(c.cls)}"` : '';
  const title = c.title ? ` title="${escapeHtml(c.title)}"` : '';
  return `<${tag}${cls}${title}>${cellHtml(c.value)}</${tag}>`;
}

export interface TableOptions {
  cls?: string;
  /** Rows whose first cell is a header (row label). */
  rowHeaders?: boolean;
}

export function table(head: Cell[], rows: Cell[][], options: TableOptions = {}): string {
  const cls = `data${options.cls ? ` ${options.cls}` : ''}`;
  const thead = head.length ? `<thead><tr>${head.map((c) => td('th', c)).join('')}</tr></thead>` : '';
  const body = rows
    .map((row) => `<tr>${row.map((c, i) => td(i === 0 && options.rowHeaders ? 'th' : 'td', c)).join('')}</tr>`)
    .join('\n');
  return `<div class="table-wrap"><table class="${cls}">${thead}<tbody>${body}</tbody></table></div>`;
}

export function swatch(color: string): Markup {
  return markup(`<span class="swatch" style="background:${escapeHtml(color)}"></span>`);
}

/** A column header for a result: color swatch + label. */
export function seriesHeader(label: string, color: string, sub?: string): Markup {
  const small = sub ? `<small>${escapeHtml(sub)}</small>` : '';
  return markup(`<span class="series-name">${swatch(color).html}${escapeHtml(label)}</span>${small}`);
}
