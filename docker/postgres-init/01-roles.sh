#!/usr/bin/env bash
# Runs once, when the postgres container first starts on an empty volume
# (/docker-entrypoint-initdb.d). Makes the two roles the platform uses (docs/security.md,
# "Database roles: who may rewrite the audit log"):
#   clp_owner  owns the database and its tables; only migrations (bin/start-web) log in as it.
#   clp_app    web, worker and beat; given its table rights by `manage.py db_grant_app_role`
#              after each migrate: it may add to the audit log but not change or empty it.
# The superuser (POSTGRES_USER) is for this script and for maintenance by hand only.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" \
  -v owner="${CLP_OWNER_ROLE:-clp_owner}" -v owner_password="$CLP_OWNER_DB_PASSWORD" \
  -v app="${CLP_APP_ROLE:-clp_app}" -v app_password="$CLP_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";
SQL
