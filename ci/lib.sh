# ci/lib.sh - helpers shared by the ci/ scripts (sourced, not run).

# Install the Debian packages vmex needs, only those that are missing.
vmex_install_deps() {
  local want=(cmake make gcc clang libclang-rt-14-dev libcmocka-dev libjson-c-dev pkg-config python3 libjemalloc-dev libmimalloc-dev)
  local missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "ci: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

vmex_install_afl() {
  dpkg-query -W -f='${Status}' afl++ 2>/dev/null | grep -q "install ok installed" && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends afl++ >/dev/null
}

# A fuzz target's hunter: "TARGET DIFF" from the vmex_hunter it names
# (fuzz_xnu: "xnu 0", fuzz_linux: "linux 0", fuzz_linux_diff: "linux 1");
# nothing for a target that does not hunt (its crashes are harness bugs).
vmex_hunter_of() {
  sed -n 's/.*vmex_hunter_this = {"[a-z_0-9]*", VMEX_TARGET_\([A-Z_]*\), \([01]\)}.*/\1 \2/p' "targets/$1.c" |
    tr 'A-Z_' 'a-z-'
}

# The plain build (CLI, replay engines, tests) in build/; with arguments,
# only those CMake targets (ci/fuzz needs just the CLI and the mutator),
# and always the executors of target linux (the CLI runs its programs).
vmex_build_replay() {
  cmake -S . -B build >/dev/null
  local t targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  [ $# -eq 0 ] || targets+=(--target vmex-executors)
  cmake --build build -j"$(nproc)" "${targets[@]}"
}

# An engine build of the fuzz targets; prints its directory.
#   libfuzzer: build-libfuzzer (ASan+UBSan), libfuzzer-noasan: build-libfuzzer-noasan, afl: build-afl
vmex_build_engine() {
  local engine=$1 dir cc opts=()
  case "$engine" in
    libfuzzer) dir=build-libfuzzer cc=clang opts=(-DVMEX_ENGINE=libfuzzer) ;;
    libfuzzer-noasan) dir=build-libfuzzer-noasan cc=clang opts=(-DVMEX_ENGINE=libfuzzer -DVMEX_FUZZ_SANITIZE=OFF) ;;
    afl) dir=build-afl cc=afl-clang-fast opts=(-DVMEX_ENGINE=afl) ;;
  esac
  CC=$cc cmake -S . -B "$dir" "${opts[@]}" >/dev/null
  cmake --build "$dir" -j"$(nproc)" >/dev/null
  echo "$dir"
}

# Chromium, for screenshots of the nightly report (tests/nightly.sh).
vmex_install_chromium() {
  command -v chromium >/dev/null && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
}
