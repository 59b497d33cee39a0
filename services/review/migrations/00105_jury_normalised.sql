-- +goose Up
-- The jury of a call is kept as domain.Jury gives it (trimmed, without duplicates or empty
-- names, sorted), as AssignReviewers now writes it: rows written before are brought to that form
-- (ASCII white space trimmed; the applications service refuses a name with any around it).
UPDATE calls SET reviewers = ARRAY(
    SELECT DISTINCT btrim(r, E' \t\n\r\f\v') COLLATE "C" FROM unnest(reviewers) AS r
    WHERE btrim(r, E' \t\n\r\f\v') <> '' ORDER BY 1);

-- +goose Down
SELECT 1;
