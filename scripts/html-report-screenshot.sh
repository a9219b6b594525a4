#!/usr/bin/env bash
# Regenerates docs/html-report.png, the README's picture of the HTML report: a run against the
# embedded mock with a few named drifts, its --report html=PATH opened in headless Chromium
# (as tests/it/html_report.rs opens it) and captured. Needs chromium on PATH; a CJK font
# (fonts-wqy-microhei or fonts-noto-cjk) makes the Chinese quotes legible.
# Usage: scripts/html-report-screenshot.sh [OUTPUT.png]; BIN=path/to/partner-conformance skips the
# release build.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-docs/html-report.png}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$browser" ] || { echo "chromium is not on PATH: apt-get install chromium" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

bin="${BIN:-}"
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin="${CARGO_TARGET_DIR:-target}/release/partner-conformance"
fi
# Exit 1 is the drift the picture shows.
"$bin" run --seed 7 --cases 8 --no-regressions --no-run-dir \
  --mock-drift count-as-string --mock-drift overlong-corp-name \
  --mock-drift aicc-missing-portal-url --mock-drift budget-currency-unknown \
  --report "html=$work/report.html" >/dev/null || [ $? -eq 1 ]

# The browser is bounded: a hung one ends the script instead of hanging it.
timeout 60 "$browser" --headless=new --no-sandbox --disable-gpu --no-first-run \
  --user-data-dir="$work/profile" --hide-scrollbars --force-device-scale-factor=1 \
  --window-size=1000,2050 --screenshot="$out" "file://$work/report.html" 2>/dev/null
echo "wrote $out ($(wc -c <"$out") bytes)"
