# scripts/buildkit.Dockerfile - a BuildKit image for buildx's docker-container driver, used by
# scripts/test-env.sh because moby/buildkit (Docker Hub) cannot be reached from the test machines.
# Everything comes from Debian's mirror (no package ships buildkitd, but the source does):
#   - Go and the Go libraries: Debian 13 (trixie) golang-go and golang-*-dev packages;
#   - BuildKit itself: the source trixie's docker.io ships in golang-github-docker-docker-dev
#     (the BuildKit Docker 26.1 embeds, with Debian's patches);
#   - the few libraries Debian does not package: the engine/vendor/ tree kept in docker.io's source
#     tarball (its URI and SHA256 from the signed Sources index, fetched by apt-helper).
# Left out: the azblob and GitHub Actions cache backends (their client libraries are not in Debian) and
# the fuse-overlayfs snapshotter (stubbed: buildkitd falls back to overlayfs/native as upstream does).
#
#   --target binaries  -> buildkitd + buildctl (static), for `--output type=local`
#   --target image     -> the image; its build context is a directory holding those two binaries
ARG BASE_IMAGE=ml-image-test/debian:bookworm

FROM ${BASE_IMAGE} AS build
ARG MIRROR=http://deb.debian.org/debian
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
RUN printf 'Types: deb deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: %s\n' \
      "$MIRROR" /usr/share/keyrings/debian-archive-keyring.gpg >/etc/apt/sources.list.d/trixie.sources \
 && apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t trixie \
      golang-go golang-github-docker-docker-dev xz-utils ca-certificates \
      golang-github-agext-levenshtein-dev golang-github-aws-aws-sdk-go-v2-dev golang-github-gofrs-flock-dev \
      golang-github-google-shlex-dev golang-github-mitchellh-hashstructure-dev golang-github-coreos-go-systemd-dev \
      golang-github-pkg-profile-dev golang-github-urfave-cli-dev golang-github-pelletier-go-toml-dev \
      golang-github-containerd-stargz-snapshotter-dev golang-github-vbatts-tar-split-dev >/dev/null
WORKDIR /src
# Only the main orig tarball (the mirror need not carry the .dsc); apt-helper checks its SHA256 from Sources.
RUN read -r uri file _ hash < <(apt-get source --print-uris -qq docker.io/trixie | grep -F .orig.tar. | tr -d "'") \
 && /usr/lib/apt/apt-helper -qq download-file "$uri" "$file" "$hash" \
 && tar -xf "$file" --wildcards '*/engine/vendor/*' \
 && mkdir -p /gopath && mv ./*/engine/vendor /gopath/src \
 && rm -rf /gopath/src/github.com/moby/buildkit \
 && mkdir -p /gopath/src/github.com/containerd/fuse-overlayfs-snapshotter \
 && printf '%s\n' '// Package fuseoverlayfs is a stub: Debian has no fuse-overlayfs-snapshotter source.' \
      'package fuseoverlayfs' '' 'import (' '	"errors"' '' '	"github.com/containerd/containerd/snapshots"' ')' '' \
      'var errNotBuilt = errors.New("fuse-overlayfs snapshotter not built in")' '' \
      'func Supported(root string) error { return errNotBuilt }' '' \
      'func NewSnapshotter(root string, opts ...interface{}) (snapshots.Snapshotter, error) { return nil, errNotBuilt }' \
      >/gopath/src/github.com/containerd/fuse-overlayfs-snapshotter/stub.go
# A go.mod makes GOPATH mode resolve /vN imports (go-systemd/v22, hashstructure/v2), as Debian's own build does.
RUN B=/usr/share/gocode/src/github.com/moby/buildkit \
 && printf 'module github.com/moby/buildkit\n\ngo 1.21\n' >"$B/go.mod" \
 && sed -i -e '/cache\/remotecache\/\(azblob\|gha\)"/d' -e '/"\(azblob\|gha\)": *\(azblob\|gha\)\./d' "$B/cmd/buildkitd/main.go" \
 && version=$(awk '$1 == "#" && $2 == "github.com/moby/buildkit" { print $3; exit }' /gopath/src/modules.txt) \
 && revision=debian-docker.io-$(dpkg-query -W -f '${Version}' golang-github-docker-docker-dev) \
 && mkdir /out && cd "$B" \
 && GOPATH=/usr/share/gocode:/gopath GO111MODULE=off GOPROXY=off CGO_ENABLED=0 GOCACHE=/tmp/gocache \
    go build -trimpath -o /out/ -ldflags "-s -w -X github.com/moby/buildkit/version.Version=$version \
      -X github.com/moby/buildkit/version.Revision=$revision" ./cmd/buildkitd ./cmd/buildctl \
 && /out/buildkitd --version

FROM scratch AS binaries
COPY --from=build /out/ /

FROM ${BASE_IMAGE} AS image
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends runc ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/*
COPY buildkitd buildctl /usr/bin/
VOLUME /var/lib/buildkit
ENTRYPOINT ["buildkitd"]
