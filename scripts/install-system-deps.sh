#!/usr/bin/env bash
# Installs the Debian packages the pipeline builds and runs with, if missing.
set -euo pipefail
packages=(libhdf5-dev libopenblas-dev libsvm-dev libxxhash-dev libzip-dev libcsv-dev libssl-dev pkg-config hdf5-tools gnuplot-nox python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
