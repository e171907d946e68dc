-- One etl_batch row; its check constraint enforces read = inserted + updated + unchanged +
-- quarantined.
-- Returns: the new batch's id.
-- Binds: :kind, :src (source file), :sha (its SHA-256), :opts (options, JSON text), :status,
-- :read, :ins, :upd, :unch, :quar (row counts)
INSERT INTO etl_batch (kind, source_file, source_sha256, options, status,
                       finished_at, rows_read, rows_inserted, rows_updated, rows_unchanged,
                       rows_quarantined)
VALUES (:kind, :src, :sha, CAST(:opts AS jsonb), :status,
        now(), :read, :ins, :upd, :unch, :quar)
RETURNING id
