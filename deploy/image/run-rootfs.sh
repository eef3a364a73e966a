#!/usr/bin/env bash
# Runs a command inside an extracted image root filesystem the way a container runtime would, without one: new
# mount and PID namespaces, /proc and /dev mounted, a fresh tmpfs on /tmp (as the pods' emptyDir), the image's
# working directory, the image's numeric user and
# group (no supplementary groups). The environment is the caller's (pass the image's Env). Needs root.
#
# Usage: deploy/image/run-rootfs.sh ROOTFS WORKDIR UID:GID COMMAND [ARG...]
# (The test harness's shell, on the host; the image itself has none.)
set -euo pipefail
root="$(cd "${1:?usage: $0 ROOTFS WORKDIR UID:GID COMMAND...}" && pwd)"
wd="${2:?workdir}"
user="${3:?uid:gid}"
shift 3
mkdir -p "$root/proc" "$root/dev"
exec /usr/bin/unshare --mount --pid --fork --kill-child --propagation private -- \
  /usr/bin/bash -c '
    root="$1" wd="$2" uid="${3%%:*}" gid="${3##*:}"; shift 3
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
    exec /usr/bin/unshare --root="$root" --wd="$wd" --setgid="$gid" --setuid="$uid" -- "$@"
  ' run-rootfs "$root" "$wd" "$user" "$@"
