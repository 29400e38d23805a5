/** nginx in front of one node's PHP-FPM (pure). */
import { NODE_REQUEST_TIMEOUT_S } from './request-deadline.js';

export interface NginxNodeConfigInput {
  listen: string;
  fpm: string;
  appDir: string;
  prefixDir: string;
  /**
   * FastCGI connection reuse: `fastcgi_keep_conn on` to an upstream with `keepalive
   * <fpmChildren>`. Off (nginx's stock behaviour): a new connection to PHP-FPM per request.
   * Each kept connection holds one PHP-FPM worker while it is open: a node that gets more
   * simultaneous requests than it has workers starves the requests on new connections
   * (docs/connection-reuse.md).
   */
  fastcgiReuse?: { fpmChildren: number };
  /**
   * The user's app (topology.app): files under `docroot` are served as they are, `.php` files
   * run, and a request for no existing file goes to `frontController`. /health stays the
   * harness's (in `appDir`), so readiness never touches the app or its session.
   */
  app?: {
    docroot: string;
    frontController: string;
    nodeName: string;
    /**
     * The port clients reach the app on (the balancer's): every node tells PHP the same
     * SERVER_PORT, as nodes behind one balancer on :443 do. Apps name cookies and build URLs
     * from it (DokuWiki's auth cookie name hashes it): a node's own port would differ per node.
     */
    serverPort: string;
  };
}

/** Where the harness reads a node's connection counters (only from the node's own address). */
export const NGINX_STATUS_PATH = '/nginx-status';

/** Debian's defaults point temp paths at /var/lib/nginx and the pid at /run: override all. */
export function nginxCommonHead(prefixDir: string, workers = 1): string {
  return `worker_processes ${workers};
pid ${prefixDir}/nginx.pid;
error_log ${prefixDir}/error.log warn;
events { worker_connections 4096; }
`;
}

export function nginxTempPaths(prefixDir: string): string {
  return ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind === 'client_body' ? 'client_body' : kind}_temp_path ${prefixDir}/tmp/${kind};`)
    .join('\n');
}

/** Enough types for an app's static files (no system mime.types: the same config in a container). */
const APP_MIME_TYPES =
  'types { text/html html htm; text/css css; application/javascript js; application/json json; image/png png; image/gif gif; image/jpeg jpg jpeg; image/svg+xml svg; image/x-icon ico; font/woff woff; font/woff2 woff2; text/plain txt; }';

export function renderNginxNodeConfig(input: NginxNodeConfigInput): string {
  const reuse = input.fastcgiReuse;
  const upstream = reuse ? `  upstream php_fpm {\n    server ${input.fpm};\n    keepalive ${reuse.fpmChildren};\n  }\n` : '';
  const fastcgi = (script: string) => `      fastcgi_pass ${reuse ? 'php_fpm' : input.fpm};
${reuse ? '      fastcgi_keep_conn on;\n' : ''}      fastcgi_read_timeout ${NODE_REQUEST_TIMEOUT_S}s;
      fastcgi_param SCRIPT_FILENAME ${input.appDir}/${script};
      fastcgi_param QUERY_STRING $query_string;
      fastcgi_param REQUEST_METHOD $request_method;
      fastcgi_param CONTENT_TYPE $content_type;
      fastcgi_param CONTENT_LENGTH $content_length;
      fastcgi_param REQUEST_URI $request_uri;
      fastcgi_param SCRIPT_NAME /${script};
      fastcgi_param SERVER_PROTOCOL $server_protocol;
      fastcgi_param REMOTE_ADDR $remote_addr;
      fastcgi_param SERVER_NAME $server_name;
      fastcgi_param SERVER_PORT $server_port;`;
  const fastcgiParams = `      fastcgi_param QUERY_STRING $query_string;
      fastcgi_param REQUEST_METHOD $request_method;
      fastcgi_param CONTENT_TYPE $content_type;
      fastcgi_param CONTENT_LENGTH $content_length;
      fastcgi_param REQUEST_URI $request_uri;
      fastcgi_param SERVER_PROTOCOL $server_protocol;
      fastcgi_param REMOTE_ADDR $remote_addr;
      fastcgi_param SERVER_NAME $server_name;
      fastcgi_param SERVER_PORT $server_port;`;
  const app = input.app;
  const locations = app
    ? `    location = /health {
${fastcgi('health.php')}
    }
    root ${app.docroot};
    index ${app.frontController};
    # Which node answered: the journey checker cannot read it from your app's pages.
    add_header X-PSL-Node ${app.nodeName} always;
    # Hidden files (.htaccess, .git, ...) are never served.
    location ~ /\\. { deny all; }
    location ~ [^/]\\.php(/|$) {
      fastcgi_split_path_info ^(.+?\\.php)(/.*)$;
      try_files $fastcgi_script_name =404;
      fastcgi_pass ${reuse ? 'php_fpm' : input.fpm};
${reuse ? '      fastcgi_keep_conn on;\n' : ''}      fastcgi_read_timeout ${NODE_REQUEST_TIMEOUT_S}s;
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_param SCRIPT_NAME $fastcgi_script_name;
      fastcgi_param PATH_INFO $fastcgi_path_info;
      fastcgi_param DOCUMENT_ROOT $document_root;
      fastcgi_param DOCUMENT_URI $document_uri;
${fastcgiParams.replace('fastcgi_param SERVER_PORT $server_port;', `fastcgi_param SERVER_PORT ${app.serverPort};`)}
    }
    location / {
      try_files $uri $uri/ /${app.frontController}?$args;
    }`
    : `    location = /health {
${fastcgi('health.php')}
    }
    location / {
${fastcgi('index.php')}
    }`;
  return `${nginxCommonHead(input.prefixDir)}http {
  access_log off;
${nginxTempPaths(input.prefixDir)}
  keepalive_requests 100000;
${app ? `  ${APP_MIME_TYPES}\n  default_type application/octet-stream;\n` : ''}${upstream}  server {
    listen ${input.listen} backlog=1024;
    location = ${NGINX_STATUS_PATH} { stub_status; add_header X-Nginx-Pid $pid always; allow 127.0.0.1; deny all; }
${locations}
  }
}
`;
}
