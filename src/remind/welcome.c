#include "welcome.h"

#include <stdio.h>
#include <string.h>

bool welcome_row(const struct store_reminder *r)
{
	return strcmp(r->activity, WELCOME_ACTIVITY) == 0;
}

int welcome_enqueue(const struct config *cfg, struct store *st, time_t at, size_t *added,
		    struct pz_error *err)
{
	if (!cfg->policy.welcome)
		return 0;
	for (size_t i = 0; i < cfg->n_offices; i++) {
		struct store_reminder row = {
			.milestone = 0, .slot = at, .next_attempt = at, .state = STORE_PENDING};
		snprintf(row.office, sizeof(row.office), "%s", cfg->offices[i].id);
		snprintf(row.activity, sizeof(row.activity), "%s", WELCOME_ACTIVITY);
		snprintf(row.stage, sizeof(row.stage), "%s", WELCOME_STAGE);
		bool settled, fresh = false;
		if (store_enqueue_settled_if_sent(st, &row, &settled, err) < 0 ||
		    (!settled && store_enqueue(st, &row, &fresh, err) < 0))
			return -1;
		*added += fresh;
	}
	return 0;
}
