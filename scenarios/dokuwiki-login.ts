/**
 * A real third-party app: Debian's DokuWiki (package dokuwiki, installed by `npm run setup`)
 * on 3 nodes, each with its own copy of DokuWiki's writable data and config (users, ACL),
 * DokuWiki's code served untouched from /usr/share/dokuwiki. Users log in (no "remember
 * me") and browse; node-2 is killed a third of the way in. How DokuWiki reacts to a lost
 * session, and why the assertion reads the trail of visited pages: docs/your-app.md.
 */
import { fileURLToPath } from 'node:url';
import { defineScenario } from '../harness/scenario/define-scenario.js';

const here = (path: string) => fileURLToPath(new URL(`./dokuwiki/${path}`, import.meta.url));

export default defineScenario({
  name: 'dokuwiki-login',
  description: 'DokuWiki on 3 nodes: logged-in users browse while node-2 is killed.',
  topology: {
    nodes: 3,
    strategy: 'redis',
    phpChildren: 3,
    app: {
      root: '/usr/share/dokuwiki',
      frontController: 'doku.php',
      // Debian's libraries DokuWiki reads by absolute path (phpseclib on every request): the
      // docker provider mounts them read-only; the local provider's nodes see them anyway.
      hostPaths: ['/usr/share/php', '/usr/share/php-geshi', '/usr/share/javascript'],
      // In the place of /etc/dokuwiki/preload.php: DOKU_CONF = the node's own conf copy.
      phpIni: { auto_prepend_file: here('preload.php') },
      writable: [
        { from: '/var/lib/dokuwiki/data', to: 'data' },
        // One wiki on every node: the same cookie salt, as a shared data/ would have.
        { from: here('meta/_htcookiesalt2'), to: 'data/meta/_htcookiesalt2' },
        { from: here('conf'), to: 'conf' },
      ],
    },
  },
  workload: {
    mode: 'journey',
    users: 30,
    connections: 6,
    duration: '30s',
    journey: {
      data: { csv: here('users.csv') },
      once: [
        {
          name: 'login-form',
          path: '/doku.php',
          query: { id: 'wiki:welcome', do: 'login' },
          extract: { sectok: { css: 'form#dw__login input[name=sectok]', attr: 'value' } },
        },
        {
          // Without "remember me" (r): DokuWiki binds its auth cookie to the session id.
          name: 'login',
          method: 'POST',
          path: '/doku.php',
          query: { id: 'wiki:welcome' },
          form: { do: 'login', id: 'wiki:welcome', u: '{{username}}', p: '{{password}}', sectok: '{{sectok}}' },
          assertSession: true,
        },
      ],
      steps: [
        { name: 'playground', path: '/doku.php', query: { id: 'playground:playground' } },
        { name: 'dokuwiki-page', path: '/doku.php', query: { id: 'wiki:dokuwiki' } },
      ],
      session: {
        // "Logged in as: <bdi>Test User 3</bdi> (<bdi>tester3</bdi>)"
        identity: { css: '#dokuwiki__usertools li.user bdi' },
        expect: '{{name}}',
        // The trail of visited pages lives only in the session (DokuWiki logs a user back in
        // from its cookie when the session is gone, but the trail starts again empty).
        requires: [{ contains: 'title="wiki:welcome"' }],
      },
      finalRead: 'playground',
      thinkTime: '100ms',
    },
  },
  faults: [{ type: 'node-kill', target: 'node-2', at: '33%' }],
  thresholds: { session_loss_rate: ['rate==0'], leaks: ['count==0'] },
});
