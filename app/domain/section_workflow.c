/* section_workflow.c — the transition table; see section_workflow.h. */
#include "logbook/domain/section_workflow.h"

#include <ctype.h>
#include <string.h>

#include "logbook/auth/roles.h"

static const char *const state_names[STATE_COUNT] = {
	"draft",
	"submitted",
	"in_review",
	"approved",
	"rejected",
};

/* Reading this table is reading the workflow. */
static const struct {
	enum tpl_action    action;
	enum section_state from, to;
	bool               reviewing; /* separation of duties applies */
	bool               new_revision;
} transitions[] = {
	{ TPL_ACTION_SUBMIT, STATE_DRAFT, STATE_SUBMITTED, false, false },
	{ TPL_ACTION_START_REVIEW, STATE_SUBMITTED, STATE_IN_REVIEW, true, false },
	{ TPL_ACTION_APPROVE, STATE_IN_REVIEW, STATE_APPROVED, true, false },
	{ TPL_ACTION_REJECT, STATE_IN_REVIEW, STATE_REJECTED, true, false },
	{ TPL_ACTION_REOPEN, STATE_REJECTED, STATE_DRAFT, false, true },
};

int
section_state_from_name(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < STATE_COUNT; i++)
		if (strcmp(name, state_names[i]) == 0)
			return i;
	return -1;
}

const char *
section_state_name(enum section_state s)
{
	return (unsigned)s < STATE_COUNT ? state_names[s] : NULL;
}

static bool
blank(const char *s)
{
	if (s == NULL)
		return true;
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

struct wf_decision
wf_decide(const unsigned workflow[TPL_ACTION_COUNT], unsigned user_roles, bool is_submitter,
    enum section_state from, int action, const char *comment)
{
	struct wf_decision d = { .verdict = WF_OK };
	size_t             i;

	if (action < 0 || action >= TPL_ACTION_COUNT) {
		d.verdict = WF_UNKNOWN_ACTION;
		return d;
	}
	if ((user_roles & (workflow[action] | ROLE_ADMIN)) == 0) {
		d.verdict = WF_FORBIDDEN_ROLE;
		return d;
	}
	for (i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		if (transitions[i].action == (enum tpl_action)action && transitions[i].from == from)
			break;
	if (i == sizeof(transitions) / sizeof(transitions[0])) {
		d.verdict = WF_INVALID_STATE;
		return d;
	}
	if (transitions[i].reviewing && is_submitter) {
		d.verdict = WF_SAME_PERSON;
		return d;
	}
	if (action == TPL_ACTION_REJECT && blank(comment)) {
		d.verdict = WF_COMMENT_REQUIRED;
		return d;
	}
	d.to = transitions[i].to;
	d.new_revision = transitions[i].new_revision;
	return d;
}
