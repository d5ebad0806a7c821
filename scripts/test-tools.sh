#!/usr/bin/env bash
# What the tests need beyond Node and git, from Debian or Ubuntu packages: Chromium for the
# browser tests (never a downloaded browser), Ceph's radosgw for the real S3 server, openssl for
# its certificate, uuidgen and curl for its start script, nginx to serve library:// redirects and
# its JavaScript module for a private registry's token check, skopeo, an OCI client, to pull
# oras://, and rsync, which gitlab-ci-local copies a project with to run its pipeline.
# `npm test` runs this first; `.ci/run` runs `npm test`. Installs what is missing when root;
# otherwise prints the one command to run.
set -euo pipefail

packages=()
need() { # need COMMAND-OR-PATH PACKAGE
  if [[ $1 == /* ]]; then [ -x "$1" ] && return 0; else command -v "$1" >/dev/null && return 0; fi
  packages+=("$2")
}
if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/lib/chromium/chromium ] && [ ! -x /usr/bin/chromium ]; then packages+=(chromium fonts-dejavu-core); fi
need radosgw radosgw
need ceph-osd ceph-osd
need ceph-mon ceph-mon
need openssl openssl
need uuidgen uuid-runtime
need curl curl
need /usr/sbin/nginx nginx-light
need /usr/lib/nginx/modules/ngx_http_js_module.so libnginx-mod-http-js
need skopeo skopeo
need rsync rsync

[ ${#packages[@]} -eq 0 ] && exit 0
command="apt-get install -y --no-install-recommends ${packages[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing what the tests need: ${packages[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  $command -qq
elif command -v apt-get >/dev/null; then
  echo "The tests need Debian packages that are missing. Install them, then run npm test again:" >&2
  echo "  sudo apt-get update && sudo $command" >&2
  exit 1
else
  echo "The tests need: ${packages[*]} (Debian/Ubuntu package names). Install them, or set CHROMIUM_PATH for the browser." >&2
  exit 1
fi
