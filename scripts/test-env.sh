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
# Usage: scripts/test-env.sh up [example]|down|env|status|run-registries
#   up      start whatever is missing (fast no-op when all is running), then print `env`
#   up example  only what `npm run example` needs: the engine packages, dockerd, the plain registry and
#           the base image (no TLS registry, 20.10 client, QEMU, arm64 base, Node 24 or BuildKit image);
#           a later `up` adds the rest
#   down    stop both registries and dockerd (keeps certs, password, storage, tarball)
#   env     print `export KEY=VALUE` lines (also written to $STATE/env); source them
#   status  report each component; exit 1 if anything is down
#   run-registries up DIR PLAIN_PORT AUTH_PORT | down DIR
#           a test run's own pair of registries (see cmd_run_registries; jest's global setup uses it)
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
MULTI_BASE_IMAGE=127.0.0.1:5000/ml-image-test/debian:bookworm-multi
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
# Debian 12 packages (the machine's own suite): those the example needs, then those only the tests need ...
EXAMPLE_PACKAGES=(docker-registry debootstrap curl ca-certificates jq runc tini)
PACKAGES=("${EXAMPLE_PACKAGES[@]}" skopeo apache2-utils openssl qemu-user-static binfmt-support)
# ... and the engine from Debian 13 (trixie): package -> the version prefix it must have.
declare -A ENGINE_PACKAGES=([docker.io]=26.1. [docker-cli]=26.1. [docker-buildx]=0.13. [docker-compose]=2.26.
  [containerd]=1.7.)
ENGINE_VERSION=26.1.
SNAPSHOTTER=io.containerd.snapshotter.v1 # `docker info` DriverStatus driver-type of the containerd store
export DOCKER_BUILDKIT=1

log() { echo "test-env: [${SECONDS}s] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# pid_alive PIDFILE: the pid in it runs dockerd/docker-registry (guards against pid reuse).
pid_alive() { local pid; pid=$(cat "$1" 2>/dev/null) && grep -qaE 'dockerd|docker-registry' "/proc/$pid/cmdline" 2>/dev/null; }
password() { cat "$STATE/auth-password"; }

# wait_for SECONDS CMD... : poll CMD every 0.5 s until it succeeds or time runs out.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do ((SECONDS < deadline)) || return 1; sleep 0.5; done
}

# Where the processes this script starts keep their pid, log, config and storage: $STATE, or a test run's
# own directory for the registries of one run (run-registries).
PROC_DIR=$STATE

# start_detached NAME CMD... : run CMD in its own session, log + pid under $PROC_DIR.
start_detached() {
  local name=$1; shift
  setsid "$@" >"$PROC_DIR/$name.log" 2>&1 </dev/null 9>&- &  # 9>&-: do not inherit the lock
  echo $! >"$PROC_DIR/$name.pid"
}

# stop_pid NAME SECONDS : SIGTERM the process in $PROC_DIR/NAME.pid, SIGKILL after SECONDS.
stop_pid() {
  local file=$PROC_DIR/$1.pid
  if pid_alive "$file"; then
    log "stopping $1 (pid $(cat "$file"))"
    kill "$(cat "$file")"
    wait_for "$2" eval "! pid_alive '$file'" || { log "$1 did not stop, killing"; kill -9 "$(cat "$file")" || true; }
  else
    log "$1 is not running"
  fi
  rm -f "$file"
}

# debian_mirror: the first Debian mirror serving bookworm in this machine's apt sources (one-line
# `deb [opts] URI SUITE ...` in sources.list / *.list, or deb822 stanzas in *.sources), else the fallback.
debian_mirror() {
  local f files=() m=
  [[ -f $APT_DIR/sources.list ]] && files+=("$APT_DIR/sources.list")
  for f in "$APT_DIR"/sources.list.d/*.list "$APT_DIR"/sources.list.d/*.sources; do
    [[ -f $f && $f != "$TRIXIE_SOURCES" ]] && files+=("$f")
  done
  ((${#files[@]} == 0)) || m=$(awk '
    function emit(u) { sub(/\/+$/, "", u); print u; found = 1; exit }
    function flush(   n, i, j, nu, us, ss) {   # one deb822 stanza
      if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no") {
        n = split(suites, ss, /[ \t]+/); nu = split(uris, us, /[ \t]+/)
        for (i = 1; i <= n; i++) if (ss[i] == "bookworm") for (j = 1; j <= nu; j++) if (us[j] ~ /^https?:/) emit(us[j])
      }
      types = uris = suites = enabled = ""
    }
    FNR == 1 { flush(); deb822 = FILENAME ~ /\.sources$/ }
    deb822 && /^[ \t]*$/ { flush(); next }
    deb822 && /^[ \t]*#/ { next }
    deb822 { k = tolower($1); sub(/:$/, "", k); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
             if (k == "types") types = v; else if (k == "uris") uris = v
             else if (k == "suites") suites = v; else if (k == "enabled") enabled = v
             next }
    { sub(/#.*/, "") }
    $1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
                  if ($(i + 1) == "bookworm" && $i ~ /^https?:/) emit($i) }
    END { if (!found) flush() }
  ' "${files[@]}")
  echo "${m:-$FALLBACK_MIRROR}"
}
set_mirror() { [[ -n $MIRROR ]] || MIRROR=$(debian_mirror); }

# write_if_changed FILE CONTENT: (re)write FILE when its content differs; status 0 when written.
write_if_changed() {
  [[ -f $1 && $(<"$1") == "$2" ]] && return 1
  mkdir -p "$(dirname "$1")"; printf '%s\n' "$2" >"$1.tmp" && mv "$1.tmp" "$1"
}

# trixie_source: a trixie apt source on this machine's mirror, pinned at 100 so that only packages
# named `PKG/trixie` come from it (installed ones are then kept, nothing is upgraded to trixie).
trixie_source() {
  set_mirror
  local changed=1
  write_if_changed "$TRIXIE_SOURCES" "# scripts/test-env.sh (ml-image-test): Docker 26 from Debian 13, see $TRIXIE_PIN
Types: deb
URIs: $MIRROR
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" && changed=0
  write_if_changed "$TRIXIE_PIN" "Explanation: scripts/test-env.sh (ml-image-test): only packages asked for as PKG/trixie
Package: *
Pin: release n=trixie
Pin-Priority: 100" && changed=0
  return "$changed"
}

# installed_versions PKG...: "PKG VERSION" for each installed one (one dpkg-query, fast path of `up`).
installed_versions() {
  dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\n' "$@" 2>/dev/null | awk '$1 == "ii" { print $2, $3 }' || true
}

# install_packages [PKG...]: the Debian 12 packages given (default: PACKAGES) and the trixie engine.
install_packages() {
  local -A have=()
  local missing=() engine=() p v wanted=("$@")
  ((${#wanted[@]})) || wanted=("${PACKAGES[@]}")
  while read -r p v; do have[$p]=$v; done < <(installed_versions "${wanted[@]}" "${!ENGINE_PACKAGES[@]}")
  for p in "${wanted[@]}"; do [[ -n ${have[$p]:-} ]] || missing+=("$p"); done
  for p in "${!ENGINE_PACKAGES[@]}"; do [[ ${have[$p]:-} == "${ENGINE_PACKAGES[$p]}"* ]] || engine+=("$p/trixie"); done
  trixie_source || true
  ((${#missing[@]} + ${#engine[@]})) || return 0
  if ((${#engine[@]})); then
    # Replacing the engine: stop the dockerd this script started (and its containerd) first.
    [[ -z ${have[docker.io]:-} ]] || log "upgrading the engine (docker.io ${have[docker.io]}) to trixie's"
    if pid_alive "$STATE/dockerd.pid"; then stop_pid dockerd 45
    elif engine_up; then log "warning: a dockerd not started by this script runs; it keeps the old binaries"; fi
    # Name Debian 12's runc and tini so that trixie's (which need glibc 2.38) are never considered.
    engine+=(runc tini)
  fi
  log "installing ${missing[*]} ${engine[*]}"
  # Keep package postinst scripts from starting their own dockerd / containerd / registry on :5000.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  [[ -e $policy ]] || { printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; own_policy=1; }
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
  local rc=0 sim apt=(apt-get -y -qq --no-install-recommends -o Dpkg::Options::=--force-confdef
    -o Dpkg::Options::=--force-confold)
  {
    apt-get update -qq &&
      # Only the engine packages may come from trixie: never its libc6 (glibc 2.38), runc or tini.
      sim=$("${apt[@]}" -s install "${missing[@]}" "${engine[@]}") &&
      if awk -v ok=" ${!ENGINE_PACKAGES[*]} " '$1 == "Inst" && /\([^ ]+ Debian[^ ]*:13[.\/]/ && index(ok, " " $2 " ") == 0' <<<"$sim" | grep .; then
        log "apt would install the packages above from trixie; refusing (only ${!ENGINE_PACKAGES[*]} may)"; false
      else
        "${apt[@]}" install "${missing[@]}" "${engine[@]}"
      fi
  } >"$STATE/apt.log" 2>&1 || rc=$?
  ((own_policy == 0)) || rm -f "$policy"
  ((rc == 0)) || { tail -n 30 "$STATE/apt.log" >&2; die "apt-get install failed (log: $STATE/apt.log)"; }
  log "installed (log: $STATE/apt.log)"
}

# engine_info: "VERSION DRIVER-STATUS-JSON" of the running engine (through the modern client).
engine_info() { "$DOCKER" info -f '{{.ServerVersion}} {{json .DriverStatus}}' 2>/dev/null; }
engine_up() { "$DOCKER" info >/dev/null 2>&1; }
engine_up_or_dead() { engine_up || ! pid_alive "$STATE/dockerd.pid"; }
# engine_ready: the engine answers, is Docker 26.1 and keeps images in containerd (`docker info`:
# DriverStatus [["driver-type","io.containerd.snapshotter.v1"]], Driver "overlayfs").
engine_ready() {
  local info; info=$(engine_info) || return 1
  [[ $info == "$ENGINE_VERSION"* && $info == *"\"$SNAPSHOTTER\""* ]]
}

# daemon_json: merge {"features":{"containerd-snapshotter":true}} (and "log-level":"warn" unless set:
# dockerd refuses a setting given both as flag and in the file) into /etc/docker/daemon.json, keeping
# whatever else is there; status 0 when the file changed.
daemon_json() {
  local cur='{}' want
  [[ -s $DAEMON_JSON ]] && cur=$(<"$DAEMON_JSON")
  want=$(jq '.features["containerd-snapshotter"] = true | .["log-level"] //= "warn"' <<<"$cur") ||
    die "$DAEMON_JSON is not valid JSON"
  [[ -s $DAEMON_JSON && $(jq -cS . <<<"$cur") == "$(jq -cS . <<<"$want")" ]] && return 1
  log "writing $DAEMON_JSON (containerd image store)"
  write_if_changed "$DAEMON_JSON" "$want" || true
}

start_engine() {
  local json_changed=0
  daemon_json && json_changed=1
  if engine_up; then
    engine_ready && ((json_changed == 0)) && return 0
    pid_alive "$STATE/dockerd.pid" ||
      die "a dockerd not started by this script runs ($(engine_info)); stop it, then run '$0 up' again"
    log "restarting dockerd (running: $(engine_info); daemon.json changed: $json_changed)"
    stop_pid dockerd 45
  fi
  if ! pid_alive "$STATE/dockerd.pid"; then
    log "starting dockerd (log: $STATE/dockerd.log)"
    start_detached dockerd "$DOCKERD"
  fi
  wait_for 60 engine_up_or_dead
  engine_up || { tail -n 30 "$STATE/dockerd.log" >&2; die "dockerd did not come up (within 60 s)"; }
  engine_ready || die "dockerd runs as '$(engine_info)', expected Docker $ENGINE_VERSION* with driver-type $SNAPSHOTTER"
  ENGINE_STARTED=1
}

legacy_up() { [[ -x $DOCKER_LEGACY ]]; }

# ensure_legacy_client: Debian 12's docker.io .deb (cached in $CACHE/debs; from apt's archive cache or
# `apt-get download docker.io/bookworm`), only its 20.10 client extracted into $LEGACY_DIR.
ensure_legacy_client() {
  legacy_up && return 0
  local arch deb; arch=$(dpkg --print-architecture)
  mkdir -p "$CACHE/debs"
  deb=$(compgen -G "$CACHE/debs/docker.io_20.10.*_$arch.deb" | sort -V | tail -n1 || true)
  if [[ -z $deb ]]; then
    deb=$(compgen -G "/var/cache/apt/archives/docker.io_20.10.*_$arch.deb" | sort -V | tail -n1 || true)
    if [[ -n $deb ]]; then
      cp "$deb" "$CACHE/debs/"
    else
      log "downloading Debian 12's docker.io (the 20.10 client) into $CACHE/debs"
      (cd "$CACHE/debs" && apt-get download -qq -o APT::Sandbox::User=root docker.io/bookworm) >&2 ||
        die "apt-get download docker.io/bookworm failed"
    fi
    deb=$(compgen -G "$CACHE/debs/docker.io_20.10.*_$arch.deb" | sort -V | tail -n1 || true)
    [[ -n $deb ]] || die "no docker.io 20.10 .deb in $CACHE/debs"
  fi
  log "extracting the docker 20.10 client from $(basename "$deb") into $LEGACY_DIR"
  rm -rf "$LEGACY_DIR.tmp"; mkdir -p "$LEGACY_DIR.tmp"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$LEGACY_DIR.tmp" ./usr/bin/docker || die "extracting $deb failed"
  rm -rf "$LEGACY_DIR"; mv "$LEGACY_DIR.tmp" "$LEGACY_DIR"
  [[ $("$DOCKER_LEGACY" --version) == "Docker version 20.10."* ]] || die "$DOCKER_LEGACY is no docker 20.10 client"
}

BINFMT=/proc/sys/fs/binfmt_misc
binfmt_up() { local l; { read -r l <"$BINFMT/qemu-aarch64"; } 2>/dev/null && [[ $l == enabled ]]; }

# ensure_binfmt: qemu-user-static's aarch64 interpreter registered (binfmt_misc mounted if needed).
ensure_binfmt() {
  binfmt_up && return 0
  log "registering qemu-aarch64 with binfmt_misc"
  [[ -e $BINFMT/register ]] || mount -t binfmt_misc binfmt_misc "$BINFMT" || die "cannot mount binfmt_misc"
  update-binfmts --import qemu-aarch64 >/dev/null 2>&1 || true
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  binfmt_up || die "qemu-aarch64 is not registered (update-binfmts --display qemu-aarch64)"
}

# write_registry_config NAME ADDR [tls+auth]: docker-registry config, storage under $PROC_DIR.
write_registry_config() {
  cat >"$PROC_DIR/$1.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $PROC_DIR/$1-storage
  delete:
    enabled: true
http:
  addr: $2
  headers:
    X-Content-Type-Options: [nosniff]
YAML
  [[ -z ${3:-} ]] || cat >>"$PROC_DIR/$1.yml" <<YAML
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
  pid_alive "$PROC_DIR/$1.pid" && stop_pid "$1" 5
  log "starting $1 (log: $PROC_DIR/$1.log)"
  mkdir -p "$PROC_DIR/$1-storage"
  start_detached "$1" "$REGISTRY_BIN" serve "$PROC_DIR/$1.yml"
  wait_for 20 "$2" || { tail -n 20 "$PROC_DIR/$1.log" >&2; die "$1 did not come up"; }
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

# probe DIR WHAT CMD...: run CMD with its output in DIR/log; on failure show the log and die with WHAT.
probe() {
  local dir=$1 what=$2; shift 2
  "$@" >"$dir/log" 2>&1 && return 0
  tail -n 30 "$dir/log" >&2; rm -rf "$dir"; die "$what"
}

# The engine is verified once per dockerd start, per profile: $ENGINE_MARK holds "<dockerd pid> <profile>".
ENGINE_MARK=$STATE/engine-verified
engine_key() { if pid_alive "$STATE/dockerd.pid"; then cat "$STATE/dockerd.pid"; else echo external; fi; }
engine_verified() { # PROFILE: example is met by a full verification too
  local mark; mark=$(cat "$ENGINE_MARK" 2>/dev/null) || return 1
  [[ $mark == "$(engine_key) full" || ($1 == example && $mark == "$(engine_key) example") ]]
}

# verify_engine_example: containers publish to 127.0.0.1 and builds reach the Debian mirror (what the
# example needs).
verify_engine_example() {
  local c port dir
  c=$("$DOCKER" run -d --rm -p 127.0.0.1::8080 "$BASE_IMAGE" sleep 30)
  port=$("$DOCKER" port "$c" 8080/tcp | head -n1)
  "$DOCKER" rm -f "$c" >/dev/null
  [[ $port == 127.0.0.1:* ]] || die "port publishing failed (docker port said: '$port')"
  dir=$(mktemp -d)
  printf 'FROM %s\nRUN apt-get update\n' "$BASE_IMAGE" >"$dir/Dockerfile"
  probe "$dir" "a BuildKit RUN step could not reach $MIRROR" \
    "$DOCKER" build -q --no-cache -t ml-image-test/probe:mirror "$dir"
  rm -rf "$dir"
  "$DOCKER" rmi ml-image-test/probe:mirror >/dev/null 2>&1 || true
  log "verified port publishing ($port) and mirror access from builds"
}

# verify_engine_full: what the tests build with works on this engine - buildx's docker driver exporting
# local and registry caches (mode=max) and building + pushing a multi-platform image that imagetools
# copies, and the 20.10 client driving the engine's built-in BuildKit.
verify_engine_full() {
  local dir ref=$PLAIN_ADDR/ml-image-test/probe n
  dir=$(mktemp -d); mkdir "$dir/multi"
  printf 'FROM %s\nRUN echo probe >/probe\n' "$BASE_IMAGE" >"$dir/Dockerfile"
  probe "$dir" "buildx (docker driver) could not export local + registry caches (mode=max)" \
    "$DOCKER" buildx build --progress=plain --no-cache -t ml-image-test/probe:cache \
    --cache-to "type=local,dest=$dir/cache,mode=max" --cache-to "type=registry,ref=$ref:cache,mode=max" "$dir"
  [[ -s $dir/cache/index.json ]] || { rm -rf "$dir"; die "buildx wrote no local cache"; }
  echo probe >"$dir/multi/probe"; printf 'FROM scratch\nCOPY probe /probe\n' >"$dir/multi/Dockerfile"
  probe "$dir" "buildx (docker driver) could not build and push linux/amd64,linux/arm64" \
    "$DOCKER" buildx build --progress=plain --platform linux/amd64,linux/arm64 -t "$ref:multi" --push "$dir/multi"
  probe "$dir" "docker buildx imagetools create failed" \
    "$DOCKER" buildx imagetools create -t "$ref:multi-copy" "$ref:multi"
  n=$("$DOCKER" buildx imagetools inspect --raw "$ref:multi-copy" | jq '[.manifests[].platform.architecture] | map(select(. == "amd64" or . == "arm64")) | length')
  [[ $n == 2 ]] || { rm -rf "$dir"; die "imagetools copy of $ref:multi has $n of the 2 platforms"; }
  probe "$dir" "DOCKER_BUILDKIT=1 $DOCKER_LEGACY build (the engine's built-in BuildKit) failed" \
    env DOCKER_BUILDKIT=1 "$DOCKER_LEGACY" build --progress=plain --no-cache -t ml-image-test/probe:legacy "$dir"
  grep -q 'RUN echo probe' "$dir/log" || { rm -rf "$dir"; die "the 20.10 client's build did not go through BuildKit"; }
  rm -rf "$dir"
  "$DOCKER" rmi ml-image-test/probe:cache ml-image-test/probe:legacy "$ref:multi" >/dev/null 2>&1 || true
  log "verified buildx cache export (local + registry, mode=max), multi-platform push + imagetools create," \
    "and the 20.10 client's BuildKit builds"
}

# verify_engine PROFILE: once per engine start and profile.
verify_engine() {
  engine_verified "$1" && return 0
  engine_verified example || verify_engine_example
  [[ $1 == example ]] || verify_engine_full
  echo "$(engine_key) $1" >"$ENGINE_MARK"
}

# build_rootfs_tarball [ARCH]: a Debian bookworm minbase (debootstrap; another architecture's second stage
# runs under QEMU through binfmt), apt pointed at this machine's mirror, as a tarball cached in $CACHE.
build_rootfs_tarball() {
  local arch=${1:-amd64} tar=$ROOTFS_TAR
  [[ $arch == amd64 ]] || tar=${ROOTFS_TAR%.tar.gz}-$arch.tar.gz
  [[ -s $tar ]] && return 0
  local dir; dir=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  log "debootstrap bookworm minbase ($arch) into $dir (~30 s; ~2 min under QEMU)"
  set_mirror
  debootstrap --arch="$arch" --variant=minbase bookworm "$dir" "$MIRROR" >"$STATE/debootstrap-$arch.log" 2>&1 ||
    { tail -n 20 "$STATE/debootstrap-$arch.log" >&2; rm -rf "$dir"; die "debootstrap ($arch) failed"; }
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
  tar --numeric-owner -C "$dir" -c . | gzip -1 >"$tar.tmp" && mv "$tar.tmp" "$tar"
  rm -rf "$dir"
}

# The base as a two-platform index (linux/amd64 + linux/arm64) in the plain registry, for multi-platform
# builds: BuildKit resolves FROM per platform from a registry, not from the engine's single-platform image.
multi_base_up() {
  [[ $(skopeo inspect --raw --tls-verify=false "docker://$MULTI_BASE_IMAGE" 2>/dev/null | jq '[.manifests[]?.platform.architecture] | map(select(. == "amd64" or . == "arm64")) | length') == 2 ]]
}

ensure_multi_base() {
  multi_base_up && return 0
  build_rootfs_tarball arm64
  local ref=${MULTI_BASE_IMAGE%:*}
  log "pushing $MULTI_BASE_IMAGE (linux/amd64 + linux/arm64)"
  "$DOCKER" tag "$BASE_IMAGE" "$ref:bookworm-amd64"
  "$DOCKER" import --platform linux/arm64 --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "${ROOTFS_TAR%.tar.gz}-arm64.tar.gz" "$ref:bookworm-arm64" >/dev/null
  { "$DOCKER" push -q "$ref:bookworm-amd64" && "$DOCKER" push -q "$ref:bookworm-arm64" &&
    "$DOCKER" buildx imagetools create -t "$MULTI_BASE_IMAGE" "$ref:bookworm-amd64" "$ref:bookworm-arm64"; } \
    >"$STATE/multi-base.log" 2>&1 || { cat "$STATE/multi-base.log" >&2; die "could not push $MULTI_BASE_IMAGE"; }
  multi_base_up || die "$MULTI_BASE_IMAGE is not a two-platform index"
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

buildkit_image_up() { "$DOCKER" image inspect "$BUILDKIT_IMAGE" >/dev/null 2>&1; }
buildkit_up() { [[ -s $BUILDKIT_MARK ]] && buildkit_image_up; }

# buildkitd_config [FILE PLAIN AUTH]: for `docker buildx create --driver docker-container --driver-opt
# network=host --config FILE`: the plain registries over HTTP, the auth registries with the test CA (the
# shared pair, and a test run's own pair when given).
buildkitd_config() {
  local file=${1:-$BUILDKITD_CONFIG} text a
  text="# scripts/test-env.sh: buildkitd.toml for docker-container builders (network=host)"
  for a in "$PLAIN_ADDR" ${2:+"$2"}; do text+=$'\n'"[registry.\"$a\"]"$'\n'"  http = true"; done
  for a in "$AUTH_ADDR" ${3:+"$3"}; do text+=$'\n'"[registry.\"$a\"]"$'\n'"  ca = [\"$STATE/tls/ca.crt\"]"; done
  write_if_changed "$file" "$text"
}

# build_buildkit: buildkitd + buildctl from Debian's sources into $BUILDKIT_DIR (once, ~3 min), then the
# image $BUILDKIT_IMAGE from them (scripts/buildkit.Dockerfile).
build_buildkit() {
  local ctx
  if [[ ! -x $BUILDKIT_DIR/buildkitd || ! -x $BUILDKIT_DIR/buildctl ]]; then
    log "building buildkitd + buildctl from Debian 13's sources (~3 min; log: $STATE/buildkit-build.log)"
    ctx=$(mktemp -d); rm -rf "$BUILDKIT_DIR.tmp"
    "$DOCKER" buildx build --progress=plain -f "$HERE/buildkit.Dockerfile" --target binaries \
      --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "MIRROR=$MIRROR" \
      --output "type=local,dest=$BUILDKIT_DIR.tmp" "$ctx" >"$STATE/buildkit-build.log" 2>&1 || { rm -rf "$ctx"; return 1; }
    rm -rf "$ctx" "$BUILDKIT_DIR"; mv "$BUILDKIT_DIR.tmp" "$BUILDKIT_DIR"
  fi
  log "building $BUILDKIT_IMAGE ($("$BUILDKIT_DIR/buildkitd" --version 2>/dev/null))"
  "$DOCKER" buildx build --progress=plain -f "$HERE/buildkit.Dockerfile" --target image \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$BUILDKIT_IMAGE" "$BUILDKIT_DIR" >>"$STATE/buildkit-build.log" 2>&1
}

# verify_buildkit: a docker-container builder on $BUILDKIT_IMAGE builds FROM the plain registry (a RUN
# step, so runc in the image works), exports a local cache and pushes; then the builder is removed.
verify_buildkit() {
  local name=ml-image-test-probe dir ref=$PLAIN_ADDR/ml-image-test ok=0
  dir=$(mktemp -d)
  "$DOCKER" buildx rm -f "$name" >/dev/null 2>&1 || true
  "$DOCKER" tag "$BASE_IMAGE" "$ref/debian:bookworm"
  printf 'FROM %s/debian:bookworm\nRUN echo probe >/probe\n' "$ref" >"$dir/Dockerfile"
  if { "$DOCKER" push -q "$ref/debian:bookworm" &&
    "$DOCKER" buildx create --name "$name" --driver docker-container --driver-opt "image=$BUILDKIT_IMAGE" \
      --driver-opt network=host --config "$BUILDKITD_CONFIG" --bootstrap &&
    "$DOCKER" buildx build --builder "$name" --progress=plain --cache-to "type=local,dest=$dir/cache,mode=max" \
      --output "type=image,name=$ref/probe:container,push=true" "$dir" &&
    [[ -s $dir/cache/index.json ]]; } >"$dir/log" 2>&1; then ok=1; fi
  "$DOCKER" buildx rm -f "$name" >/dev/null 2>&1 || true
  "$DOCKER" rmi "$ref/debian:bookworm" >/dev/null 2>&1 || true
  ((ok)) || tail -n 30 "$dir/log" >&2
  rm -rf "$dir"
  ((ok)) && log "verified a docker-container builder on $BUILDKIT_IMAGE (RUN, --cache-to type=local, push)"
}

# ensure_buildkit: the BuildKit image for buildx's docker-container driver. Optional: a failure is a
# warning (env then prints no ML_IMAGE_TEST_BUILDKIT_IMAGE) and a failed build is not retried by
# every `up` until $BUILDKIT_FAILED is removed.
ensure_buildkit() {
  local fresh=0
  buildkitd_config && fresh=1
  if ! buildkit_image_up; then
    if [[ -e $BUILDKIT_FAILED ]]; then
      log "warning: no $BUILDKIT_IMAGE: its build failed before ($BUILDKIT_FAILED; remove it to retry)"
      rm -f "$BUILDKIT_MARK"; return 0
    fi
    if ! build_buildkit; then
      tail -n 30 "$STATE/buildkit-build.log" >&2; date >"$BUILDKIT_FAILED"; rm -f "$BUILDKIT_MARK"
      log "warning: building $BUILDKIT_IMAGE failed (log: $STATE/buildkit-build.log)"; return 0
    fi
    fresh=1
  fi
  ((fresh || ENGINE_STARTED)) || [[ ! -s $BUILDKIT_MARK ]] || return 0
  if verify_buildkit; then
    echo "$BUILDKIT_IMAGE" >"$BUILDKIT_MARK"
  else
    rm -f "$BUILDKIT_MARK"; log "warning: a docker-container builder on $BUILDKIT_IMAGE did not work"
  fi
}

cmd_env() {
  [[ -s $STATE/auth-password ]] || die "no password yet in $STATE; run '$0 up' first"
  local out; out=$(cat <<ENV
export ML_IMAGE_TEST_DOCKER=$DOCKER
export ML_IMAGE_TEST_DOCKER_LEGACY=$DOCKER_LEGACY
export ML_IMAGE_TEST_REGISTRY=$PLAIN_ADDR
export ML_IMAGE_TEST_AUTH_REGISTRY=$AUTH_ADDR
export ML_IMAGE_TEST_AUTH_USER=$AUTH_USER
export ML_IMAGE_TEST_AUTH_PASSWORD=$(password)
export ML_IMAGE_TEST_AUTH_CERT_DIR=$CERT_DIR
export ML_IMAGE_TEST_BASE_IMAGE=$BASE_IMAGE
export ML_IMAGE_TEST_MULTI_BASE_IMAGE=$MULTI_BASE_IMAGE
export ML_IMAGE_TEST_NODE24=$NODE24
export ML_IMAGE_TEST_ROOTFS_TAR=$ROOTFS_TAR
export ML_IMAGE_TEST_DOCKERD=$DOCKERD
ENV
)
  [[ ! -s $BUILDKIT_MARK ]] || out+=$'\n'"export ML_IMAGE_TEST_BUILDKIT_IMAGE=$(<"$BUILDKIT_MARK")"$'\n'"export ML_IMAGE_TEST_BUILDKITD_CONFIG=$BUILDKITD_CONFIG"
  (umask 077; printf '%s\n' "$out" >"$STATE/env")
  printf '%s\n' "$out"
}

# lock: serialise concurrent up/down (e.g. parallel test workers), bounded wait.
lock() {
  mkdir -p "$STATE" && chmod 0700 "$STATE"
  exec 9>"$STATE/lock"
  flock -w 600 9 || die "another test-env.sh has held $STATE/lock for 600 s"
}

# cmd_up [example]: everything (the tests' environment), or only what the example needs.
cmd_up() {
  local profile=${1:-full}
  [[ $profile == full || $profile == example ]] || die "unknown profile '$profile' (up [example])"
  lock
  set_mirror
  if [[ $profile == example ]]; then install_packages "${EXAMPLE_PACKAGES[@]}"; else install_packages; fi
  ENGINE_STARTED=0
  start_engine
  write_registry_config registry-plain "$PLAIN_ADDR"
  start_registry registry-plain plain_up
  ensure_base_image
  if [[ $profile == example ]]; then
    verify_engine example
    log "environment for the example is up (the tests' environment: $0 up)"
    return 0
  fi
  ensure_legacy_client
  ensure_binfmt
  make_auth
  write_registry_config registry-auth "$AUTH_ADDR" tls+auth
  local auth_was_up=0; auth_up && auth_was_up=1
  start_registry registry-auth auth_up
  ensure_multi_base
  ensure_node24
  engine_verified full || ENGINE_STARTED=1 # first full `up` on this engine (an example `up` may have started it)
  ((auth_was_up && ENGINE_STARTED == 0)) || verify_auth_registry
  verify_engine full
  ensure_buildkit
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
  trixie_pinned() { [[ -s $TRIXIE_SOURCES && -s $TRIXIE_PIN ]]; }
  engine_pkgs() {
    local p v n=0
    while read -r p v; do [[ $v == "${ENGINE_PACKAGES[$p]}"* ]] && n=$((n + 1)); done < <(installed_versions "${!ENGINE_PACKAGES[@]}")
    ((n == ${#ENGINE_PACKAGES[@]}))
  }
  buildx_up() { "$DOCKER" buildx version >/dev/null; }
  compose_up() { "$DOCKER" compose version >/dev/null; }
  show "trixie apt source pinned at 100 ($TRIXIE_SOURCES, $TRIXIE_PIN)" trixie_pinned
  show "trixie packages ($(installed_versions "${!ENGINE_PACKAGES[@]}" | tr '\n' ',' | sed 's/,$//; s/,/, /g'))" engine_pkgs
  show "engine ($DOCKER, pid file $STATE/dockerd.pid): $(engine_info | sed 's/ .*//') with driver-type $SNAPSHOTTER" engine_ready
  show "buildx ($("$DOCKER" buildx version 2>/dev/null | awk '{print $2}'))" buildx_up
  show "compose ($("$DOCKER" compose version --short 2>/dev/null))" compose_up
  show "docker 20.10 client ($DOCKER_LEGACY)" legacy_up
  show "binfmt qemu-aarch64 ($BINFMT/qemu-aarch64)" binfmt_up
  show "registry http://$PLAIN_ADDR" plain_up
  show "registry https://$AUTH_ADDR (user $AUTH_USER)" auth_up
  show "base image $BASE_IMAGE" image_up
  show "Node 24 ($NODE24)" node24_up
  if [[ -e $BUILDKIT_FAILED ]]; then
    echo "BuildKit image $BUILDKIT_IMAGE: not built (build failed: $BUILDKIT_FAILED; optional)"
  else
    show "BuildKit image $BUILDKIT_IMAGE for docker-container builders (verified: $BUILDKIT_MARK)" buildkit_up
  fi
  return "$bad"
}

# run-registries up DIR PLAIN_PORT AUTH_PORT: a plain and a TLS + basic-auth registry of one test run's own,
# on 127.0.0.1 at the given ports, with config, logs and storage in DIR (so that a run starts cold and its
# registry data goes with DIR), the CA in the engine's certs.d for the auth one, and a buildkitd.toml that
# knows both pairs; prints the `export` lines that replace the shared pair for that run.
# run-registries down DIR: stops them and removes DIR and the certs.d entry.
cmd_run_registries() {
  local verb=${1:-} dir=${2:-}
  [[ -n $dir && ($verb == up && ${3:-} =~ ^[0-9]+$ && ${4:-} =~ ^[0-9]+$ || $verb == down) ]] ||
    die "usage: $0 run-registries up DIR PLAIN_PORT AUTH_PORT | down DIR"
  if [[ $verb == down ]]; then
    [[ -d $dir ]] || return 0
    PROC_DIR=$dir
    stop_pid registry-plain 10 2>/dev/null
    stop_pid registry-auth 10 2>/dev/null
    [[ ! -s $dir/auth-addr ]] || rm -rf "/etc/docker/certs.d/$(<"$dir/auth-addr")"
    rm -rf "$dir"
    return 0
  fi
  [[ -s $STATE/auth-password && -s $STATE/tls/ca.crt ]] || die "no test environment yet; run '$0 up' first"
  mkdir -p "$dir"; PROC_DIR=$dir
  # Written while PLAIN_ADDR/AUTH_ADDR still name the shared pair (FROM the arm64 base on :5000 goes on working).
  buildkitd_config "$dir/buildkitd.toml" "127.0.0.1:$3" "127.0.0.1:$4" || true
  # From here on the registry functions (write_registry_config, plain_up, auth_up) see the run's pair.
  PLAIN_ADDR=127.0.0.1:$3; AUTH_ADDR=127.0.0.1:$4; CERT_DIR=/etc/docker/certs.d/$AUTH_ADDR
  echo "$AUTH_ADDR" >"$dir/auth-addr"
  mkdir -p "$CERT_DIR"; install -m 0644 "$STATE/tls/ca.crt" "$CERT_DIR/ca.crt"
  write_registry_config registry-plain "$PLAIN_ADDR"
  start_registry registry-plain plain_up
  write_registry_config registry-auth "$AUTH_ADDR" tls+auth
  start_registry registry-auth auth_up
  printf 'export %s\n' "ML_IMAGE_TEST_REGISTRY=127.0.0.1:$3" "ML_IMAGE_TEST_AUTH_REGISTRY=127.0.0.1:$4" \
    "ML_IMAGE_TEST_AUTH_CERT_DIR=$CERT_DIR" "ML_IMAGE_TEST_BUILDKITD_CONFIG=$dir/buildkitd.toml"
}

case "${1:-}" in
  up) cmd_up "${2:-}" ;;
  down) cmd_down ;;
  env) cmd_env ;;
  status) cmd_status ;;
  run-registries) shift; cmd_run_registries "$@" ;;
  *) echo "usage: $0 up [example]|down|env|status|run-registries up DIR PLAIN_PORT AUTH_PORT|run-registries down DIR" >&2; exit 2 ;;
esac
