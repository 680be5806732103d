#!/bin/sh
# Prepare an OSRM region (MLD pipeline) into the stack's `osrm-data` volume.
#
# On the Docker host, from the project root, with a .osm.pbf you supply:
#
#   deploy/osrm/prepare-region.sh /srv/maps/france-latest.osm.pbf
#
# This runs the one-off `osrm-prepare` service (compose profile "prepare"), which
# calls this same script inside the osrm/osrm-backend container with --in-container:
#
#   osrm-extract  -p $OSRM_PROFILE region.osm.pbf    (default profile /opt/car.lua)
#   osrm-partition region.osrm
#   osrm-customize region.osrm
#
# The result is built in /data/.staging and only then swapped in as /data/region.osrm*,
# after which the `osrm` service is restarted to load it. Re-run it to update the map.
#
# Options (environment):
#   OSRM_PROFILE   profile inside the image, e.g. /opt/car.lua (default), /opt/foot.lua, /opt/bicycle.lua
#   COMPOSE        compose command to use (default: "docker compose")
#
# Memory: osrm-extract needs several times the .pbf size in RAM (a country-sized
# extract can need 10+ GB); osrm-routed keeps the prepared dataset in memory.
set -eu

log() { printf 'prepare-region: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

in_container() {
  : "${OSRM_PBF_NAME:=region.osm.pbf}"
  : "${OSRM_PROFILE:=/opt/car.lua}"
  data=${OSRM_CONTAINER_DATA:-/data}      # the osrm-data volume
  inputdir=${OSRM_CONTAINER_INPUT:-/input} # the operator's directory, read-only
  input="$inputdir/$OSRM_PBF_NAME"
  staging="$data/.staging"

  [ -f "$input" ] || die "input $input not found (mount the directory holding the .osm.pbf at $inputdir)"
  [ -f "$OSRM_PROFILE" ] || die "profile $OSRM_PROFILE not found in the image"
  case "$OSRM_PBF_NAME" in
    *.osm.pbf) ;;
    *) die "input must be a .osm.pbf file, got $OSRM_PBF_NAME" ;;
  esac

  rm -rf "$staging"
  mkdir -p "$staging"
  # osrm-extract writes its outputs next to its input; a symlink keeps the
  # read-only input untouched and names the outputs region.osrm.*
  ln -s "$input" "$staging/region.osm.pbf"

  log "osrm-extract -p $OSRM_PROFILE ($OSRM_PBF_NAME)"
  osrm-extract -p "$OSRM_PROFILE" "$staging/region.osm.pbf"
  log "osrm-partition"
  osrm-partition "$staging/region.osrm"
  log "osrm-customize"
  osrm-customize "$staging/region.osrm"
  rm -f "$staging/region.osm.pbf"

  # Swap the new dataset in.
  rm -f "$data/region.osrm" "$data"/region.osrm.*
  mv "$staging"/region.osrm* "$data/"
  rmdir "$staging"
  printf '%s prepared from %s with %s (MLD)\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$OSRM_PBF_NAME" "$OSRM_PROFILE" > "$data/REGION_INFO"
  log "done: $data/region.osrm ready ($(du -sh "$data" | cut -f1) in the volume)"
}

on_host() {
  [ $# -eq 1 ] || die "usage: $0 /path/to/region.osm.pbf"
  pbf=$1
  [ -f "$pbf" ] || die "$pbf: no such file"
  case "$pbf" in
    *.osm.pbf) ;;
    *) die "$pbf: expected a .osm.pbf file" ;;
  esac
  dir=$(cd "$(dirname "$pbf")" && pwd)
  name=$(basename "$pbf")
  root=$(cd "$(dirname "$0")/../.." && pwd)
  compose=${COMPOSE:-docker compose}

  cd "$root"
  log "preparing $dir/$name into the osrm-data volume"
  # shellcheck disable=SC2086 # $compose is a command with arguments
  OSRM_INPUT_DIR="$dir" OSRM_PBF_NAME="$name" \
    $compose --profile prepare run --rm --no-deps osrm-prepare
  log "restarting the osrm service to load the new region"
  # shellcheck disable=SC2086
  $compose up -d --force-recreate --no-deps osrm
}

if [ "${1:-}" = "--in-container" ]; then
  in_container
else
  on_host "$@"
fi
