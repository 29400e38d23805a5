/**
 * topology.app: the user's own PHP application, served from every node instead of the
 * built-in app (docs/your-app.md). Plain data; paths are absolute (a .ts scenario builds them
 * with `new URL('./x', import.meta.url)`), so a scenario means the same from any directory.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { phpIniKeyProblem, phpIniLimits, phpIniValueProblem } from '../scenario/php-ini-rules.js';

const relativePath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !isAbsolute(p) && !p.split(/[\\/]/).includes('..') && !/[\s;{}"'$\\]/.test(p), {
    message: 'a path inside the app root without "..", spaces, quotes, ";", "{", "}" or "$" (e.g. "public" or "doku.php")',
  });

const absolutePath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => isAbsolute(p) && !p.split(/[\\/]/).includes('..') && !/[\s;{}"'$\\]/.test(p), {
    message: 'an absolute path without "..", spaces, quotes, ";", "{", "}" or "$" (in a .ts scenario: fileURLToPath(new URL("./dir", import.meta.url)))',
  });

/** One writable copy per node: `from` (a directory or file, absolute or inside root) copied to `to` in the node's writable directory. */
const writableEntry = z
  .object({ from: z.string().min(1).max(1024), to: relativePath })
  .strict()
  .refine((w) => !w.from.split(/[\\/]/).includes('..'), { message: 'from: a path without ".."', path: ['from'] });

export const appSchema = z
  .object({
    /** The application's directory (its code: served in place, never modified). */
    root: absolutePath,
    /** The web root, inside root (default: root itself). */
    docroot: relativePath.optional(),
    /** Where a request for no existing file goes (inside the docroot). Default index.php. */
    frontController: relativePath.default('index.php'),
    /**
     * php.ini settings for the app (on top of the harness's, under the strategy's session
     * settings, which always win). `{writable}` in a value is the node's writable directory.
     */
    phpIni: z
      .record(z.string(), z.string())
      .superRefine((record, ctx) => {
        const entries = Object.entries(record);
        if (entries.length > phpIniLimits.maxEntries) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${entries.length} settings, more than ${phpIniLimits.maxEntries}` });
        for (const [key, value] of entries) {
          const problem = phpIniKeyProblem(key) ?? phpIniValueProblem(value);
          if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: problem });
          else if (key.startsWith('session.save_')) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: 'the strategy sets the session handler: leave session.save_handler/save_path out' });
        }
      })
      .default({}),
    /**
     * Per-node writable copies, made fresh whenever a node starts (a restored node has lost its
     * disk). The app finds them through `{writable}` in phpIni or the PSL_APP_WRITABLE
     * environment variable of its PHP-FPM pool.
     */
    writable: z.array(writableEntry).max(32).default([]),
    /**
     * Host paths outside root the app's code reads by their absolute path (Debian's DokuWiki
     * loads /usr/share/php/phpseclib and /etc/dokuwiki/dokuwiki.php). Local nodes see them
     * anyway; the docker provider mounts each read-only at the same path in every node.
     */
    hostPaths: z.array(absolutePath).max(32).default([]),
  })
  .strict();

export type AppInput = z.input<typeof appSchema>;
export type AppConfig = z.output<typeof appSchema>;
