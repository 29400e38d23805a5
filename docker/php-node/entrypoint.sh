#!/bin/bash
# Starts PHP-FPM and nginx, prints "psl-node-ready <name>" once /health answers through
# both, and exits as soon as either server dies (the container dies with it).
set -euo pipefail
conf=/psl/conf
run=/psl/run
NODE_NAME="${NODE_NAME:-$(hostname)}"
export NODE_NAME
mkdir -p "$run"/tmp/{client_body,proxy,fastcgi,uwsgi,scgi} /psl/sessions

q() { # php ini values with = & ; etc. must be double-quoted
  if [[ "$1" =~ ^[A-Za-z0-9_./:-]*$ ]]; then printf '%s' "$1"; else printf '"%s"' "$1"; fi
}

if [ ! -f "$conf/php-fpm.conf" ]; then
  # Standalone defaults (docker run without the harness): rendered from env vars.
  cat >"$conf/php.ini" <<INI
display_errors = Off
log_errors = On
session.serialize_handler = ${SESSION_SERIALIZER:-php}
session.gc_probability = 0
INI
  cat >"$conf/php-fpm.conf" <<FPM
[global]
pid = $run/php-fpm.pid
error_log = /proc/self/fd/2
daemonize = no
process_control_timeout = 2
[$NODE_NAME]
listen = 127.0.0.1:9000
user = root
group = root
pm = static
pm.max_children = ${PHP_CHILDREN:-4}
clear_env = yes
env[NODE_NAME] = $NODE_NAME
php_admin_value[session.save_handler] = $(q "${SESSION_SAVE_HANDLER:-files}")
php_admin_value[session.save_path] = $(q "${SESSION_SAVE_PATH:-/psl/sessions}")
php_admin_value[redis.session.locking_enabled] = ${REDIS_SESSION_LOCKING:-0}
FPM
fi
if [ ! -f "$conf/nginx.conf" ]; then
  cat >"$conf/nginx.conf" <<NGX
worker_processes 1;
pid $run/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $run/tmp/client_body; proxy_temp_path $run/tmp/proxy;
  fastcgi_temp_path $run/tmp/fastcgi; uwsgi_temp_path $run/tmp/uwsgi; scgi_temp_path $run/tmp/scgi;
  server {
    listen 80;
    location = /health { include /etc/nginx/fastcgi_params; fastcgi_param SCRIPT_FILENAME /app/health.php; fastcgi_pass 127.0.0.1:9000; }
    location / { include /etc/nginx/fastcgi_params; fastcgi_param SCRIPT_FILENAME /app/index.php; fastcgi_pass 127.0.0.1:9000; }
  }
}
NGX
fi

php-fpm8.2 -R -F -O -c "$conf/php.ini" -y "$conf/php-fpm.conf" &
fpm=$!
nginx -p "$run" -c "$conf/nginx.conf" -e /proc/self/fd/2 -g 'daemon off;' &
ngx=$!
trap 'kill -TERM $fpm $ngx 2>/dev/null; wait; exit 0' TERM INT

# Readiness from inside (bash /dev/tcp: no curl in the image): GET /health through nginx+FPM.
for _ in $(seq 1 500); do
  if { exec 3<>/dev/tcp/127.0.0.1/80; } 2>/dev/null; then
    printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    if head -n1 <&3 | grep -q ' 200 '; then exec 3>&-; echo "psl-node-ready $NODE_NAME"; break; fi
    exec 3>&-
  fi
  kill -0 $fpm 2>/dev/null && kill -0 $ngx 2>/dev/null || break
  sleep 0.02
done

set +e
wait -n $fpm $ngx
code=$?
echo "psl-node-exit $NODE_NAME: a server exited ($code)" >&2
kill -TERM $fpm $ngx 2>/dev/null
exit $code
