#!/bin/bash -eu
# ci/oss-fuzz/build.sh - the OSS-Fuzz / ClusterFuzz build of every target in
# targets/targets.txt, by the OSS-Fuzz conventions: compiled with $CC $CFLAGS,
# linked with $CXX $CXXFLAGS $LIB_FUZZING_ENGINE, written to $OUT with
#   <target>_seed_corpus.zip  from corpora/<target>/
#   <target>.options          libFuzzer options ([libfuzzer] section)
#   <target>.dict             from corpora/<target>.dict, where one exists
# The source tree is the directory above ci/, else $SRC/vmex (the OSS-Fuzz
# image, where this script is $SRC/build.sh), else the working directory.  Needs python3 (for the zips) besides the compilers.
#
# fuzz_xnu's environment has built-in defaults that suit ClusterFuzz:
# VMEX_PROFILE unset = the input's header, else ios16-3gb; VMEX_HUNT unset =
# the default (`vmex hunt --default`); no VMEX_FINDINGS_DIR = crash mode
# (VMEX_FINDINGS=crash, targets/hunter.c): a hunted finding aborts, its
# report carrying "ASSERTION FAILED: vmex finding <signature>", which
# ClusterFuzz's stack analyzer takes for the crash state, so it files each
# signature as a bug of its own (README "ClusterFuzz / OSS-Fuzz").
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# copied to $SRC/build.sh by the OSS-Fuzz Dockerfile: the tree is $SRC/vmex
[ -f "$src/targets/targets.txt" ] || src=${SRC:-}/vmex
[ -f "$src/targets/targets.txt" ] || src=$PWD
[ -f "$src/targets/targets.txt" ] || { echo "build.sh: cannot find the vmex tree" >&2; exit 1; }
source "$src/ci/lib.sh"
: "${CC:?} ${CFLAGS?} ${LIB_FUZZING_ENGINE:?} ${OUT:?}"
CXX=${CXX:-clang++}
CXXFLAGS=${CXXFLAGS:-$CFLAGS}
WORK=${WORK:-$(mktemp -d)}
obj=$WORK/vmex-obj
rm -rf "$obj"
mkdir -p "$obj" "$OUT"
common=(-std=c11 -D_GNU_SOURCE -I"$src/harness/include" -I"$src/harness" -I"$src/targets")

# the library: the rooms of harness/ but the command (cli/); the executor
# and the recorder are programs of their own, one folder deeper
lib=()
for f in "$src"/harness/*/*.c; do
  case "$f" in */harness/cli/*|*/harness/store/*) continue ;; esac   # store: SQLite, the command's
  o=$obj/$(basename "$f" .c).o
  # shellcheck disable=SC2086
  $CC $CFLAGS "${common[@]}" -c "$f" -o "$o"
  lib+=("$o")
done
ar rcs "$obj/libvmexcore.a" "${lib[@]}"
# shellcheck disable=SC2086
$CC $CFLAGS "${common[@]}" -c "$src/targets/report_finding.c" -o "$obj/report_finding.o"

# the hunters share the engine glue in hunter.c
# shellcheck disable=SC2086
$CC $CFLAGS "${common[@]}" -DVMEX_LIBFUZZER=1 -c "$src/targets/hunter.c" -o "$obj/hunter.o"

# the executors of target linux, next to the targets in $OUT: never
# sanitized or instrumented (ASan needs the 16 TiB an executor fills), so
# built with the plain flags; the allocator ones where the library is there,
# linked statically where it can be (the runner image has no libjemalloc)
xflags=(-O2 -g -std=gnu11 -D_GNU_SOURCE -I"$src/harness/include" -I"$src/harness")
xsrc=("$src/harness/real/exec/executor.c" "$src/harness/real/exec/window.c")   # window.c: what every executor shares
cc "${xflags[@]}" -o "$OUT/vmex-exec" "${xsrc[@]}"
for a in jemalloc mimalloc; do
  u=$(echo "$a" | tr a-z A-Z)
  for l in "-l:lib$a.a -lpthread -ldl -lm" "-l$a"; do
    # shellcheck disable=SC2086
    if cc "${xflags[@]}" -DVMEX_EXEC_"$u" -o "$OUT/vmex-exec-$a" "${xsrc[@]}" $l 2>/dev/null; then
      echo "built $OUT/vmex-exec-$a ($l)"
      break
    fi
  done
done
# target jsc's executor where JavaScriptCore's development files are (fuzz_jsc
# skips, exit 77, where it cannot start)
if pkg-config --exists javascriptcoregtk-4.1 2>/dev/null; then
  # shellcheck disable=SC2046
  cc "${xflags[@]}" $(pkg-config --cflags javascriptcoregtk-4.1) -o "$OUT/vmex-exec-jsc" \
    "$src/harness/real/exec/jsc_executor.c" "$src/harness/real/exec/window.c" \
    $(pkg-config --libs javascriptcoregtk-4.1) && echo "built $OUT/vmex-exec-jsc"
fi

# each target from its row of targets/targets.txt, as CMakeLists.txt builds it:
# a hunter is hunter.c + hunter_this.c with the row as compile definitions,
# any other targets/NAME.c (the rows come on fd 3: stdin stays the loop body's)
while read -r t backend input hunts <&3; do
  defs=(-DVMEX_FUZZ_TARGET_TEXT=$([ "$input" != program ] && echo 1 || echo 0))
  unit=$src/targets/$t.c glue=()
  if [ "$hunts" != - ]; then
    unit=$src/targets/hunter_this.c glue=("$obj/hunter.o")
    defs+=(-DVMEX_FUZZ_TARGET_NAME="\"$t\"" -DVMEX_FUZZ_TARGET_BACKEND="VMEX_TARGET_$(echo "$backend" | tr a-z- A-Z_)"
           -DVMEX_FUZZ_TARGET_DIFF=$([ "$hunts" = diverge ] && echo 1 || echo 0))
  fi
  # shellcheck disable=SC2086
  $CC $CFLAGS "${common[@]}" -DVMEX_LIBFUZZER=1 "${defs[@]}" -c "$unit" -o "$obj/$t.o"
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS $LIB_FUZZING_ENGINE "$obj/$t.o" "${glue[@]}" "$obj/report_finding.o" "$obj/libvmexcore.a" -lm \
    $(pkg-config --libs json-c 2>/dev/null || echo -ljson-c) -o "$OUT/$t"
  if [ -d "$src/corpora/$t" ]; then
    python3 - "$src/corpora/$t" "$OUT/${t}_seed_corpus.zip" <<'PY'
import os, sys, zipfile
d, z = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(z + ".tmp", "w", zipfile.ZIP_DEFLATED) as f:
    for n in sorted(os.listdir(d)):
        p = os.path.join(d, n)
        if os.path.isfile(p) and not n.startswith("."):
            f.write(p, n)
os.replace(z + ".tmp", z)
PY
  fi
  opts="[libfuzzer]
timeout = 25"
  if [ -f "$src/corpora/$t.dict" ]; then
    cp "$src/corpora/$t.dict" "$OUT/$t.dict"
    opts+="
dict = $t.dict"
  fi
  printf '%s\n' "$opts" > "$OUT/$t.options"
  echo "built $OUT/$t"
done 3< <(vmex_target_rows "$src")
