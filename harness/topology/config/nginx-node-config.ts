/** nginx in front of one node's PHP-FPM (pure). */
import { NODE_REQUEST_TIMEOUT_S } from './request-deadline.js';

export interface NginxNodeConfigInput {
  listen: string;
  fpm: string;
  appDir: string;
  prefixDir: string;
}

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

export function renderNginxNodeConfig(input: NginxNodeConfigInput): string {
  const fastcgi = (script: string) => `      fastcgi_pass ${input.fpm};
      fastcgi_read_timeout ${NODE_REQUEST_TIMEOUT_S}s;
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
  return `${nginxCommonHead(input.prefixDir)}http {
  access_log off;
${nginxTempPaths(input.prefixDir)}
  keepalive_requests 100000;
  server {
    listen ${input.listen} backlog=1024;
    location = /health {
${fastcgi('health.php')}
    }
    location / {
${fastcgi('index.php')}
    }
  }
}
`;
}
