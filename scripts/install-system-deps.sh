#!/usr/bin/env bash
# Installs the Debian packages the pipeline builds and runs with, if missing.
set -euo pipefail
# strace: the fault tests kill each stage at exact system calls (Tests/faults/test_kill.py); the lint test traces
# what every stage opens (Tests/pipeline/test_declared_reads.py).
packages=(libhdf5-dev libopenblas-dev libsvm-dev libxxhash-dev libzip-dev libcsv-dev libssl-dev pkg-config hdf5-tools gnuplot-nox python3-venv strace)
# --browser (make test-browser): headless Chromium and its WebDriver, for the HTML pages' tests (Tests/browser).
[ "${1:-}" = --browser ] && packages=(chromium chromium-driver)
missing=()
# One dpkg-query for all (one call takes 13–30 ms, one per package took 300;
# make runs this when the list or dpkg's database changed).
status=$'\n'$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)$'\n'
for p in "${packages[@]}"; do
  [[ $status == *$'\n'"$p install ok installed"$'\n'* ]] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
