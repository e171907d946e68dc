-- The days the due times of the cases {cases} can need: from the first 交办 to the last, plus
-- the longest time limit any of them was given.
-- Returns: one row (first 交办 date, last 交办 date, the longest limit in working days), all
-- NULL without a 交办.
-- Binds: :tz (the centre's time zone)
-- Fills: {cases} a fixed SELECT of the case ids to derive
SELECT min((e.at AT TIME ZONE :tz)::date), max((e.at AT TIME ZONE :tz)::date),
       max(coalesce((e.detail ->> 'limit_days')::int, t.time_limit_days))
FROM dispute_event e
JOIN dispute d ON d.id = e.dispute_id
JOIN dispute_type t ON t.code = d.type_code
WHERE e.action = 'assign' AND e.dispute_id IN ({cases})
