# deploy/stack/images.sh: the action runtime images, built locally (no registry is reachable) by
# actions/build-images.ts, which skips images whose content hash is unchanged.
# Sourced by deploy/stack.sh after lib.sh and docker.sh.
# shellcheck shell=bash

IMAGES_SCRIPT=actions/build-images.ts

images_up() {
  if [[ ! -f $ROOT/$IMAGES_SCRIPT ]]; then
    printf '\n%s\n' "stack: WARNING: ************************************************************" >&2
    warn "$IMAGES_SCRIPT does not exist yet: NO action runtime images were built."
    warn "Anything that runs an action in Docker will fail until it exists."
    printf '%s\n\n' "stack: WARNING: ************************************************************" >&2
    record images MISSING - "$IMAGES_SCRIPT not written yet"
    return 0
  fi
  # The python runtime's base is debootstrapped once (then cached under ${WISP_CACHE_DIR:-~/.cache/wisp}).
  need images debootstrap debootstrap
  say "images: npx tsx $IMAGES_SCRIPT"
  if ! (cd "$ROOT" && npx tsx "$IMAGES_SCRIPT") 2>&1 9>&- | tee "$LOG_DIR/images.log" | sed 's/^/    images| /'; then
    fail images "" "$IMAGES_SCRIPT failed (full output above and in $LOG_DIR/images.log)"
  fi
  record images ok "docker ($DOCKER_ENDPOINT)" "$IMAGES_SCRIPT"
}
