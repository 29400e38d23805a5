#!/usr/bin/env bash
# Makes sure the local image debian:bookworm-slim exists (every Dockerfile of docker/ starts
# FROM it). Idempotent: 1) already there -> nothing; 2) a registry pull works -> pull;
# 3) no registry reachable -> debootstrap a minimal bookworm rootfs from the machine's own
# Debian mirror and `docker import` it under that tag.
# Usage: bash docker/make-base-image.sh   (npm run docker:base)
set -euo pipefail
IMAGE="${PSL_BASE_IMAGE:-debian:bookworm-slim}"
SUITE=bookworm
here="$(cd "$(dirname "$0")" && pwd)"

log() { echo "[docker:base] $*" >&2; }

bash "$here/ensure-dockerd.sh" >/dev/null

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE already present"
  exit 0
fi

if timeout "${PSL_PULL_TIMEOUT:-20}" docker pull "$IMAGE" >/dev/null 2>&1; then
  log "pulled $IMAGE"
  exit 0
fi
log "cannot pull $IMAGE (no registry reachable): building it with debootstrap"

if ! command -v debootstrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >&2 ||
      { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >&2; }
  else
    log "debootstrap is missing: install it with: sudo apt-get install -y debootstrap"
    exit 105
  fi
fi

# The machine's configured Debian mirror: first deb822 URIs / one-line "deb" entry whose
# path ends in /debian (not -security, not third-party repositories).
find_mirror() {
  local files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
  local f
  for f in "${files[@]}"; do
    [ -r "$f" ] || continue
    grep -hoE '^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?[a-z]+://[^[:space:]]+/debian/?([[:space:]]|$)' "$f" |
      grep -oE '[a-z]+://[^[:space:]]+' | head -n1 && return 0
  done
  return 1
}
MIRROR="${PSL_DEBIAN_MIRROR:-$(find_mirror || true)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
log "mirror: $MIRROR"

tmp="$(mktemp -d /tmp/psl-rootfs.XXXXXX)"
cleanup() { rm -rf --one-file-system "$tmp"; }
trap cleanup EXIT

start=$(date +%s)
debootstrap --variant=minbase "$SUITE" "$tmp/rootfs" "$MIRROR" >"$tmp/debootstrap.log" 2>&1 || {
  tail -n 30 "$tmp/debootstrap.log" >&2
  log "debootstrap failed"
  exit 1
}

root="$tmp/rootfs"
# Same sources as the machine's mirror inside the image, so `apt-get install` in builds works.
cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
EOF
# Slim it like the official -slim image: no docs/man/locales, no apt caches.
cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Binary::apt::APT::Keep-Downloaded-Packages "false";
Acquire::Languages "none";
EOF
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
  "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* || true
# A container gets its own resolv.conf and hostname.
: >"$root/etc/resolv.conf"
: >"$root/etc/hostname"

tar -C "$root" --numeric-owner -c . |
  docker import --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' \
    --message "debootstrap --variant=minbase $SUITE $MIRROR" - "$IMAGE" >/dev/null
log "imported $IMAGE in $(($(date +%s) - start)) s ($(docker image inspect -f '{{.Size}}' "$IMAGE") bytes)"
