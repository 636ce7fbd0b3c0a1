-- On the PostgreSQL server, as the postgres superuser:
--   sudo -u postgres psql -v password="$(cat /root/sahel-watch-pg-password)" -f setup-database.sql
-- The daemons create and migrate their tables themselves (under an advisory lock: the first
-- one to start migrates, the other waits); they need to own the database, nothing more.
CREATE ROLE sahel_watch LOGIN PASSWORD :'password';
CREATE DATABASE sahel_watch OWNER sahel_watch ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE sahel_watch FROM PUBLIC;
-- pg_hba.conf, one line per sahel-watch server (scram-sha-256 password authentication):
--   host  sahel_watch  sahel_watch  10.0.0.11/32  scram-sha-256
--   host  sahel_watch  sahel_watch  10.0.0.12/32  scram-sha-256
