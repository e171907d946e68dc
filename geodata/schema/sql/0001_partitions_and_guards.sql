-- Parts of the schema that SQLAlchemy cannot declare: run by migration 0001, one statement
-- after each marker line.

-- statement
-- patrol_visit has a composite primary key (id, visited_at), so it gets its own sequence.
CREATE SEQUENCE IF NOT EXISTS patrol_visit_id_seq OWNED BY patrol_visit.id

-- statement
ALTER TABLE patrol_visit ALTER COLUMN id SET DEFAULT nextval('patrol_visit_id_seq')

-- statement
-- A default partition catches rows outside the monthly partitions so no visit is ever lost;
-- zongzhi_ensure_patrol_partitions() moves them into a month partition when it is created.
CREATE TABLE IF NOT EXISTS patrol_visit_default PARTITION OF patrol_visit DEFAULT

-- statement
CREATE OR REPLACE FUNCTION zongzhi_ensure_patrol_partitions(from_day date, to_day date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', from_day)::date;
    created integer := 0;
    part text;
BEGIN
    WHILE m <= to_day LOOP
        part := format('patrol_visit_%s', to_char(m, 'YYYYMM'));
        IF to_regclass(part) IS NULL THEN
            -- Rows already in the default partition for this month must move first,
            -- otherwise attaching the new partition fails.
            CREATE TEMP TABLE IF NOT EXISTS _pv_move (LIKE patrol_visit);
            EXECUTE format(
                'WITH moved AS (DELETE FROM patrol_visit_default '
                'WHERE visited_at >= %L AND visited_at < %L RETURNING *) '
                'INSERT INTO _pv_move SELECT * FROM moved', m, (m + interval '1 month')::date);
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF patrol_visit FOR VALUES FROM (%L) TO (%L)',
                part, m, (m + interval '1 month')::date);
            EXECUTE 'INSERT INTO patrol_visit SELECT * FROM _pv_move';
            DROP TABLE _pv_move;
            created := created + 1;
        END IF;
        m := (m + interval '1 month')::date;
    END LOOP;
    RETURN created;
END
$$

-- statement
-- Two years back and one ahead exist from the start; loaders call the function for their range.
SELECT zongzhi_ensure_patrol_partitions(
    (date_trunc('month', now()) - interval '24 months')::date,
    (date_trunc('month', now()) + interval '12 months')::date)

-- statement
CREATE OR REPLACE FUNCTION zongzhi_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$

-- statement
CREATE TRIGGER dispute_event_append_only
    BEFORE UPDATE OR DELETE ON dispute_event
    FOR EACH ROW EXECUTE FUNCTION zongzhi_refuse_change()

-- statement
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION zongzhi_refuse_change()
