#!/usr/bin/env bash
# Install the Debian packages zongzhi needs, when missing.
#   scripts/system-deps.sh demo   PostgreSQL + PostGIS (+ python3-venv), Pango and CJK fonts (PDF)
#   scripts/system-deps.sh test   the above + Chromium, ChromeDriver, redis-server, poppler-utils
#                                 and gdal-bin (the report tests open the files with pdftoppm,
#                                 pdffonts, pdftotext and ogrinfo)
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
# PDF reports: WeasyPrint draws text with Pango; the report's Chinese is set in Noto Sans CJK.
compgen -G "/usr/lib/*/libpango-1.0.so.0" >/dev/null || missing+=(libpango-1.0-0)
compgen -G "/usr/lib/*/libpangoft2-1.0.so.0" >/dev/null || missing+=(libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)  # no -q: pipefail
if [ "$what" = "test" ]; then
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
    # The shared-cache tests start their own Redis server on a free port.
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    # The report tests check the PDF with Poppler's own tools and the GeoPackage with GDAL's.
    { command -v pdftoppm && command -v pdffonts && command -v pdftotext; } >/dev/null 2>&1 ||
        missing+=(poppler-utils)
    command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
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
