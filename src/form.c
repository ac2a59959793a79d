#include "form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "done.h"

static bool same_token(const char *a, const char *b)
{
	unsigned char diff = 0;
	size_t n = strlen(b);
	if (strlen(a) != n || n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static void fail(struct http_form_reply *r, unsigned status, const char *message)
{
	r->status = status;
	snprintf(r->message, sizeof(r->message), "%s", message);
}

static const struct form_office *find_office(const struct form_ctx *c, const char *token)
{
	for (size_t i = 0; i < c->n_offices; i++)
		if (same_token(token, c->offices[i].token))
			return &c->offices[i];
	return NULL;
}

/* The activity an item names, among those of the office, and its milestone. */
static bool find_item(const struct form_ctx *c, size_t office, const char *item, size_t *a,
		      size_t *m)
{
	char key[PLAN_KEY_SIZE];
	unsigned k;
	if (!plan_item_parse(item, key, &k))
		return false;
	long i = plan_find_key(c->p, key);
	if (i < 0 || k > c->p->activities[i].milestone_count)
		return false;
	const struct activity *act = &c->p->activities[i];
	for (size_t o = 0; o < act->office_count; o++) {
		if (c->p->office_refs[act->office_first + o] == office) {
			*a = (size_t)i;
			*m = act->milestone_first + k - 1;
			return true;
		}
	}
	return false;
}

static bool web_link(const char *s)
{
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '<' || *p == '>')
			return false;
	return true;
}

/* Trims white space and control characters in place. */
static char *trim(char *s)
{
	while (*s && (unsigned char)*s <= ' ')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (unsigned char)s[n - 1] <= ' ')
		s[--n] = '\0';
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < ' ')
			*p = ' ';
	return s;
}

static bool mark(const struct form_ctx *c, struct store_delivery *d, const struct http_form *f,
		 struct http_form_reply *r)
{
	char name[sizeof(f->name)], evidence[sizeof(f->evidence)];
	snprintf(name, sizeof(name), "%s", f->name);
	snprintf(evidence, sizeof(evidence), "%s", f->evidence);
	const char *who = trim(name), *link = trim(evidence);
	if (*who == '\0') {
		fail(r, 400, "Escriba su nombre para marcar la entrega.");
		return false;
	}
	if (*link != '\0' && !web_link(link)) {
		fail(r, 400, "El enlace a la evidencia debe empezar por https:// o http://.");
		return false;
	}
	snprintf(d->by_name, sizeof(d->by_name), "%s", who);
	snprintf(d->evidence, sizeof(d->evidence), "%s", link);
	d->at = (long long)c->now;
	struct pz_error err;
	if (store_mark_delivered(c->st, d, &err) < 0) {
		fail(r, 503, "No se pudo guardar; intente de nuevo en un momento.");
		return false;
	}
	return true;
}

static bool undo(const struct form_ctx *c, const struct store_delivery *key,
		 struct http_form_reply *r)
{
	struct done_set done;
	struct pz_error err;
	if (done_load(&done, c->st, &err) < 0) {
		fail(r, 503, "No se pudo leer el estado; intente de nuevo en un momento.");
		return false;
	}
	const struct store_delivery *d = NULL;
	for (size_t i = 0; i < done.n && d == NULL; i++)
		if (strcmp(done.items[i].office, key->office) == 0 &&
		    strcmp(done.items[i].activity, key->activity) == 0 &&
		    done.items[i].milestone == key->milestone &&
		    strcmp(done.items[i].due, key->due) == 0)
			d = &done.items[i];
	bool marked = d != NULL;
	bool too_late = marked && c->now - (time_t)d->at > (time_t)c->cfg->http.undo_for;
	done_finish(&done);
	bool found = false;
	if (!marked || too_late) {
		fail(r, 409, !marked ? "Esta entrega no estaba marcada."
				     : "Ya pasó el plazo para deshacer esta marca.");
		return false;
	}
	if (store_undo_delivered(c->st, key, c->now, &found, &err) < 0) {
		fail(r, 503, "No se pudo guardar; intente de nuevo en un momento.");
		return false;
	}
	if (!found)
		fail(r, 409, "Esta entrega no estaba marcada.");
	return found;
}

bool form_handle(const struct form_ctx *c, const char *token, const char *action,
		 const struct http_form *f, struct http_form_reply *reply)
{
	const struct form_office *fo = find_office(c, token);
	size_t a, m;
	if (fo == NULL) {
		fail(reply, 404, "No encontrado.");
		return false;
	}
	if (!same_token(f->csrf, fo->csrf)) {
		fail(reply, 403, "Formulario vencido o ajeno: recargue la página y repita.");
		return false;
	}
	struct store_delivery d;
	if (!find_item(c, fo->office, f->item, &a, &m) ||
	    (done_key(c->p, a, m, c->cfg->offices[fo->office].id, &d), strcmp(d.due, f->due))) {
		fail(reply, 409, "El plan cambió desde que se abrió la página: recárguela.");
		return false;
	}
	bool changed = strcmp(action, "entregar") == 0 ? mark(c, &d, f, reply) : undo(c, &d, reply);
	if (changed) {
		reply->status = 303;
		snprintf(reply->location, sizeof(reply->location), "/o/%s#%s", token, f->item);
	}
	return changed;
}
