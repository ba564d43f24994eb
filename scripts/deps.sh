#!/usr/bin/env bash
# Installs the Debian packages flipscope needs, if any are missing.
# As root it runs apt-get; otherwise it prints the one command to run.
set -eu
packages="build-essential pkg-config libncurses-dev libopenblas-dev libcriterion-dev
          gnuplot-nox zlib1g-dev libjansson-dev tmux bc dataset-fashion-mnist locales"
# Optional: `scripts/deps.sh --fuzz` also installs clang and libFuzzer for `make fuzz`.
[ "${1:-}" = "--fuzz" ] && packages="$packages clang libclang-rt-14-dev"
# Optional: `scripts/deps.sh --bench` (what `make bench` runs) also installs
# PyTorch for the benchmarks' peer (bench/peer_torch.py); `make test` never needs it.
[ "${1:-}" = "--bench" ] && packages="$packages python3-torch"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "flipscope: installing missing Debian packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing
else
  echo "flipscope: missing Debian packages:$missing" >&2
  echo "run: sudo apt-get install -y$missing" >&2
  exit 1
fi
