/* handlers.h — one function per route (see routes.c); each in app/handlers/<resource>.c.
 * Contract: reply and return 0, or set r->problem and return -1. */
#ifndef LOGBOOK_HANDLERS_H
#define LOGBOOK_HANDLERS_H

struct request;

int handle_healthz(struct request *r);
int handle_readyz(struct request *r);
int handle_openapi(struct request *r);
int handle_me(struct request *r);
int handle_login(struct request *r);
int handle_users_create(struct request *r);
int handle_users_list(struct request *r);
int handle_users_get(struct request *r);
int handle_users_patch(struct request *r);
int handle_templates_list(struct request *r);
int handle_templates_get(struct request *r);
int handle_templates_version_get(struct request *r);
int handle_templates_archive(struct request *r);
int handle_templates_create(struct request *r);
int handle_templates_draft(struct request *r);
int handle_templates_publish(struct request *r);
int handle_entries_create(struct request *r);
int handle_entries_get(struct request *r);
int handle_entries_list(struct request *r);
int handle_section_save(struct request *r);
int handle_section_transition(struct request *r);
int handle_section_history(struct request *r);
int handle_inbox(struct request *r);
int handle_audit_list(struct request *r);
int handle_audit_verify(struct request *r);
int handle_audit_export(struct request *r);
int handle_events(struct request *r);
int handle_events_stream(struct request *r);
int handle_metrics(struct request *r);

#endif
