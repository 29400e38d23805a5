/** Escaping for the three places result strings end up: HTML text/attributes, embedded JSON, inline code. */

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => htmlEntities[c]!);
}

/**
 * JSON safe inside <script type="application/json">: `<`, `>` and `&` only occur inside JSON
 * strings, so writing them as \u escapes rules out `</script`, `<!--` and `-->` while
 * JSON.parse still gets the same value. U+2028/2029 are escaped for old JS parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Guards vendored code inlined in <script>/<style>: a closing tag inside would end the element early. */
export function inlineSafe(code: string, tag: 'script' | 'style'): string {
  return code.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1').replace(/<!--/g, '<\\!--');
}
