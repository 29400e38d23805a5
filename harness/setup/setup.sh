#!/usr/bin/env bash
# npm run setup [-- --for-tests]
# Installs what php-session-lab needs and runs `npm ci`. Idempotent: installs only what is
# missing. On Debian/Ubuntu as root (or with sudo) it uses apt; elsewhere it prints the
# commands to run. --for-tests adds what the test suite needs (Chromium for report tests,
# Docker and debootstrap for the docker provider).
set -euo pipefail
cd "$(dirname "$0")/../.."

for_tests=0
for arg in "$@"; do
  case "$arg" in
    --for-tests) for_tests=1 ;;
    *) echo "setup: unknown option $arg (use --for-tests)" >&2; exit 104 ;;
  esac
done

# Distro metapackages pick the distro's PHP (php8.2 on Debian 12).
packages=(php-fpm php-cli php-redis php-igbinary php-msgpack nginx haproxy redis-server redis-tools wrk dokuwiki)
if [ "$for_tests" = 1 ]; then
  packages+=(chromium debootstrap docker.io)
fi

if [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
  sudo_cmd=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
      echo "setup: not root and no sudo; run as root: apt-get install -y ${packages[*]}" >&2; exit 105
    fi
  fi
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    # Keep apt from starting nginx/redis/haproxy as system services: the harness starts its
    # own instances on free ports and nothing else should be left running.
    added_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
      "${sudo_cmd[@]}" chmod +x /usr/sbin/policy-rc.d
      added_policy=1
    fi
    trap '[ "$added_policy" = 1 ] && "${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: system packages already installed"
  fi
elif [ "$(uname -s)" = Darwin ]; then
  echo "setup: on macOS install the servers with Homebrew, then run npm ci:"
  echo "  brew install php nginx haproxy redis wrk && pecl install redis igbinary msgpack"
else
  echo "setup: not a Debian/Ubuntu system; install these packages with your package manager:" >&2
  echo "  ${packages[*]}" >&2
fi

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
echo "setup: done — try: npm run doctor"
