#!/usr/bin/env bash
# Install the Debian packages zongzhi needs, when missing.
#   scripts/system-deps.sh demo   PostgreSQL + PostGIS (+ python3-venv)
#   scripts/system-deps.sh test   the above + Chromium, ChromeDriver and CJK fonts
# Installs only as root on Debian/Ubuntu; otherwise names what to install and exits 1.
set -euo pipefail
what="${1:-demo}"

missing=()
have_postgis() {
    compgen -G "/usr/share/postgresql/*/extension/postgis.control" >/dev/null &&
        compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}
if ! have_postgis; then
    # Pick the distribution's PostgreSQL major version (15 on Debian 12, 17 on Debian 13).
    pg_major=""
    if command -v apt-cache >/dev/null 2>&1; then
        pg_major=$(apt-cache depends postgresql 2>/dev/null | sed -n 's/.*Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n1)
    fi
    pg_major="${pg_major:-15}"
    missing+=(postgresql "postgresql-${pg_major}" "postgresql-${pg_major}-postgis-3")
fi
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
    missing+=(python3-venv)
fi
if [ "$what" = "test" ]; then
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
    fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts a default cluster on 5432; zongzhi runs its own, so that one is left alone.
    exit 0
fi
echo "zongzhi needs these system packages: ${missing[*]}" >&2
echo "install them with: sudo apt-get install -y ${missing[*]}  (or set ZONGZHI_DATABASE_URL to an existing PostGIS)" >&2
exit 1
