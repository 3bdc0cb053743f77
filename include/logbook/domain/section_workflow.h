/* section_workflow.h — the section state machine of API.md, as one table.
 *
 *   draft --submit--> submitted --start_review--> in_review --approve--> approved (final)
 *                                                  in_review --reject--> rejected
 *   rejected --reopen--> draft (revision n+1)
 *
 * Who may take an action comes from the template's workflow map (role bits per action);
 * admin passes every role check but never separation of duties: the user who submitted a
 * revision may not start_review, approve or reject it. */
#ifndef LOGBOOK_DOMAIN_SECTION_WORKFLOW_H
#define LOGBOOK_DOMAIN_SECTION_WORKFLOW_H

#include <stdbool.h>

#include "logbook/domain/template_def.h"

enum section_state {
	STATE_DRAFT,
	STATE_SUBMITTED,
	STATE_IN_REVIEW,
	STATE_APPROVED,
	STATE_REJECTED,
	STATE_COUNT
};

enum wf_verdict {
	WF_OK,
	WF_UNKNOWN_ACTION,   /* 422 */
	WF_FORBIDDEN_ROLE,   /* 403 */
	WF_INVALID_STATE,    /* 409 */
	WF_SAME_PERSON,      /* 403: separation of duties */
	WF_COMMENT_REQUIRED, /* 422: reject without a comment */
};

struct wf_decision {
	enum wf_verdict    verdict;
	enum section_state to;           /* when WF_OK */
	bool               new_revision; /* reopen */
};

/* Names <-> enums; -1 for an unknown name (actions: tpl_action_from_name, template_def.h). */
int         section_state_from_name(const char *name);
const char *section_state_name(enum section_state s);

/* Decides whether a user (role bits of logbook/roles.h, is_submitter: the user submitted the
 * current revision) may take action on a section in state from, under workflow (the role
 * bits per action of the template). comment may be NULL. The checks run in a fixed order —
 * action known, role, state, separation of duties, comment — so each combination has exactly
 * one answer. */
struct wf_decision wf_decide(const unsigned workflow[TPL_ACTION_COUNT], unsigned user_roles,
    bool is_submitter, enum section_state from, int action, const char *comment);

#endif
