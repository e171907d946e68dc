#!/bin/sh
# Runs once in the postgis container when its volume is empty (docker-entrypoint-initdb.d):
# the owner role (migrations, loads; BYPASSRLS) and the app's role (row-level security holds).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v owner_pw="$ZONGZHI_OWNER_PASSWORD" -v app_pw="$ZONGZHI_APP_PASSWORD" <<'SQL'
CREATE ROLE zongzhi_owner LOGIN BYPASSRLS PASSWORD :'owner_pw';
CREATE ROLE zongzhi_app LOGIN PASSWORD :'app_pw';
ALTER DATABASE zongzhi OWNER TO zongzhi_owner;
CREATE EXTENSION IF NOT EXISTS postgis;
ALTER SCHEMA public OWNER TO zongzhi_owner;
GRANT CONNECT ON DATABASE zongzhi TO zongzhi_app;
SQL
