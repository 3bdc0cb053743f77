-- 010: section_claim() takes the workflow's effects as parameters. The effects of each action
-- (a new revision on reopen; the submitter set on submit and cleared on reopen) are written
-- once, in the C transition table (app/domain/section_workflow.c); the function only applies
-- what it is told, under the row lock. p_action is kept for the LB409 message alone.
DROP FUNCTION section_claim(uuid, text, bigint, text, text, text, text);

-- p_submitter: 'set' (the actor submitted this revision), 'clear' (a new revision has no
-- submitter yet) or 'keep'.
CREATE FUNCTION section_claim(p_entry uuid, p_section text, p_etag bigint, p_actor text,
	p_from text, p_to text, p_action text, p_new_revision boolean, p_submitter text)
RETURNS entry_sections
LANGUAGE plpgsql AS $$
DECLARE
	s entry_sections;
BEGIN
	IF p_submitter NOT IN ('set', 'clear', 'keep') THEN
		RAISE EXCEPTION 'section_claim: p_submitter must be set, clear or keep, not %', p_submitter;
	END IF;
	UPDATE entry_sections SET
		etag = etag + 1,
		state = p_to,
		revision = CASE WHEN p_new_revision THEN revision + 1 ELSE revision END,
		submitted_by = CASE p_submitter WHEN 'set' THEN p_actor
		                                WHEN 'clear' THEN NULL ELSE submitted_by END,
		state_since = CASE WHEN p_from <> p_to THEN now() ELSE state_since END,
		updated_by = p_actor,
		updated_at = now()
	WHERE entry_id = p_entry AND section = p_section AND state = p_from
	  AND (p_etag IS NULL OR etag = p_etag)
	RETURNING * INTO s;
	IF NOT FOUND THEN
		SELECT * INTO s FROM entry_sections WHERE entry_id = p_entry AND section = p_section;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'no section % in entry %', p_section, p_entry USING ERRCODE = 'LB404';
		ELSIF p_etag IS NOT NULL AND s.etag <> p_etag THEN
			RAISE EXCEPTION 'the section changed since it was read; its ETag is now "%"', s.etag
				USING ERRCODE = 'LB412';
		ELSE
			RAISE EXCEPTION 'the section is %, so % is not possible', s.state, p_action
				USING ERRCODE = 'LB409';
		END IF;
	END IF;
	UPDATE entries SET updated_at = now() WHERE id = p_entry;
	RETURN s;
END
$$;
