/**
 * topology.external: a deployment the harness does not start (provider 'external'). The user
 * declares where it is (the balancer's URL, optional per-node URLs, Redis and Toxiproxy URLs),
 * what its nodes are called (the `node` its app reports), the shell commands that kill,
 * restore, hang and resume a node, and the logs to read. The harness runs only those commands
 * and sends traffic only to those URLs. A leaf module (zod and the log format names only), so
 * the scenario schema can hold it.
 */
import { z } from 'zod';
import { logFormats } from '../../evidence/evidence-types.js';
import { parseDuration } from '../../scenario/duration.js';
import { quoted } from '../../util/one-line.js';

/** What a command may name: `{node}` (the node's name) and `{url}` (the node's URL). */
export const commandPlaceholders = ['node', 'url'] as const;
export type CommandPlaceholder = (typeof commandPlaceholders)[number];

/** The node commands, by the field that holds them. */
export const nodeCommandNames = ['kill', 'restore', 'hang', 'resume'] as const;
export type NodeCommandName = (typeof nodeCommandNames)[number];

/** How long a command may run at most (a longer one is a mistake in the scenario). */
export const maxCommandTimeoutMs = 10 * 60_000;

/**
 * Names go into shell commands as they are ({node}), so only letters, digits, dot, dash and
 * underscore: nothing the shell would read as syntax, no glob, no space.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** http(s)://host[:port][/path]: no credentials, query or fragment, nothing a shell would read ({url} goes in unquoted). */
const HTTP_URL = /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~/-]*)?$/;
const REDIS_URL = /^redis:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/?$/;
const PROXY_NAME = /^[A-Za-z0-9._-]{1,128}$/;

const nameSchema = (what: string) =>
  z.string().regex(NAME, `${what}: use letters, digits, ".", "-" and "_" (at most 63, starting with a letter or digit): it is put into commands as it is`);

function portProblem(text: string): string | null {
  const port = /:([0-9]{1,5})(?:\/|$)/.exec(text.replace(/^[a-z]+:\/\//, ''))?.[1];
  return port !== undefined && (Number(port) < 1 || Number(port) > 65535) ? `port ${port} is not from 1 to 65535` : null;
}

export const httpUrlSchema = z.string().superRefine((text, ctx) => {
  if (!HTTP_URL.test(text)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `${quoted(text)} is not an http(s) URL of the form http://HOST:PORT[/PATH] (no credentials, query or fragment)`,
    });
    return;
  }
  const problem = portProblem(text);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${quoted(text)}: ${problem}` });
});

const redisUrlSchema = z.string().superRefine((text, ctx) => {
  if (!REDIS_URL.test(text)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `${quoted(text)} is not redis://HOST:PORT (credentials and database numbers are not supported: inspect a Redis reachable without AUTH, db 0)`,
    });
    return;
  }
  const problem = portProblem(text);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${quoted(text)}: ${problem}` });
});

/** A placeholder `{name}` of a template; `{{` and `}}` are literal braces, `${` is the shell's. */
const TOKEN = /\{\{|\}\}|\$\{|\{([A-Za-z_][A-Za-z0-9_-]*)\}/g;

/** The placeholders a command names, in order (duplicates kept). */
export function placeholdersOf(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(TOKEN)) if (m[1] !== undefined) out.push(m[1]);
  return out;
}

/** The command with its placeholders filled (every one must have a value: validated before the run). */
export function fillCommand(template: string, values: Partial<Record<CommandPlaceholder, string>>): string {
  return template.replace(TOKEN, (token, name: string | undefined) => {
    if (token === '{{') return '{';
    if (token === '}}') return '}';
    if (name === undefined) return token;
    const value = values[name as CommandPlaceholder];
    if (value === undefined) throw new Error(`no value for {${name}}`);
    return value;
  });
}

const commandSchema = (allowed: readonly string[]) =>
  z
    .string()
    .min(1)
    .max(4096)
    .superRefine((text, ctx) => {
      // eslint-disable-next-line no-control-regex
      if (/[\u0000\r\n]/.test(text)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'one line: no newline or NUL (put a longer script in a file and call it)' });
      }
      for (const name of new Set(placeholdersOf(text))) {
        if (!allowed.includes(name)) {
          const use = allowed.length ? `use ${allowed.map((a) => `{${a}}`).join(' or ')}` : 'this command takes no placeholder';
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unknown placeholder {${name}}: ${use} (write {{ and }} for literal braces)` });
        }
      }
    });

const timeoutSchema = z.string().superRefine((text, ctx) => {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
    return;
  }
  if (!(ms > 0) || ms > maxCommandTimeoutMs) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${quoted(text)}: give a duration above 0 and at most 10m` });
});

const logBase = {
  /** node-1, balancer, redis, ...: whose log it is (the evidence names it). */
  component: nameSchema('component'),
  /** Which parser reads it (harness/evidence/log-formats/). */
  format: z.enum(logFormats),
  /** The zone its local-time stamps are written in (UTC, +02:00, an IANA name); absent: this host's. */
  zone: z.string().regex(/^[A-Za-z0-9_+:/-]{1,64}$/).optional(),
};

export const externalLogSchema = z
  .object({
    ...logBase,
    /** A file on the harness's machine (absolute path), read after the run. */
    file: z.string().regex(/^\/[^\u0000\n\r]*$/, 'an absolute path on the machine the harness runs on').max(4096).optional(),
    /** A shell command whose stdout is the log (e.g. `docker logs shop-web-1`, `kubectl logs php-0`), run with the command timeout. */
    command: commandSchema([]).optional(),
  })
  .strict()
  .refine((log) => (log.file === undefined) !== (log.command === undefined), { message: 'give file or command, one of them', path: ['file'] });

export const externalSettingsSchema = z
  .object({
    /** The balancer's URL: all load and every final read goes there. */
    url: httpUrlSchema,
    /** A path of the app that answers 2xx without touching the session (the built-in app's /health). */
    healthPath: z.string().regex(/^\/[A-Za-z0-9._~/-]{0,200}$/, 'a path like /health').default('/health'),
    /**
     * The nodes, named as the app reports them in its answers (`node`), so answers are
     * attributed and fault targets match. A url (optional) is the node reached directly:
     * checked before the run, and a restored node is awaited there.
     */
    nodes: z
      .array(z.object({ name: nameSchema('name'), url: httpUrlSchema.optional() }).strict())
      .min(1)
      .max(16),
    /** Shell commands (sh -c), each with {node} and {url} filled in. */
    commands: z
      .object({
        kill: commandSchema(commandPlaceholders).optional(),
        restore: commandSchema(commandPlaceholders).optional(),
        hang: commandSchema(commandPlaceholders).optional(),
        resume: commandSchema(commandPlaceholders).optional(),
      })
      .strict()
      .default({}),
    /** How long each command may run; one that runs longer is killed (its process group) and the fault fails. */
    commandTimeout: timeoutSchema.default('30s'),
    /** Redis, read only (keys, TTLs, INFO): the store check and the Redis section. Without it they are not inspected. */
    redisUrl: redisUrlSchema.optional(),
    /** A Toxiproxy whose proxies sit on the deployment's links, for link faults (node-partition, redis-latency, ...). */
    toxiproxy: z
      .object({
        url: httpUrlSchema,
        links: z
          .object({
            /** node -> the proxy between the balancer and that node. */
            balancer: z.record(z.string(), z.string().regex(PROXY_NAME, 'a Toxiproxy proxy name')).optional(),
            /** node -> the proxy between that node and Redis; or one name: the proxy every node reaches Redis through. */
            redis: z.union([z.string().regex(PROXY_NAME, 'a Toxiproxy proxy name'), z.record(z.string(), z.string().regex(PROXY_NAME, 'a Toxiproxy proxy name'))]).optional(),
          })
          .strict()
          .default({}),
      })
      .strict()
      .optional(),
    /** Logs read after the run for the evidence (files or commands). */
    logs: z.array(externalLogSchema).max(64).default([]),
  })
  .strict();

export type ExternalSettings = z.output<typeof externalSettingsSchema>;
export type ExternalLog = z.output<typeof externalLogSchema>;

/** What the provider gets: the settings, and where the commands' output goes. */
export interface ExternalSpec extends ExternalSettings {
  /** Directory for each command's stdout and stderr (the run's output directory). */
  outputDir: string;
}

/** node -> proxy of each Redis link (one shared name stands for every node). */
export function redisLinkProxies(settings: Pick<ExternalSettings, 'nodes' | 'toxiproxy'>): Record<string, string> {
  const redis = settings.toxiproxy?.links.redis;
  if (redis === undefined) return {};
  if (typeof redis === 'string') return Object.fromEntries(settings.nodes.map((n) => [n.name, redis]));
  return { ...redis };
}
