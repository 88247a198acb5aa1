#!/usr/bin/env bash
# System tools the test suite uses: Debian's chromium (browser tests through Playwright),
# gettext's msgfmt (translation catalogs), pgbouncer (the session-pooling isolation test),
# pgbackrest with PostgreSQL 15's server binaries (the platform backup drill; pgBackRest 2.45 knows
# PostgreSQL up to 15) and Prometheus's promtool (the alert rules' tests).
# Installs whatever is missing when run as root.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || missing+=(pgbouncer)
command -v pgbackrest >/dev/null 2>&1 || missing+=(pgbackrest)
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} for the test suite..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "Missing: ${missing[*]}. Install with 'sudo apt-get install ${missing[*]}'." >&2
exit 1
