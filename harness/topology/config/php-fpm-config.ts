/** PHP-FPM master + pool configuration for one backend node (pure: text from parameters). */
import { NODE_REQUEST_TIMEOUT_S } from './request-deadline.js';

export interface PhpFpmConfigInput {
  nodeName: string;
  /** host:port the pool listens on. */
  listen: string;
  children: number;
  pidFile: string;
  errorLog: string;
  /** php_admin_value settings (session handler etc.), written once each. */
  adminValues: Record<string, string>;
  /** Set pool user/group (needed when the master runs as root with -R). */
  runAsRoot: boolean;
  /** Extra env for the PHP scripts. */
  env?: Record<string, string>;
}

/** Bare words the INI parser turns into booleans or nothing (SameSite=None would become ""). */
const iniKeywords = new Set(['none', 'null', 'yes', 'no', 'true', 'false', 'on', 'off']);

/**
 * php-fpm treats `=`/`&`/`;` specially in unquoted values, and INI keywords are not strings:
 * quote anything not plain. (A quoted "On"/"Off" still works for boolean settings.)
 */
export function quoteIniValue(value: string): string {
  if (/^[A-Za-z0-9_./:-]*$/.test(value) && value !== '' && !iniKeywords.has(value.toLowerCase())) return value;
  if (value.includes('"')) throw new Error(`php ini value may not contain a double quote: ${value}`);
  return `"${value}"`;
}

export function renderPhpFpmConfig(input: PhpFpmConfigInput): string {
  const lines = [
    '[global]',
    `pid = ${input.pidFile}`,
    `error_log = ${input.errorLog}`,
    'daemonize = no',
    'log_level = warning',
    // Seconds a SIGQUIT/SIGTERM waits for workers: stop quickly.
    'process_control_timeout = 2',
    '',
    `[${input.nodeName}]`,
    `listen = ${input.listen}`,
    'listen.backlog = 1024',
  ];
  if (input.runAsRoot) lines.push('user = root', 'group = root');
  lines.push(
    'pm = static',
    `pm.max_children = ${input.children}`,
    // Bounds how long a request can still run (and write its session) after the client gave up.
    `request_terminate_timeout = ${NODE_REQUEST_TIMEOUT_S}s`,
    'catch_workers_output = yes',
    'decorate_workers_output = no',
    'clear_env = yes',
    `env[NODE_NAME] = ${input.nodeName}`,
  );
  // Always quoted: the INI parser turns bare none/off/no/false/null into an empty string.
  for (const [key, value] of Object.entries(input.env ?? {})) lines.push(`env[${key}] = "${quoteIniValue(value).replace(/^"|"$/g, '')}"`);
  for (const [key, value] of Object.entries(input.adminValues)) {
    lines.push(`php_admin_value[${key}] = ${quoteIniValue(value)}`);
  }
  return lines.join('\n') + '\n';
}

/** The php.ini passed with -c: everything not specific to one node. */
export function renderPhpIni(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key} = ${quoteIniValue(value)}`)
    .join('\n') + '\n';
}

/** Base php.ini for every node; strategy settings come on top. */
export const basePhpIni: Record<string, string> = {
  'display_errors': 'Off',
  'log_errors': 'On',
  'error_reporting': 'E_ALL',
  'opcache.enable': '1',
  'opcache.validate_timestamps': '0',
  'session.use_cookies': '1',
  'session.use_only_cookies': '1',
  'session.use_strict_mode': '0',
  'session.name': 'PHPSESSID',
  'session.cookie_httponly': '1',
  'session.cache_limiter': 'nocache',
  // Debian ships gc_probability=0 (cron cleans); keep it off: no random GC pauses mid-run.
  'session.gc_probability': '0',
  'session.gc_maxlifetime': '1440',
  'max_execution_time': '30',
};
