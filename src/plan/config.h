/* config.h - the INI configuration: plan location, office directory, groups.
 *
 * Parsed with inih through a line-counting reader (Debian's libinih 55 passes no line
 * numbers), dispatched through a table of {section, key, parser}. Every problem becomes a
 * diagnostic "plazo.ini:LINE: error[config-...]" and parsing goes on, so `plazo check` shows
 * them all at once. Sections: [plazo], [plan], [office ID] (one per office) and [group ID]
 * (a name such as "de cada dependencia" that stands for several offices).
 *
 * (Longer than 80 lines: struct config is plain data every module reads; its fields are
 * documented here, where the rule table in config.c fills them.)
 */
#ifndef PLAZO_CONFIG_H
#define PLAZO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "calendar.h"
#include "diag.h"
#include "error.h"
#include "table.h"

struct config_list {
	char **items; /* owned strings */
	size_t len;
	size_t cap;
};

struct config_office {
	char *id;                  /* [office ID]: lower case letters, digits, '-' */
	char *name;                /* display name, also matched in responsible cells */
	struct config_list aliases; /* other spellings matched in responsible cells */
	struct config_list emails; /* recipients of the digest */
	char *manager;             /* Cc address, or NULL */
	char *timezone;            /* IANA zone; defaults to [plan] timezone */
	struct workdays workdays;  /* [plan]'s, with the office's own weekdays and exceptions */
	bool weekdays_set;         /* the office set `workdays` itself */
	unsigned line;             /* line of the section header */
};

struct config_group {
	char *id;
	char *name;
	struct config_list aliases;
	struct config_list members; /* office ids, or the single item "*" for every office */
	size_t *member_index;       /* resolved by validation: indices into offices */
	size_t n_members;
	unsigned line;
};

/* The longest [office ID]/[group ID]: the state keeps ids in fixed-size fields. */
#define CONFIG_ID_MAX 63

#define CONFIG_MAX_LEADS 8
#define CONFIG_MAX_OVERDUE 52

/* A lead time before a due date: 15d (calendar days) or 3wd (working days). */
struct config_lead {
	unsigned n;
	bool working;
};

/* [reminders]: when reminders go out. */
struct config_policy {
	struct config_lead leads[CONFIG_MAX_LEADS]; /* default 15d, 3wd */
	size_t n_leads;
	bool due_day;           /* remind on the due day (default yes) */
	unsigned overdue_every; /* days between overdue reminders (default 7; 0 = none) */
	unsigned overdue_max;   /* at most this many (default 4) */
	int send_minute;        /* local send time, minutes after midnight (default 08:00) */
	bool working_days_only; /* send on working days only (default yes) */
	bool announce_start;    /* announce a range's start (default yes) */
	bool welcome;           /* one welcome digest per new office (default yes) */
};

/* [mail] and [smtp]: how digests leave. With no [smtp] url they go into a Maildir per
 * office under maildir. */
struct config_mail {
	char *from;           /* envelope and From address ("plazo@localhost") */
	char *from_name;      /* From display name ("Plazos") */
	char *maildir;        /* used when smtp_url is NULL (state_dir/maildir) */
	unsigned retry_for;   /* seconds a temporary failure is retried (2 days) */
	char *smtp_url;       /* smtp://host:587 or smtps://host:465, or NULL */
	int smtp_tls;         /* enum smtp_tls: 0 required, 1 opportunistic, 2 off */
	char *smtp_user;
	char *smtp_password_file; /* resolved against the config's folder */
	char *smtp_ca_file;
	unsigned smtp_timeout;    /* seconds per message (60) */
};

/* [http] and [feeds]: where feeds and pages are served, and what the feeds hold. */
struct config_http {
	char *address;            /* "127.0.0.1" (listen = ADDRESS:PORT, [v6]:PORT) */
	unsigned port;            /* 8080 */
	unsigned connection_limit; /* 256 */
	unsigned timeout;         /* seconds an idle client may keep a connection (15) */
	bool metrics_loopback_only; /* deprecated: accepted, no effect (metrics_listen) */
	char *metrics_address;    /* metrics_listen's address ("127.0.0.1"); NULL: off */
	unsigned metrics_port;    /* its port (default: port + 1; 0 when port is 0) */
	bool metrics_set;         /* metrics_listen was given */
	unsigned per_client_limit; /* connections per client address (32) */
	unsigned connection_reserve; /* slots waiting connections cannot take (32) */
	unsigned header_timeout;  /* seconds a request's headers may take (10) */
	char *trusted_proxies;    /* "127.0.0.1 10.0.0.0/8": reverse proxies, or NULL */
	char *origins;            /* "http://localhost:8080 http://plazo": origins the page's
				   * forms may come from besides base_url's (origin.h), or NULL */
	unsigned past_days;       /* feeds keep milestones due at most this long ago (365) */
	unsigned refresh_minutes; /* refresh hint in the feeds (360) */
	unsigned undo_for;        /* seconds a "delivered" mark can be undone on the page (7d) */
	unsigned long long cache; /* bytes of rendered feeds and pages kept (64M) */
};

/* [columns] and [columns NAME]: header cells mapped to roles, for headers plazo does not
 * know by itself ("due = FECHA MÁXIMA DE EJECUCIÓN"). NAME is the table they apply to (the
 * plan file's name, with or without its extension); [columns] applies to every table. */
struct config_column {
	enum table_field field;
	char *header;  /* the header cell as written */
	unsigned line; /* its line in the config, for diagnostics */
};

struct config_columns {
	char *table;   /* NULL: every table */
	struct config_column *items;
	size_t n, cap;
	unsigned line; /* of the section header */
};

/* [escalation]: a supervising office's weekly digest of everything long overdue. */
struct config_escalation {
	char *office;       /* id of the supervising office; NULL: no escalation */
	long office_index;  /* resolved by validation, -1 when none */
	struct config_lead after; /* late at least this long (default 5wd) */
	int weekday;        /* 0 = Monday (default) */
};

struct config {
	char *path;      /* the file as given */
	char *dir;       /* its folder, for relative paths */
	char *plan_file; /* [plan] file, resolved against dir; NULL when unset: the first */
	struct config_list plan_files; /* every [plan] file line, in order (plan_load_files) */
	char *timezone;  /* [plan] timezone: default zone of offices ("America/Bogota") */
	unsigned long long plan_max_size; /* [plan] max_size in bytes (default 1 GiB) */
	char *state_dir; /* [plazo] state_dir ("/var/lib/plazo") */
	char *base_url;  /* [plazo] base_url ("http://127.0.0.1:8080") */
	struct workdays workdays;     /* [plan] workdays, holidays, closed, open */
	struct config_policy policy;  /* [reminders] */
	struct config_mail mail;      /* [mail], [smtp] */
	struct config_http http;      /* [http], [feeds] */
	struct config_escalation escalation; /* [escalation] */
	struct config_office *offices;
	size_t n_offices;
	size_t cap_offices;
	struct config_group *groups;
	size_t n_groups;
	size_t cap_groups;
	struct config_columns *columns; /* [columns] sections, in file order */
	size_t n_columns, cap_columns;
};

void config_init(struct config *cfg);
void config_finish(struct config *cfg);

/* Reads and validates path. Problems in the file are diagnostics (severity error);
 * returns -1 with err filled only when the file cannot be read at all (PZ_EIO). */
int config_load(struct config *cfg, const char *path, struct diag_list *diags,
		struct pz_error *err);
/* The same from an open stream; path names it in diagnostics and anchors relative paths. */
int config_read(struct config *cfg, const char *path, FILE *f, struct diag_list *diags,
		struct pz_error *err);

/* The [columns] mappings that apply to the table at path, as table_load_mapped takes them
 * (*maps allocated, pointing into cfg; free it); lines[i] is each one's config line. */
size_t config_columns_for(const struct config *cfg, const char *path,
			  struct table_mapping **maps, unsigned **lines);

/* Index of the office with that id, or -1. */
long config_find_office(const struct config *cfg, const char *id);

/* Resolves path against the config's folder; returns an owned string. */
char *config_resolve_path(const struct config *cfg, const char *path);

/* The i-th key of the rule table (false past the last one): for the documentation test
 * and for tools that list the keys. */
struct config_key_info {
	const char *section;  /* "plan", "office", ... */
	const char *key;      /* "file" */
	const char *def;      /* the default as written in the file, or NULL */
	bool deprecated;      /* kept only so old files load; check warns */
};
bool config_key_info(size_t i, struct config_key_info *out);

#endif
