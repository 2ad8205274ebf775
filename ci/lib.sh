# ci/lib.sh - helpers shared by the ci/ scripts (sourced, not run).

# Install the Debian packages vmex needs, only those that are missing.
vmex_install_deps() {
  local want=(cmake make gcc clang libclang-rt-14-dev libcmocka-dev libjson-c-dev libsqlite3-dev pkg-config python3 libjemalloc-dev libmimalloc-dev strace libjavascriptcoregtk-4.1-dev)
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

# ---- campaign processes (issue "Hard to break", D13)
# Every long-running process a campaign starts (fuzzers, triage, the
# report) runs in a process group and session of its own (setsid), so a
# SIGINT from the terminal reaches the script alone, which stops them in
# order; and each carries the campaign's token in its environment
# (VMEX_CAMPAIGN=RUN/CELL/WORKER), which its children inherit.  AFL++'s
# forkserver puts the target in a session of its own, and a target in
# persistent mode stops itself (SIGSTOP) between executions: when afl-fuzz
# dies, that child is left stopped with no parent.  vmex_reap finds such
# processes by the token, so nothing a campaign started outlives it.

# vmex_spawn VAR TOKEN CMD...: start CMD in the background in its own
# session, with VMEX_CAMPAIGN=TOKEN and the fds 7-9 (the locks) closed;
# its pid (= its process group) in VAR.
vmex_spawn() {
  local -n _pid=$1
  local token=$2
  shift 2
  VMEX_CAMPAIGN=$token setsid "$@" 7>&- 8>&- 9>&- &
  _pid=$!
}

# vmex_reap PATTERN: SIGCONT+SIGKILL every process of this user whose
# VMEX_CAMPAIGN matches PATTERN (a grep -E pattern anchored at the start
# of the value: "RUN/" is a whole run, "RUN/CELL/" a cell); prints how many.
vmex_reap() {
  local f p n=0 pat=${1//./\\.}
  for f in $(grep -lsEz "^VMEX_CAMPAIGN=$pat" /proc/[0-9]*/environ 2>/dev/null); do
    p=${f#/proc/}; p=${p%/environ}
    [ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] && continue
    kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null && n=$((n + 1))
  done
  echo "$n"
}

# vmex_stop PID [GRACE]: stop the process group PID (started by vmex_spawn):
# SIGTERM (and SIGCONT, for stopped members), up to GRACE seconds (default
# 3) for it to end, then SIGKILL; the leader is reaped.
vmex_stop() {
  local pid=$1 grace=${2:-3} i
  kill -TERM -- "-$pid" 2>/dev/null
  kill -CONT -- "-$pid" 2>/dev/null
  for ((i = 0; i < grace * 10; i++)); do
    ps -o stat= -g "$pid" 2>/dev/null | grep -qv '^Z' || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# vmex_shielded TOKEN CMD...: run CMD to its end in its own session (a
# SIGINT or SIGTERM the script traps does not reach it: the triage and
# the report of an interrupted run still finish, D2); its exit status.
vmex_shielded() {
  local pid rc
  vmex_spawn pid "$@"
  while :; do
    wait "$pid"; rc=$?
    kill -0 "$pid" 2>/dev/null || break   # a trap ended the wait, not the command
  done
  return "$rc"
}

# ---- locks (D14)
# vmex_lock FD FILE WHAT: take an exclusive lock on FILE (made if needed)
# through file descriptor FD (7, 8 or 9; vmex_spawn closes them in what it
# starts) for as long as this shell lives, and write who holds it; or fail
# with vmex_lock_error saying who holds it.  Call it in the script's own
# shell (not in $(...)): the lock lives as long as the descriptor.
vmex_lock() {
  local fd=$1 file=$2 what=$3
  vmex_lock_error=""
  if ! eval "exec $fd>>\"\$file\"" 2>/dev/null; then
    vmex_lock_error="cannot open the lock file '$file'"
    return 1
  fi
  if ! flock -n "$fd"; then
    vmex_lock_error="'$(dirname "$file")' is in use by another $what ($(head -c 200 "$file" 2>/dev/null | tr -d '\n' || echo '?')); wait for it to end, or use another folder"
    eval "exec $fd>&-"
    return 1
  fi
  printf 'pid %s, started %s\n' "$$" "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" > "$file"
}
