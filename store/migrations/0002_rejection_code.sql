-- The kind of refusal (errcode: invalid, not_found, conflict, …) that rejection notices carry
-- since they gained a code, so an after-action query can count refusals by kind. Older notices
-- have none.
ALTER TABLE rejections ADD COLUMN code text;
CREATE INDEX rejections_code ON rejections (town, code);
