#!/usr/bin/env bash
# Runs every test: installs the system programs the tests drive for real (the sqlite3 CLI, the
# mosquitto broker, Debian's chromium, util-linux's fincore, python3-fusepy for a FUSE file system whose
# fsync fails on demand, systemd's systemd-analyze) when missing, builds dist/, then runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
{ [ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1; } || need+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v fincore >/dev/null 2>&1 || need+=(util-linux-extra)
# systemd's unit checker, for the unit scripts/service.mjs prints
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
# Debian's own python (not one first on PATH) runs test/support/faulty-fs.py
/usr/bin/python3 -c "import fusepy" >/dev/null 2>&1 || need+=(python3-fusepy)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test: installing ${need[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "test: the tests need these Debian packages: ${need[*]}" >&2
    echo "      install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi

[ -d node_modules ] || npm install
npm run build

# The tests' temporary files go into one folder for this run, removed when it ends whatever
# happens. Each test file removes its own scratch folders as it ends (test/support/scratch.ts);
# anything still there after a passing run is a test that cleans up badly: named, and the run fails.
# PYDE1_STORE_KEEP_SCRATCH=1 keeps it all, for a look after a failure.
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/pyde1-store-tests.XXXXXX")
if [ "${PYDE1_STORE_KEEP_SCRATCH:-}" = 1 ]; then
  trap 'echo "test: scratch folders kept in $run_tmp" >&2' EXIT
else
  trap 'rm -rf "$run_tmp"' EXIT
fi
export TMPDIR="$run_tmp"

# ../shared is read-only input: a test that opened a fixture database with a native SQLite in place
# would leave or remove -wal/-shm files there. Its listing (names, sizes, times) must not change.
shared_listing() { if [ -d ../shared ]; then find ../shared -printf '%P %s %T@\n' | sort; fi; }
shared_before=$(shared_listing)

if [ $# -gt 0 ]; then
  npx vitest run "$@"
else
  npx vitest run
  # the long kill -9 and power-cut loops, alone so that their timing is not shared with the rest
  PYDE1_STORE_CRASH=1 npx vitest run
fi

if [ "$(shared_listing)" != "$shared_before" ]; then
  echo "test: the tests changed ../shared, which they must only read (open copies there, not the files):" >&2
  diff <(echo "$shared_before") <(shared_listing) | sed 's/^/  /' >&2
  exit 1
fi

if [ "${PYDE1_STORE_KEEP_SCRATCH:-}" != 1 ] && [ -n "$(ls -A "$run_tmp")" ]; then
  echo "test: the tests left these in their temp folder (removed now; fix the test that made them):" >&2
  ls -A "$run_tmp" | sed 's/^/  /' >&2
  exit 1
fi
