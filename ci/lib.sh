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

# The fuzz targets are targets/targets.txt; the scripts ask the command for
# them (`vmex targets`) and for the default hunts (`vmex hunt --default`).
#
# vmex_target_row VMEX T: sets t_backend, t_input and t_hunts from T's row
# (`vmex targets T`); fails, with vmex's error naming the targets, for an
# unknown T.
vmex_target_row() {
  local row
  row=$("$1" targets "$2") || return 1
  read -r _ t_backend t_input t_hunts _ <<< "$row"
}

# vmex_default_hunt VMEX T: the hunt policy T runs when none is given (the
# plain default for a target that hunts nothing: it never reads one).
vmex_default_hunt() {
  local hunts
  read -r _ _ _ hunts _ <<< "$("$1" targets "$2")"
  case "$hunts" in
    -) "$1" hunt --default ;;
    ?*) "$1" hunt --default --for "$2" ;;
    *) return 1 ;;
  esac
}

# vmex_target_rows [ROOT]: "NAME BACKEND INPUT HUNTS" a line, read from
# ROOT/targets/targets.txt (default .), for what runs without a vmex
# command: ci/oss-fuzz/build.sh and the engine tests.
vmex_target_rows() {
  awk '!/^[ \t]*(#|$)/ {print $1, $2, $3, $4}' "${1:-.}/targets/targets.txt"
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

# Chromium, for screenshots of the nightly report (tests/e2e/nightly.sh).
vmex_install_chromium() {
  command -v chromium >/dev/null && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
}
