#!/usr/bin/env bash
# Builds, without a container engine or a registry, a minimal base image as a local `docker save` tarball:
# a jlink'ed Java runtime, exactly the host's shared libraries it links (ldd), /etc/passwd and /etc/group with the
# numeric user 65532 (nonroot), /tmp, /home/nonroot and the CA bundle. No shell, no package manager, no coreutils.
# Jib takes it as `tar://OUT/base.tar` (pom.xml, profile `image`). It stands in for the release base image
# (gcr.io/distroless/java21-debian12:nonroot) where no registry can be reached: same user, same /usr/bin/java.
#
# Usage: deploy/image/build-base.sh OUT_DIR     (needs a JDK >= 17 as $JAVA_HOME, GNU tar, ldd; run as root so
#        that file owners in the layer are right). Deterministic: sorted entries, mtime 0, numeric owners.
set -euo pipefail
out="${1:?usage: $0 OUT_DIR}"
jdk="${JAVA_HOME:?set JAVA_HOME to a JDK >= 17}"
# The modules the packaged application needs: `jdeps --print-module-deps` over target/quarkus-app (java.base,
# java.desktop, java.naming, java.net.http, java.rmi, java.sql, jdk.management, jdk.unsupported), plus the ones
# loaded by name or service at run time (JUL and JMX for logging and Micrometer's JVM metrics, DNS, Kerberos-free
# TLS, zipfs, extended socket options for Netty's epoll).
modules="java.base,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.rmi,\
java.security.jgss,java.sql,java.xml,jdk.management,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs"
# JDK 17 and 21 keep elliptic-curve TLS in its own module (merged into java.base later).
if "$jdk/bin/java" --list-modules | grep -q '^jdk.crypto.ec@'; then modules="$modules,jdk.crypto.ec"; fi
uid=65532
runtime=usr/lib/jvm/java-runtime

rm -rf "$out"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
root="$out/rootfs"
mkdir -p "$root"

"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --output "$root/$runtime"
# A server has no display and no sound card: without these the runtime links no X11 or ALSA library (java.desktop
# stays for java.beans, which YAML binding uses; AWT is never loaded).
rm -f "$root/$runtime"/lib/{libawt_xawt,libjsound,libsplashscreen}.so
mkdir -p "$root/usr/bin"
ln -s "../lib/jvm/java-runtime/bin/java" "$root/usr/bin/java"

# Every shared library the runtime links from outside itself, as ldd resolves it on this host, copied to the same path (symlinks
# followed: the file itself is copied). Netty's epoll library, unpacked to /tmp at run time, needs only libc.
find "$root/$runtime" -type f \( -name '*.so' -o -perm -u+x \) -print0 \
  | { xargs -0 ldd 2>/dev/null || true; } \
  | awk '/=> \// {print $3} /^[[:space:]]*\/[^ ]+ \(/ {print $1}' \
  | sort -u \
  | grep -v "^$root/" \
  | while read -r lib; do
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
# The dynamic loader at the path the ELF headers name (PT_INTERP), also when ldd printed it through a symlink.
interp="$(ldd "$root/$runtime/bin/java" | awk '/ld-linux/ {print $1}')"
if [ -n "$interp" ] && [ ! -e "$root$interp" ]; then
  mkdir -p "$root$(dirname "$interp")"
  cp -L "$interp" "$root$interp"
fi

mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/home/nonroot"
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%s:%s:nonroot:/home/nonroot:/sbin/nologin\n' $uid $uid \
  > "$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:%s:\n' $uid > "$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"

chown -R 0:0 "$root"
chown $uid:$uid "$root/home/nonroot"
chmod 1777 "$root/tmp"
chmod 0755 "$root/home/nonroot"

# One layer, deterministic: sorted names, fixed mtime, numeric owners, no atime/ctime.
layer="$out/layer.tar"
tar --sort=name --mtime=@0 --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$root" -cf "$layer" .
diff_id="sha256:$(sha256sum "$layer" | cut -d' ' -f1)"

arch=amd64
case "$(uname -m)" in aarch64) arch=arm64 ;; esac
config="$out/config.json"
cat > "$config" <<JSON
{"architecture":"$arch","os":"linux","created":"1970-01-01T00:00:00Z",\
"config":{"User":"$uid:$uid","Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",\
"JAVA_HOME=/$runtime","SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"],"WorkingDir":"/home/nonroot"},\
"rootfs":{"type":"layers","diff_ids":["$diff_id"]},\
"history":[{"created":"1970-01-01T00:00:00Z","created_by":"deploy/image/build-base.sh"}]}
JSON
config_sha="$(sha256sum "$config" | cut -d' ' -f1)"
mkdir -p "$out/pack"
cp "$config" "$out/pack/$config_sha.json"
mv "$layer" "$out/pack/layer.tar"
printf '[{"Config":"%s.json","RepoTags":["tollgate-base:local"],"Layers":["layer.tar"]}]\n' "$config_sha" \
  > "$out/pack/manifest.json"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$out/pack" -cf "$out/base.tar" manifest.json "$config_sha.json" layer.tar
rm -rf "$out/pack" "$config"
echo "$out/base.tar"
