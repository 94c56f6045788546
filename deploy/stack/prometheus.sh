# deploy/stack/prometheus.sh: Debian's prometheus, a tool the metrics e2e test starts with its own
# config (scraping only the platform's loopback listeners); `up` installs it and starts nothing.
# Sourced by deploy/stack.sh after lib.sh.
# shellcheck shell=bash

prometheus_up() {
  need prometheus prometheus prometheus
  record prometheus ok "$(command -v prometheus)" "installed; each test starts its own"
}
