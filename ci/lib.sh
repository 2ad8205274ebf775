# ci/lib.sh - helpers shared by the ci/ scripts (sourced, not run).

# Install the Debian packages vmex needs, only those that are missing.
vmex_install_deps() {
  local want=(cmake make gcc clang libclang-rt-14-dev libcmocka-dev pkg-config afl++)
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
