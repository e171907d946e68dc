-- Buildings whose address a text may name (domain.intake.pick_building decides): candidates by
-- the trigram index (similarity ≥ :floor), ranked by how much of the building's address the
-- text contains.
-- Returns: rows (id, address, score 0–1, lon, lat of the building's centroid), best first,
--          at most 5.
-- Binds: :q (the normalised address), :floor
SELECT b.id, b.address, word_similarity(b.address, :q) AS score,
       ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat
FROM building b
WHERE b.address % :q AND similarity(b.address, :q) >= :floor
ORDER BY word_similarity(b.address, :q) DESC, similarity(b.address, :q) DESC, b.id
LIMIT 5
