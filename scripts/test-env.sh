#!/usr/bin/env bash
# scripts/test-env.sh - the real test environment for ml-image-action (idempotent).
#
# Owns, on this machine:
#   - missing Debian packages (docker-registry, skopeo, debootstrap, qemu-user-static, ...) from the
#     machine's own Debian 12 mirror, and the engine GitHub's runners have from Debian 13 (trixie):
#     docker.io 26.1, docker-cli, docker-buildx 0.13, docker-compose 2.26, containerd 1.7 - through a
#     trixie apt source pinned at priority 100 (nothing else moves; Debian 12's runc, tini and libc stay)
#   - dockerd 26 with the containerd image store (/etc/docker/daemon.json, merged), driven by
#     /usr/bin/docker (docker-cli 26 + buildx), never /usr/local/bin/docker
#   - Debian 12's docker 20.10 client, extracted into $CACHE/docker-20.10: the engine's built-in
#     BuildKit path (DOCKER_BUILDKIT=1 docker build) against the same engine
#   - binfmt_misc registration of qemu-aarch64 (qemu-user-static, binfmt-support)
#   - a BuildKit image for buildx's docker-container driver, built from Debian's sources
#     (scripts/buildkit.Dockerfile; binaries cached in $CACHE), and $STATE/buildkitd.toml for it
#   - a plain registry on 127.0.0.1:5000 and a TLS + basic-auth registry on 127.0.0.1:5443
#   - a CA, server cert, password and htpasswd under $STATE; the CA in /etc/docker/certs.d
#   - the local base image ml-image-test/debian:bookworm (rootfs tarball cached in $CACHE)
#   - a Node 24 binary (npm's node@24 package, in $CACHE/node24): the runtime action.yml names (node24),
#     which the Action's tests run the bundle under besides this machine's Node 20
#
# Usage: scripts/test-env.sh up|down|env|status
#   up      start whatever is missing (fast no-op when all is running), then print `env`
#   down    stop both registries and dockerd (keeps certs, password, storage, tarball)
#   env     print `export KEY=VALUE` lines (also written to $STATE/env); source them
#   status  report each component; exit 1 if anything is down
# The mirror (apt source for trixie, debootstrap) is the first Debian mirror serving bookworm in this
# machine's apt sources (/etc/apt/sources.list, sources.list.d/*.list|*.sources).
# Env: ML_IMAGE_TEST_STATE (default /var/lib/ml-image-test),
#      ML_IMAGE_TEST_CACHE (default /var/cache/ml-image-test)
set -euo pipefail

STATE=${ML_IMAGE_TEST_STATE:-/var/lib/ml-image-test}
CACHE=${ML_IMAGE_TEST_CACHE:-/var/cache/ml-image-test}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DOCKER=/usr/bin/docker
DOCKERD=/usr/sbin/dockerd
DAEMON_JSON=/etc/docker/daemon.json
REGISTRY_BIN=/usr/bin/docker-registry
PLAIN_ADDR=127.0.0.1:5000
AUTH_ADDR=127.0.0.1:5443
AUTH_USER=mlci
CERT_DIR=/etc/docker/certs.d/$AUTH_ADDR
BASE_IMAGE=ml-image-test/debian:bookworm
APT_DIR=/etc/apt
FALLBACK_MIRROR=http://deb.debian.org/debian
MIRROR= # set by set_mirror
TRIXIE_SOURCES=$APT_DIR/sources.list.d/ml-image-test-trixie.sources
TRIXIE_PIN=$APT_DIR/preferences.d/ml-image-test-trixie
ROOTFS_TAR=$CACHE/debian-bookworm-minbase.tar.gz
NODE24_DIR=$CACHE/node24
NODE24=$NODE24_DIR/node_modules/node/bin/node
LEGACY_DIR=$CACHE/docker-20.10
DOCKER_LEGACY=$LEGACY_DIR/usr/bin/docker
BUILDKIT_DIR=$CACHE/buildkit                      # buildkitd + buildctl built by buildkit.Dockerfile
BUILDKIT_IMAGE=ml-image-test/buildkit:debian13
BUILDKIT_MARK=$STATE/buildkit-image               # written once a docker-container builder worked
BUILDKIT_FAILED=$STATE/buildkit-build.failed      # a failed build is not retried on every `up`
BUILDKITD_CONFIG=$STATE/buildkitd.toml
# Debian 12 packages (the machine's own suite) ...
PACKAGES=(docker-registry skopeo debootstrap apache2-utils openssl curl ca-certificates jq runc tini
  qemu-user-static binfmt-support)
# ... and the engine from Debian 13 (trixie): package -> the version prefix it must have.
declare -A ENGINE_PACKAGES=([docker.io]=26.1. [docker-cli]=26.1. [docker-buildx]=0.13. [docker-compose]=2.26.
  [containerd]=1.7.)
ENGINE_VERSION=26.1.
SNAPSHOTTER=io.containerd.snapshotter.v1 # `docker info` DriverStatus driver-type of the containerd store
export DOCKER_BUILDKIT=1

log() { echo "test-env: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# pid_alive PIDFILE: the pid in it runs dockerd/docker-registry (guards against pid reuse).
pid_alive() { local pid; pid=$(cat "$1" 2>/dev/null) && grep -qaE 'dockerd|docker-registry' "/proc/$pid/cmdline" 2>/dev/null; }
password() { cat "$STATE/auth-password"; }

# wait_for SECONDS CMD... : poll CMD every 0.5 s until it succeeds or time runs out.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do ((SECONDS < deadline)) || return 1; sleep 0.5; done
}

# start_detached NAME CMD... : run CMD in its own session, log + pid under $STATE.
start_detached() {
  local name=$1; shift
  setsid "$@" >"$STATE/$name.log" 2>&1 </dev/null 9>&- &  # 9>&-: do not inherit the lock
  echo $! >"$STATE/$name.pid"
}

# stop_pid NAME SECONDS : SIGTERM the process in $STATE/NAME.pid, SIGKILL after SECONDS.
stop_pid() {
  local file=$STATE/$1.pid
  if pid_alive "$file"; then
    log "stopping $1 (pid $(cat "$file"))"
    kill "$(cat "$file")"
    wait_for "$2" eval "! pid_alive '$file'" || { log "$1 did not stop, killing"; kill -9 "$(cat "$file")" || true; }
  else
    log "$1 is not running"
  fi
  rm -f "$file"
}

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    # (no `dpkg -s | grep -q`: grep's early exit + pipefail would give false "missing")
    [[ $(dpkg -s "$p" 2>/dev/null) == *"Status: install ok installed"* ]] || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  # Keep package postinst scripts from starting their own dockerd / registry on :5000.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  [[ -e $policy ]] || { printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; own_policy=1; }
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
  local rc=0
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2 || rc=$?
  ((own_policy == 0)) || rm -f "$policy"
  ((rc == 0)) || die "apt-get install failed"
}

engine_up() { "$DOCKER" info >/dev/null 2>&1; }

start_engine() {
  engine_up && return 0
  if ! pid_alive "$STATE/dockerd.pid"; then
    log "starting dockerd (log: $STATE/dockerd.log)"
    start_detached dockerd "$DOCKERD" --log-level warn
  fi
  wait_for 60 engine_up || { tail -n 30 "$STATE/dockerd.log" >&2; die "dockerd did not come up within 60 s"; }
  ENGINE_STARTED=1
}

# write_registry_config NAME ADDR [tls+auth]: docker-registry config, storage under $STATE.
write_registry_config() {
  cat >"$STATE/$1.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STATE/$1-storage
  delete:
    enabled: true
http:
  addr: $2
  headers:
    X-Content-Type-Options: [nosniff]
YAML
  [[ -z ${3:-} ]] || cat >>"$STATE/$1.yml" <<YAML
  tls:
    certificate: $STATE/tls/server.crt
    key: $STATE/tls/server.key
auth:
  htpasswd:
    realm: ml-image-test
    path: $STATE/htpasswd
YAML
}

image_up() { "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; }
plain_up() { [[ $(curl -s -o /dev/null -w '%{http_code}' "http://$PLAIN_ADDR/v2/") == 200 ]]; }
# The password goes to curl and htpasswd on stdin, never in argv (visible to every process).
auth_up() {
  [[ -s $STATE/auth-password ]] && [[ $(printf 'user = "%s:%s"\n' "$AUTH_USER" "$(password)" |
    curl -s -K - -o /dev/null -w '%{http_code}' --cacert "$CERT_DIR/ca.crt" "https://$AUTH_ADDR/v2/") == 200 ]]
}

start_registry() { # NAME CHECK_FUNCTION
  "$2" && return 0
  pid_alive "$STATE/$1.pid" && stop_pid "$1" 5
  log "starting $1 (log: $STATE/$1.log)"
  mkdir -p "$STATE/$1-storage"
  start_detached "$1" "$REGISTRY_BIN" serve "$STATE/$1.yml"
  wait_for 20 "$2" || { tail -n 20 "$STATE/$1.log" >&2; die "$1 did not come up"; }
}

make_certs() {
  local d=$STATE/tls
  [[ -s $d/ca.crt && -s $d/server.crt && -s $d/server.key ]] && return 0
  log "generating CA and server certificate in $d"
  mkdir -p "$d"
  openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 3650 -subj "/CN=ml-image-test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -new -nodes -newkey rsa:2048 -subj "/CN=localhost" \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
    "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$d/server.ext"
  openssl x509 -req -sha256 -days 3650 -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
    -CAcreateserial -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
}

make_auth() {
  make_certs
  mkdir -p "$CERT_DIR"
  cmp -s "$STATE/tls/ca.crt" "$CERT_DIR/ca.crt" || install -m 0644 "$STATE/tls/ca.crt" "$CERT_DIR/ca.crt"
  [[ -s $STATE/auth-password ]] || (umask 077; openssl rand -hex 16 >"$STATE/auth-password")
  password | htpasswd -vi "$STATE/htpasswd" "$AUTH_USER" >/dev/null 2>&1 ||
    password | htpasswd -iBc "$STATE/htpasswd" "$AUTH_USER" 2>/dev/null
}

# docker login + push (throwaway DOCKER_CONFIG) and skopeo inspect against the auth registry.
verify_auth_registry() {
  local cfg probe=$AUTH_ADDR/ml-image-test/probe:latest ok=1
  cfg=$(mktemp -d)
  tar -cf - --files-from /dev/null | "$DOCKER" import - "$probe" >/dev/null
  if ! { password | DOCKER_CONFIG=$cfg "$DOCKER" login "$AUTH_ADDR" -u "$AUTH_USER" --password-stdin &&
    DOCKER_CONFIG=$cfg "$DOCKER" push -q "$probe"; } >"$cfg/log" 2>&1; then ok=0; cat "$cfg/log" >&2; fi
  "$DOCKER" rmi "$probe" >/dev/null
  ((ok)) || { rm -rf "$cfg"; die "docker login/push to $AUTH_ADDR failed"; }
  # skopeo reads the login docker just wrote, so the password stays off the command line.
  skopeo inspect --cert-dir "$CERT_DIR" --authfile "$cfg/config.json" "docker://$probe" >/dev/null ||
    { rm -rf "$cfg"; die "skopeo inspect against $AUTH_ADDR failed"; }
  rm -rf "$cfg"
  log "verified docker login/push and skopeo inspect against $AUTH_ADDR"
}

# Containers can publish to 127.0.0.1 and BuildKit RUN steps reach the Debian mirror.
verify_engine() {
  local c port dir
  c=$("$DOCKER" run -d --rm -p 127.0.0.1::8080 "$BASE_IMAGE" sleep 30)
  port=$("$DOCKER" port "$c" 8080/tcp | head -n1)
  "$DOCKER" rm -f "$c" >/dev/null
  [[ $port == 127.0.0.1:* ]] || die "port publishing failed (docker port said: '$port')"
  dir=$(mktemp -d)
  printf 'FROM %s\nRUN apt-get update\n' "$BASE_IMAGE" >"$dir/Dockerfile"
  "$DOCKER" build -q --no-cache -t ml-image-test/probe:mirror "$dir" >/dev/null ||
    { rm -rf "$dir"; die "a BuildKit RUN step could not reach $MIRROR"; }
  rm -rf "$dir"; "$DOCKER" rmi ml-image-test/probe:mirror >/dev/null
  log "verified port publishing ($port) and mirror access from builds"
}

build_rootfs_tarball() {
  [[ -s $ROOTFS_TAR ]] && return 0
  local dir; dir=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  log "debootstrap bookworm minbase into $dir (~30 s)"
  debootstrap --variant=minbase bookworm "$dir" "$MIRROR" >"$STATE/debootstrap.log" 2>&1 ||
    { tail -n 20 "$STATE/debootstrap.log" >&2; rm -rf "$dir"; die "debootstrap failed"; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir/etc/apt/sources.list"
  cat >"$dir/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR}-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  tar --numeric-owner -C "$dir" -c . | gzip -1 >"$ROOTFS_TAR.tmp" && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$dir"
}

ensure_base_image() {
  image_up && return 0
  mkdir -p "$CACHE"
  build_rootfs_tarball
  log "importing $ROOTFS_TAR as $BASE_IMAGE"
  "$DOCKER" import --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$ROOTFS_TAR" "$BASE_IMAGE" >/dev/null
}

node24_up() { [[ -x $NODE24 ]] && [[ $("$NODE24" --version 2>/dev/null) == v24.* ]]; }

# ensure_node24: npm's node@24 package brings the Node 24 binary from the npm registry, kept in $CACHE.
ensure_node24() {
  node24_up && return 0
  log "installing Node 24 (npm package node@24) into $NODE24_DIR"
  mkdir -p "$NODE24_DIR"
  npm install --no-audit --no-fund --no-save --loglevel=error --prefix "$NODE24_DIR" node@24 >&2 \
    || die "npm install node@24 failed"
  node24_up || die "node@24 installed no Node 24 binary at $NODE24"
}

cmd_env() {
  [[ -s $STATE/auth-password ]] || die "no password yet in $STATE; run '$0 up' first"
  local out; out=$(cat <<ENV
export ML_IMAGE_TEST_DOCKER=$DOCKER
export ML_IMAGE_TEST_REGISTRY=$PLAIN_ADDR
export ML_IMAGE_TEST_AUTH_REGISTRY=$AUTH_ADDR
export ML_IMAGE_TEST_AUTH_USER=$AUTH_USER
export ML_IMAGE_TEST_AUTH_PASSWORD=$(password)
export ML_IMAGE_TEST_AUTH_CERT_DIR=$CERT_DIR
export ML_IMAGE_TEST_BASE_IMAGE=$BASE_IMAGE
export ML_IMAGE_TEST_NODE24=$NODE24
ENV
)
  (umask 077; printf '%s\n' "$out" >"$STATE/env")
  printf '%s\n' "$out"
}

# lock: serialise concurrent up/down (e.g. parallel test workers), bounded wait.
lock() {
  mkdir -p "$STATE" && chmod 0700 "$STATE"
  exec 9>"$STATE/lock"
  flock -w 300 9 || die "another test-env.sh has held $STATE/lock for 300 s"
}

cmd_up() {
  lock
  install_packages
  ENGINE_STARTED=0
  start_engine
  write_registry_config registry-plain "$PLAIN_ADDR"
  start_registry registry-plain plain_up
  make_auth
  write_registry_config registry-auth "$AUTH_ADDR" tls+auth
  local auth_was_up=0; auth_up && auth_was_up=1
  start_registry registry-auth auth_up
  ensure_base_image
  ensure_node24
  ((auth_was_up)) || verify_auth_registry
  ((ENGINE_STARTED == 0)) || verify_engine
  log "environment is up"
  cmd_env
}

cmd_down() {
  lock
  stop_pid registry-auth 10
  stop_pid registry-plain 10
  stop_pid dockerd 45
  engine_up && log "note: a dockerd not started by this script is still running"
  return 0
}

cmd_status() {
  local bad=0
  show() { if "$2" 2>/dev/null; then echo "$1: up"; else echo "$1: DOWN"; bad=1; fi; }
  show "engine ($DOCKER, pid file $STATE/dockerd.pid)" engine_up
  show "registry http://$PLAIN_ADDR" plain_up
  show "registry https://$AUTH_ADDR (user $AUTH_USER)" auth_up
  show "base image $BASE_IMAGE" image_up
  show "Node 24 ($NODE24)" node24_up
  return "$bad"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|env|status" >&2; exit 2 ;;
esac
