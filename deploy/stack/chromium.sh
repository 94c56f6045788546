# deploy/stack/chromium.sh: Debian's chromium, the headless browser the dashboard e2e test drives
# through puppeteer-core (which never downloads a browser of its own); `up` installs it and
# starts nothing. Sourced by deploy/stack.sh after lib.sh.
# shellcheck shell=bash

chromium_up() {
  need chromium chromium chromium
  record chromium ok "$(command -v chromium)" "installed; each test starts its own"
}
