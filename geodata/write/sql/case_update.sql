-- A decided transition written to the case, guarded by its version (optimistic concurrency:
-- a concurrent writer who got there first leaves this update with no row).
-- Returns: zero or one row (the new version).
-- Binds: :id, :version (the version the decision was made on), :status and one bind per
--        changed column
-- Fills: {sets} ", column = :column" for each changed column (names from a whitelist)
UPDATE dispute
   SET status = :status, version = version + 1{sets}
 WHERE id = :id AND version = :version
RETURNING version
