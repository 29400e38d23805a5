import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteIniValue, renderPhpFpmConfig, renderPhpIni, type PhpFpmConfigInput } from '../../harness/topology/config/php-fpm-config.js';
import { nginxBalancerRetry, renderNginxBalancerConfig } from '../../harness/topology/config/nginx-balancer-config.js';
import { renderNginxNodeConfig } from '../../harness/topology/config/nginx-node-config.js';
import { haproxyBalancerRetry, renderHaproxyConfig } from '../../harness/topology/config/haproxy-config.js';
import { redisSavePath } from '../../harness/strategies/redis-handler.js';
import { redisStrategy } from '../../harness/strategies/redis.js';
import { resolveConnectionReuse, defaultConnectionReuse, stockReuse } from '../../harness/topology/connection-reuse.js';

const SAVE_PATH = redisSavePath({ host: '127.0.0.1', port: 6379 });
const upstreams = { 'node-1': '127.0.0.1:41001', 'node-2': '127.0.0.1:41002', 'node-3': '127.0.0.1:41003' };

const NGINX = '/usr/sbin/nginx';
const HAPROXY = '/usr/sbin/haproxy';
const PHP = '/usr/bin/php';
const PHP_FPM = ['/usr/sbin/php-fpm8.2', '/usr/sbin/php-fpm8.3', '/usr/sbin/php-fpm'].find((p) => existsSync(p));

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'psl-config-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a checker binary; on failure, the assertion shows its output. */
function check(binary: string, args: string[]): void {
  try {
    execFileSync(binary, args, { stdio: 'pipe', timeout: 20_000 });
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer; message: string };
    assert.fail(`${binary} ${args.join(' ')} rejected the config:\n${e.stderr?.toString() ?? ''}${e.stdout?.toString() ?? ''}${e.message}`);
  }
}

function fpmInput(partial: Partial<PhpFpmConfigInput> = {}): PhpFpmConfigInput {
  return {
    nodeName: 'node-1',
    listen: '127.0.0.1:9101',
    children: 4,
    pidFile: '/tmp/psl/fpm.pid',
    errorLog: '/tmp/psl/fpm.log',
    adminValues: { 'session.save_handler': 'redis', 'session.save_path': SAVE_PATH },
    runAsRoot: false,
    ...partial,
  };
}

// ---------------------------------------------------------------- PHP-FPM / php.ini

test('quoteIniValue: plain values stay bare, = & ; space and the like are quoted', () => {
  assert.equal(quoteIniValue('/var/lib/php/sessions'), '/var/lib/php/sessions');
  assert.equal(quoteIniValue('redis'), 'redis');
  assert.equal(quoteIniValue('1440'), '1440');
  assert.equal(SAVE_PATH, 'tcp://127.0.0.1:6379?timeout=2&read_timeout=2&persistent=0&prefix=PHPREDIS_SESSION:');
  assert.equal(quoteIniValue(SAVE_PATH), `"${SAVE_PATH}"`);
  assert.equal(quoteIniValue('a=b'), '"a=b"');
  assert.equal(quoteIniValue('a&b'), '"a&b"');
  assert.equal(quoteIniValue('a;b'), '"a;b"');
  assert.equal(quoteIniValue('two words'), '"two words"');
  assert.equal(quoteIniValue('E_ALL & ~E_NOTICE'), '"E_ALL & ~E_NOTICE"');
});

test('quoteIniValue refuses a value with a double quote', () => {
  assert.throws(() => quoteIniValue('say "hi"'), /double quote/);
  assert.throws(() => renderPhpIni({ 'session.save_path': 'a"b' }), /double quote/);
  assert.throws(() => renderPhpFpmConfig(fpmInput({ adminValues: { x: 'a"b=c' } })), /double quote/);
});

test('php-fpm config: the redis save_path is written quoted, once', () => {
  const text = renderPhpFpmConfig(fpmInput());
  const lines = text.split('\n');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('php_admin_value[session.save_path]')),
    [`php_admin_value[session.save_path] = "${SAVE_PATH}"`],
  );
  assert.ok(lines.includes('php_admin_value[session.save_handler] = redis'));
  assert.ok(lines.includes('[node-1]'));
  assert.ok(lines.includes('listen = 127.0.0.1:9101'));
  assert.ok(lines.includes('pm.max_children = 4'));
  assert.ok(lines.includes('env[NODE_NAME] = node-1'));
});

test('php-fpm config: user = root only when runAsRoot', () => {
  const plain = renderPhpFpmConfig(fpmInput({ runAsRoot: false }));
  assert.doesNotMatch(plain, /^user\s*=/m);
  assert.doesNotMatch(plain, /^group\s*=/m);
  const root = renderPhpFpmConfig(fpmInput({ runAsRoot: true }));
  assert.match(root, /^user = root$/m);
  assert.match(root, /^group = root$/m);
  // in the pool section, not [global]
  assert.ok(root.indexOf('user = root') > root.indexOf('[node-1]'));
});

test('php-fpm config: env values are always quoted (bare none/off would read as empty)', () => {
  const text = renderPhpFpmConfig(fpmInput({ env: { REDIS_URL: SAVE_PATH, PLAIN: 'x', MODE: 'none' } }));
  const lines = text.split('\n');
  assert.ok(lines.includes(`env[REDIS_URL] = "${SAVE_PATH}"`), text);
  assert.ok(lines.includes('env[PLAIN] = "x"'), text);
  assert.ok(lines.includes('env[MODE] = "none"'), text);
  assert.throws(() => renderPhpFpmConfig(fpmInput({ env: { Q: 'a"b' } })), /double quote/);
});

test('php.ini values round-trip through PHP itself (= & ; : and spaces)', { skip: existsSync(PHP) ? false : `${PHP} not installed` }, () => {
  withTmp((dir) => {
    const ini = join(dir, 'php.ini');
    const values = {
      'session.save_path': SAVE_PATH,
      'user_agent': 'a;b c=d&e',
      'error_log': '/tmp/x:y/log',
    };
    writeFileSync(ini, renderPhpIni(values));
    const out = execFileSync(PHP, ['-n', '-c', ini, '-r', 'echo json_encode([ini_get("session.save_path"), ini_get("user_agent"), ini_get("error_log")]);'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.deepEqual(JSON.parse(out), Object.values(values));
  });
});

test('php.ini: INI keywords given as string values (none, yes, null) reach PHP unchanged', { skip: existsSync(PHP) ? false : `${PHP} not installed` }, () => {
  // e.g. phpIni: { 'session.cookie_samesite': 'None' } — bare None is parsed as an empty string.
  withTmp((dir) => {
    const ini = join(dir, 'php.ini');
    const values = { 'session.cookie_samesite': 'None', 'user_agent': 'null', 'error_log': 'yes' };
    writeFileSync(ini, renderPhpIni(values));
    const out = execFileSync(PHP, ['-n', '-c', ini, '-r', 'echo json_encode([ini_get("session.cookie_samesite"), ini_get("user_agent"), ini_get("error_log")]);'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.deepEqual(JSON.parse(out), Object.values(values));
  });
});

test('php-fpm -t accepts the rendered pool config', { skip: PHP_FPM ? false : 'php-fpm not installed' }, () => {
  withTmp((dir) => {
    const conf = join(dir, 'fpm.conf');
    const asRoot = process.getuid?.() === 0;
    writeFileSync(
      conf,
      renderPhpFpmConfig(fpmInput({ runAsRoot: asRoot, pidFile: join(dir, 'fpm.pid'), errorLog: join(dir, 'fpm.log'), env: { X: 'a=b&c' } })),
    );
    check(PHP_FPM!, ['-t', '-n', '-y', conf, ...(asRoot ? ['-R'] : [])]);
  });
});

// ---------------------------------------------------------------- nginx

/** `server ...` lines (not nginx's `server {` blocks). */
function serverLines(text: string): string[] {
  return text.split('\n').filter((l) => /^\s*server\s+[^{\s]/.test(l));
}

test('nginx balancer: hash $cookie_PHPSESSID consistent only when sticky; every upstream listed', () => {
  const sticky = renderNginxBalancerConfig({ listen: '127.0.0.1:40000', upstreams, sticky: true, prefixDir: '/tmp/p', reuse: true });
  const plain = renderNginxBalancerConfig({ listen: '127.0.0.1:40000', upstreams, sticky: false, prefixDir: '/tmp/p', reuse: true });
  assert.equal(sticky.match(/hash \$cookie_PHPSESSID consistent;/g)?.length, 1);
  assert.doesNotMatch(plain, /\bhash\b/);
  for (const text of [sticky, plain]) {
    assert.deepEqual(
      serverLines(text).map((l) => l.trim()),
      Object.values(upstreams).map((a) => `server ${a} max_fails=1 fail_timeout=5s;`),
    );
    assert.match(text, /listen 127\.0\.0\.1:40000\b/);
  }
  // the hash is inside the upstream block, before its servers
  const upstreamStart = sticky.indexOf('upstream php_nodes {');
  const hashAt = sticky.indexOf('hash $cookie_PHPSESSID');
  assert.ok(upstreamStart >= 0 && hashAt > upstreamStart && hashAt < sticky.indexOf('server 127.0.0.1:41001'));
});

test('nginx balancer: the retry directives it reports are the ones in the config', () => {
  const text = renderNginxBalancerConfig({ listen: '127.0.0.1:40000', upstreams, sticky: false, prefixDir: '/tmp/p', reuse: true });
  const retry = nginxBalancerRetry();
  assert.equal(retry.balancer, 'nginx');
  for (const d of retry.directives) assert.ok(text.includes(d), `config lacks "${d}"`);
  assert.match(text, new RegExp(`proxy_connect_timeout ${retry.connectTimeoutMs}ms;`));
});

test('nginx configs: pid, error log and every temp path point under the prefix dir', () => {
  const prefix = '/tmp/psl-run/node-1';
  const texts = [
    renderNginxBalancerConfig({ listen: '127.0.0.1:40000', upstreams, sticky: true, prefixDir: prefix, reuse: true }),
    renderNginxNodeConfig({ listen: '127.0.0.1:40001', fpm: '127.0.0.1:9101', appDir: '/srv/app', prefixDir: prefix }),
  ];
  for (const text of texts) {
    const temps = [...text.matchAll(/^\s*(\w+)_temp_path\s+(\S+);/gm)];
    assert.deepEqual(temps.map((m) => m[1]).sort(), ['client_body', 'fastcgi', 'proxy', 'scgi', 'uwsgi']);
    for (const m of temps) assert.ok(m[2]!.startsWith(`${prefix}/`), `${m[1]}_temp_path ${m[2]} is outside ${prefix}`);
    assert.match(text, new RegExp(`^pid ${prefix}/nginx\\.pid;$`, 'm'));
    assert.match(text, new RegExp(`^error_log ${prefix}/error\\.log`, 'm'));
    // nothing points at Debian's defaults
    assert.doesNotMatch(text, /\/var\/lib\/nginx|\/run\/nginx/);
  }
});

test('nginx node config: health and app scripts go to PHP-FPM', () => {
  const text = renderNginxNodeConfig({ listen: '127.0.0.1:40001', fpm: '127.0.0.1:9101', appDir: '/srv/app', prefixDir: '/tmp/p' });
  assert.match(text, /location = \/health \{[^}]*SCRIPT_FILENAME \/srv\/app\/health\.php;/);
  assert.match(text, /location \/ \{[^}]*SCRIPT_FILENAME \/srv\/app\/index\.php;/);
  assert.equal(text.match(/fastcgi_pass 127\.0\.0\.1:9101;/g)?.length, 2);
});

const nginxSkip = existsSync(NGINX) ? false : `${NGINX} not installed: nginx -t not run`;

for (const sticky of [true, false]) {
  test(`nginx -t accepts the balancer config (sticky=${sticky})`, { skip: nginxSkip }, () => {
    withTmp((dir) => {
      mkdirSync(join(dir, 'tmp'));
      const conf = join(dir, 'nginx.conf');
      writeFileSync(conf, renderNginxBalancerConfig({ listen: '127.0.0.1:40000', upstreams, sticky, prefixDir: dir, reuse: true }));
      check(NGINX, ['-t', '-q', '-p', dir, '-c', conf]);
    });
  });
}

test('nginx -t accepts the node config', { skip: nginxSkip }, () => {
  withTmp((dir) => {
    mkdirSync(join(dir, 'tmp'));
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, renderNginxNodeConfig({ listen: '127.0.0.1:40001', fpm: '127.0.0.1:9101', appDir: dir, prefixDir: dir }));
    check(NGINX, ['-t', '-q', '-p', dir, '-c', conf]);
  });
});

// ---------------------------------------------------------------- HAProxy

test('HAProxy: SRV cookie insert and per-server cookie only when sticky', () => {
  const sticky = renderHaproxyConfig({ listen: '127.0.0.1:40000', upstreams, sticky: true, reuse: true });
  const plain = renderHaproxyConfig({ listen: '127.0.0.1:40000', upstreams, sticky: false, reuse: true });
  assert.equal(sticky.match(/^\s*cookie SRV insert indirect nocache$/gm)?.length, 1);
  assert.deepEqual(
    serverLines(sticky).map((l) => l.trim()),
    Object.entries(upstreams).map(([name, a]) => `server ${name} ${a} cookie ${name}`),
  );
  assert.doesNotMatch(plain, /\bcookie\b/);
  assert.deepEqual(
    serverLines(plain).map((l) => l.trim()),
    Object.entries(upstreams).map(([name, a]) => `server ${name} ${a}`),
  );
  assert.match(plain, /^\s*bind 127\.0\.0\.1:40000$/m);
  assert.match(plain, /^\s*balance roundrobin$/m);
});

test('HAProxy: retry directives (retry-on, redispatch, timeout connect) in both modes', () => {
  const retry = haproxyBalancerRetry();
  for (const sticky of [true, false]) {
    const text = renderHaproxyConfig({ listen: '127.0.0.1:40000', upstreams, sticky, reuse: true });
    assert.match(text, /^\s*retry-on conn-failure empty-response 503$/m);
    assert.match(text, /^\s*option redispatch\b/m);
    assert.match(text, new RegExp(`^\\s*timeout connect ${retry.connectTimeoutMs}ms$`, 'm'));
    assert.match(text, /^\s*retries \d+$/m);
    for (const d of retry.directives) assert.ok(text.includes(d), `config lacks reported directive "${d}"`);
    // a response timeout retry would double-count a visit
    assert.doesNotMatch(text, /retry-on[^\n]*response-timeout/);
  }
});

for (const sticky of [true, false]) {
  test(`haproxy -c accepts the config (sticky=${sticky})`, { skip: existsSync(HAPROXY) ? false : `${HAPROXY} not installed: haproxy -c not run` }, () => {
    withTmp((dir) => {
      const conf = join(dir, 'haproxy.cfg');
      writeFileSync(conf, renderHaproxyConfig({ listen: '127.0.0.1:40000', upstreams, sticky, reuse: true }));
      check(HAPROXY, ['-c', '-q', '-f', conf]);
    });
  });
}

// ---------------------------------------------------------------- connection reuse

test('connection reuse presets: stock is each server\'s default, production reuses every link, the default keeps the nginx balancer keepalive', () => {
  assert.deepEqual(resolveConnectionReuse('stock', 'nginx'), { balancer: false, fastcgi: false, redis: false });
  assert.deepEqual(resolveConnectionReuse('stock', 'haproxy'), { balancer: true, fastcgi: false, redis: false }, 'HAProxy 2.6 reuses server connections by default');
  assert.deepEqual(stockReuse('haproxy'), resolveConnectionReuse('stock', 'haproxy'));
  for (const balancer of ['nginx', 'haproxy'] as const) {
    assert.deepEqual(resolveConnectionReuse('production', balancer), { balancer: true, fastcgi: true, redis: true });
    assert.deepEqual(resolveConnectionReuse('none', balancer), { balancer: false, fastcgi: false, redis: false });
    assert.deepEqual(defaultConnectionReuse(balancer), { balancer: true, fastcgi: false, redis: false });
  }
  assert.deepEqual(resolveConnectionReuse({ redis: true }, 'nginx'), { balancer: false, fastcgi: false, redis: true });
  assert.deepEqual(resolveConnectionReuse({ balancer: false }, 'haproxy'), { balancer: false, fastcgi: false, redis: false });
});

test('nginx balancer: keepalive, HTTP/1.1 and an empty Connection header only with reuse; stock nginx otherwise', () => {
  const on = renderNginxBalancerConfig({ listen: '127.0.0.1:40000', upstreams, sticky: false, prefixDir: '/tmp/p', reuse: true });
  const off = renderNginxBalancerConfig({ listen: '127.0.0.1:40000', upstreams, sticky: false, prefixDir: '/tmp/p', reuse: false });
  const upstreamBlock = (text: string) => /upstream php_nodes \{[^}]*\}/.exec(text)?.[0] ?? '';
  assert.match(upstreamBlock(on), /^\s*keepalive \d+;$/m);
  assert.match(on, /^\s*proxy_http_version 1\.1;$/m);
  assert.match(on, /^\s*proxy_set_header Connection "";$/m);
  // Without all three nginx sends HTTP/1.0 with "Connection: close": a connection per request.
  assert.doesNotMatch(off, /\bkeepalive \d+;/);
  assert.doesNotMatch(off, /proxy_http_version|proxy_set_header Connection/);
  assert.deepEqual(serverLines(on), serverLines(off));
});

test('HAProxy: http-reuse safe (its default, written out) with reuse; http-server-close and http-reuse never without', () => {
  const on = renderHaproxyConfig({ listen: '127.0.0.1:40000', upstreams, sticky: false, reuse: true });
  const off = renderHaproxyConfig({ listen: '127.0.0.1:40000', upstreams, sticky: false, reuse: false });
  assert.match(on, /^\s*http-reuse safe$/m);
  assert.doesNotMatch(on, /http-server-close|httpclose|http-reuse never/);
  assert.match(off, /^\s*option http-server-close$/m);
  assert.match(off, /^\s*http-reuse never$/m);
  // both in the backend, before its servers
  for (const [text, directive] of [[on, 'http-reuse safe'], [off, 'option http-server-close']] as const) {
    const at = text.indexOf(directive);
    assert.ok(at > text.indexOf('backend php_nodes') && at < text.indexOf('server node-1'), directive);
  }
});

test('nginx node config: fastcgi_keep_conn to an upstream keeping one connection per PHP-FPM worker only with reuse', () => {
  const base = { listen: '127.0.0.1:40001', fpm: '127.0.0.1:9101', appDir: '/srv/app', prefixDir: '/tmp/p' };
  const on = renderNginxNodeConfig({ ...base, fastcgiReuse: { fpmChildren: 6 } });
  const off = renderNginxNodeConfig(base);
  assert.match(on, /upstream php_fpm \{\s*server 127\.0\.0\.1:9101;\s*keepalive 6;\s*\}/);
  assert.equal(on.match(/fastcgi_pass php_fpm;/g)?.length, 2);
  assert.equal(on.match(/fastcgi_keep_conn on;/g)?.length, 2);
  assert.doesNotMatch(off, /fastcgi_keep_conn|upstream php_fpm|keepalive \d/);
  // The status page the harness counts connections with, on the node's own address only.
  for (const text of [on, off]) {
    assert.match(text, /location = \/nginx-status \{ stub_status; add_header X-Nginx-Pid \$pid always; allow 127\.0\.0\.1; deny all; \}/);
  }
});

test('phpredis save_path: persistent=1 only when the Redis link reuses connections', () => {
  const redis = { host: '127.0.0.1', port: 6379 };
  assert.match(redisSavePath(redis), /[?&]persistent=0&/);
  assert.match(redisSavePath(redis, { persistent: true }), /[?&]persistent=1&/);
  assert.equal(redisSavePath(redis, { persistent: true }).replace('persistent=1', 'persistent=0'), redisSavePath(redis));
  const ini = (persistentRedis?: boolean) => redisStrategy.sessionIni({ sessionDir: '/tmp/s', redis, ...(persistentRedis === undefined ? {} : { persistentRedis }) })['session.save_path'];
  assert.match(ini(true)!, /persistent=1/);
  assert.match(ini(false)!, /persistent=0/);
  assert.match(ini()!, /persistent=0/);
});

for (const reuse of [true, false]) {
  test(`nginx -t accepts the balancer and node configs, haproxy -c its config (reuse ${reuse ? 'on' : 'off'})`, { skip: nginxSkip }, () => {
    withTmp((dir) => {
      mkdirSync(join(dir, 'tmp'));
      const balancer = join(dir, 'balancer.conf');
      writeFileSync(balancer, renderNginxBalancerConfig({ listen: '127.0.0.1:40000', upstreams, sticky: false, prefixDir: dir, reuse }));
      check(NGINX, ['-t', '-q', '-p', dir, '-c', balancer]);
      const node = join(dir, 'node.conf');
      writeFileSync(node, renderNginxNodeConfig({ listen: '127.0.0.1:40001', fpm: '127.0.0.1:9101', appDir: dir, prefixDir: dir, ...(reuse ? { fastcgiReuse: { fpmChildren: 4 } } : {}) }));
      check(NGINX, ['-t', '-q', '-p', dir, '-c', node]);
      if (existsSync(HAPROXY)) {
        const haproxy = join(dir, 'haproxy.cfg');
        writeFileSync(haproxy, renderHaproxyConfig({ listen: '127.0.0.1:40000', upstreams, sticky: true, reuse }));
        check(HAPROXY, ['-c', '-q', '-f', haproxy]);
      }
    });
  });
}
