#!/usr/bin/env bash
# Refreshes the board's vendored front-end libraries from npm into ui/web/vendor/<name>/:
# the dist files the pages load, the package's LICENSE, and a VERSION file. The binary embeds
# them (go:embed), so the board never loads anything from a CDN and works with no internet.
#
#   scripts/vendor-web.sh            the pinned versions below
#   LEAFLET=1.9.4 scripts/vendor-web.sh
set -euo pipefail
LEAFLET="${LEAFLET:-1.9.4}"
MARKERCLUSTER="${MARKERCLUSTER:-1.5.3}"

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/ui/web/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# fetch NAME VERSION: the package's tarball, unpacked into $tmp/NAME.
fetch() {
  (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null)
  mkdir -p "$tmp/$1"
  tar -xzf "$tmp/$1-$2.tgz" -C "$tmp/$1" --strip-components=1
}

# install NAME VERSION FILE...: copies the dist files, the licence and the version.
install() {
  local name="$1" version="$2"; shift 2
  rm -rf "${dest:?}/$name"
  mkdir -p "$dest/$name"
  for f in "$@"; do cp -r "$tmp/$name/$f" "$dest/$name/"; done
  cp "$tmp/$name"/*LICEN[CS]E* "$dest/$name/LICENSE"
  printf '%s %s (npm)\n' "$name" "$version" >"$dest/$name/VERSION"
}

fetch leaflet "$LEAFLET"
install leaflet "$LEAFLET" dist/leaflet.js dist/leaflet.css dist/images
fetch leaflet.markercluster "$MARKERCLUSTER"
install leaflet.markercluster "$MARKERCLUSTER" dist/leaflet.markercluster.js dist/MarkerCluster.css dist/MarkerCluster.Default.css
echo "vendored into $dest:"; cat "$dest"/*/VERSION
