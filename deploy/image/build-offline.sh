#!/usr/bin/env bash
# The image, built here with no container engine and no registry: a local base (build-base.sh) given to Jib as
# tar://, and Jib's `buildTar` with exactly the release configuration (pom.xml, profile `image`). Each NAME gives
# OUT_DIR/NAME.tar (an OCI image layout in a tarball) and OUT_DIR/NAME.digest, each with its own application-layer
# cache, so two names are two independent builds of the same inputs (ImageIT compares their digests).
#
# Usage: deploy/image/build-offline.sh OUT_DIR NAME...    (after ./mvnw package; run as root, JAVA_HOME >= 17)
#        MVN_FLAGS="-o" to keep Maven offline.
set -euo pipefail
out="${1:?usage: $0 OUT_DIR NAME...}"
shift
[ $# -gt 0 ] || { echo "usage: $0 OUT_DIR NAME..." >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
[ -f "$repo/target/quarkus-app/quarkus-run.jar" ] || { echo "no target/quarkus-app: run ./mvnw package first" >&2; exit 1; }

start=$SECONDS
"$here/build-base.sh" "$out/base" >/dev/null
echo "base image: $((SECONDS - start)) s"
revision="$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)"
for name in "$@"; do
  start=$SECONDS
  rm -rf "$out/cache-$name" "$out/$name.tar" "$out/$name.digest"
  # shellcheck disable=SC2086
  (cd "$repo" && ./mvnw -B -ntp -q ${MVN_FLAGS:-} -Pimage jib:buildTar -Djib.disableUpdateChecks=true -Djib.console=plain \
    -Dimage.base="tar://$out/base/base.tar" \
    -Dimage.revision="$revision" \
    -Djib.outputPaths.tar="$out/$name.tar" \
    -Djib.outputPaths.digest="$out/$name.digest" \
    -Djib.outputPaths.imageId="$out/$name.id" \
    -Djib.applicationCache="$out/cache-$name" \
    -Djib.baseImageCache="$out/base-cache")
  echo "$out/$name.tar $(cat "$out/$name.digest") ($((SECONDS - start)) s)"
done
