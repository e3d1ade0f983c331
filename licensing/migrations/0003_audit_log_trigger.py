"""On PostgreSQL, a trigger makes the action log append-only below the ORM (design.md principle 5).

``UPDATE`` and ``DELETE`` of a row and ``TRUNCATE`` of the table raise, whoever sends them. The one
exception is ``TRUNCATE`` in a session that set ``xuke.allow_audit_truncate = 'on'``: Django's test
runner empties every table with ``TRUNCATE`` between transactional tests, and the test suite sets
that variable (``tests/conftest.py``); nothing else does. Whoever owns the table can still drop
the trigger — the hash chain and the published daily digests are what detect that kind of
tampering. SQLite has no such trigger: there the ORM guard and the hash chain protect the log.
"""

from django.db import migrations

TABLE = "licensing_actionlogentry"

CREATE = f"""
CREATE OR REPLACE FUNCTION xuke_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('xuke.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the action log is append-only: % on % refused (design principle 5)', TG_OP, TG_TABLE_NAME
        USING HINT = 'Record a new entry instead; entries are never changed or removed.';
END
$$;
CREATE TRIGGER xuke_audit_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION xuke_audit_refuse_change();
CREATE TRIGGER xuke_audit_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION xuke_audit_refuse_change();
"""

DROP = f"""
DROP TRIGGER IF EXISTS xuke_audit_no_truncate ON {TABLE};
DROP TRIGGER IF EXISTS xuke_audit_no_update_delete ON {TABLE};
DROP FUNCTION IF EXISTS xuke_audit_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0002_audit_log"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
