/* book_zip.c - zip parts with a bound on what they inflate to, relationships, hardened XML. */
#include "book_zip.h"

#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "strbuf.h"
#include "xalloc.h"

enum { CHUNK = 64 * 1024 };

struct book_zip {
	zip_t *zip;
	unsigned long long read; /* inflated bytes read so far, all parts */
};

static struct book_zip *wrap(zip_t *zip)
{
	struct book_zip *z = xcalloc(1, sizeof(*z));
	z->zip = zip;
	return z;
}

struct book_zip *book_zip_open(const char *path, struct pz_error *err)
{
	int code = 0;
	zip_t *zip = zip_open(path, ZIP_RDONLY, &code);
	if (zip == NULL) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, code);
		PZ_FAIL(err, PZ_EDATA, path, "not a readable zip archive (%s)",
			zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return NULL;
	}
	return wrap(zip);
}

struct book_zip *book_zip_open_buffer(const void *data, size_t len, struct pz_error *err)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
	zip_t *zip = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
	if (zip == NULL) {
		PZ_FAIL(err, PZ_EDATA, "workbook", "not a readable zip archive (%s)",
			zip_error_strerror(&ze));
		if (src)
			zip_source_free(src);
		zip_error_fini(&ze);
		return NULL;
	}
	zip_error_fini(&ze);
	return wrap(zip);
}

void book_zip_close(struct book_zip *z)
{
	if (z == NULL)
		return;
	zip_discard(z->zip);
	free(z);
}

bool book_zip_has(struct book_zip *z, const char *name)
{
	return zip_name_locate(z->zip, name, ZIP_FL_NOCASE) >= 0;
}

/* ---- relationships ---- */

/* "xl/workbook.xml" -> "xl/_rels/workbook.xml.rels"; "" -> "_rels/.rels". */
static char *rels_name(const char *source)
{
	const char *slash = strrchr(source, '/');
	if (slash == NULL)
		return xasprintf("_rels/%s.rels", source);
	return xasprintf("%.*s/_rels/%s.rels", (int)(slash - source), source, slash + 1);
}

/* Joins target to the folder of source and folds "." and ".." segments. */
static char *resolve(const char *source, const char *target)
{
	struct strbuf in;
	strbuf_init(&in);
	const char *slash = strrchr(source, '/');
	if (*target == '/')
		target++;
	else if (slash)
		strbuf_append(&in, source, (size_t)(slash - source + 1));
	strbuf_puts(&in, target);
	char *s = strbuf_steal(&in), *out = xmalloc(strlen(s) + 2);
	size_t w = 0;
	for (char *seg = s;; seg++) {
		size_t n = strcspn(seg, "/");
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			if (w > 0)
				w--;
			while (w > 0 && out[w - 1] != '/')
				w--;
		} else if (n > 0 && !(n == 1 && seg[0] == '.')) {
			memcpy(out + w, seg, n);
			w += n;
			out[w++] = '/';
		}
		seg += n;
		if (*seg == '\0')
			break;
	}
	out[w > 0 ? w - 1 : 0] = '\0';
	free(s);
	return out;
}

struct rel_search {
	const char *type_suffix;
	const char *id;
	char *target;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void rel_start(void *user, const char *name, const char **attrs)
{
	struct rel_search *r = user;
	const char *type = book_xml_attr(attrs, "Type");
	const char *id = book_xml_attr(attrs, "Id");
	const char *target = book_xml_attr(attrs, "Target");
	const char *mode = book_xml_attr(attrs, "TargetMode");
	if (r->target || strcmp(name, "Relationship") != 0 || !type || !target || !id)
		return;
	if (!ends_with(type, r->type_suffix) || (r->id && strcmp(r->id, id) != 0))
		return;
	if (mode && strcmp(mode, "External") == 0)
		return;
	r->target = xstrdup(target);
}

int book_zip_rel(struct book_zip *z, const char *source, const char *type_suffix, const char *id,
		 char **part, struct pz_error *err)
{
	char *rels = rels_name(source);
	struct rel_search r = {type_suffix, id, NULL};
	struct book_xml h = {.start = rel_start, .user = &r};
	int rc = book_zip_parse(z, rels, "the relationships of the workbook's parts", &h, err);
	*part = rc == 0 && r.target ? resolve(source, r.target) : NULL;
	free(r.target);
	free(rels);
	return rc;
}

/* ---- XML ---- */

struct xml_run {
	const struct book_xml *h;
	XML_Parser parser;
	const char *refused; /* why the parse was stopped */
};

static const char *local(const char *name)
{
	const char *colon = strrchr(name, ':');
	return colon ? colon + 1 : name;
}

const char *book_xml_attr(const char **attrs, const char *name)
{
	for (size_t i = 0; attrs && attrs[i]; i += 2)
		if (strcmp(local(attrs[i]), name) == 0)
			return attrs[i + 1];
	return NULL;
}

static void stop(struct xml_run *run, const char *why)
{
	if (run->refused == NULL)
		run->refused = why;
	XML_StopParser(run->parser, XML_FALSE);
}

static void on_start(void *user, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_run *run = user;
	if (run->h->start)
		run->h->start(run->h->user, local(name), attrs);
	if (run->h->failed && *run->h->failed)
		stop(run, "");
}

static void on_end(void *user, const XML_Char *name)
{
	struct xml_run *run = user;
	if (run->h->end)
		run->h->end(run->h->user, local(name));
}

static void on_text(void *user, const XML_Char *s, int len)
{
	struct xml_run *run = user;
	if (run->h->text)
		run->h->text(run->h->user, s, len);
	if (run->h->failed && *run->h->failed)
		stop(run, "");
}

static void on_doctype(void *user, const XML_Char *name, const XML_Char *sysid,
		       const XML_Char *pubid, int internal)
{
	stop(user, "a DOCTYPE (document type declarations are refused)");
}

static void on_entity(void *user, const XML_Char *name, int param, const XML_Char *value,
		      int value_len, const XML_Char *base, const XML_Char *sysid,
		      const XML_Char *pubid, const XML_Char *notation)
{
	stop(user, "an entity declaration (entity expansion is refused)");
}

static int xml_failure(struct xml_run *run, const char *part, struct pz_error *err)
{
	if (run->refused && *run->refused)
		return PZ_FAIL(err, PZ_EDATA, part, "workbook part %s holds %s", part,
			       run->refused);
	if (run->refused)
		return -1; /* a bound hit: the handler filled err */
	return PZ_FAIL(err, PZ_EDATA, part,
		       "workbook part %s is not well-formed XML: %s at line %lu", part,
		       XML_ErrorString(XML_GetErrorCode(run->parser)),
		       (unsigned long)XML_GetCurrentLineNumber(run->parser));
}

static bool xml_start(struct xml_run *run)
{
	run->parser = XML_ParserCreate("UTF-8");
	if (run->parser == NULL)
		return false;
	XML_SetUserData(run->parser, run);
	XML_SetElementHandler(run->parser, on_start, on_end);
	XML_SetCharacterDataHandler(run->parser, on_text);
	XML_SetStartDoctypeDeclHandler(run->parser, on_doctype);
	XML_SetEntityDeclHandler(run->parser, on_entity);
	XML_SetParamEntityParsing(run->parser, XML_PARAM_ENTITY_PARSING_NEVER);
	return true;
}

/* Inflates the open part chunk by chunk into the parser, counting against the bound. */
static int inflate_into(struct book_zip *z, zip_file_t *f, struct xml_run *run, const char *name,
			struct pz_error *err)
{
	char chunk[CHUNK];
	for (;;) {
		zip_int64_t n = zip_fread(f, chunk, sizeof(chunk));
		if (n < 0)
			return PZ_FAIL(err, PZ_EDATA, name, "workbook part %s is damaged (%s)",
				       name, zip_error_strerror(zip_file_get_error(f)));
		z->read += (unsigned long long)n;
		if (z->read > BOOK_MAX_BYTES)
			return PZ_FAIL(err, PZ_EDATA, name,
				       "workbook inflates past %llu MiB (at part %s): refused as a "
				       "zip bomb",
				       BOOK_MAX_BYTES >> 20, name);
		if (XML_Parse(run->parser, chunk, (int)n, n == 0) != XML_STATUS_OK)
			return xml_failure(run, name, err);
		if (n == 0)
			return 0;
	}
}

int book_zip_parse(struct book_zip *z, const char *name, const char *what, const struct book_xml *h,
		   struct pz_error *err)
{
	zip_int64_t i = zip_name_locate(z->zip, name, ZIP_FL_NOCASE);
	if (i < 0)
		return PZ_FAIL(err, PZ_EDATA, name, "workbook has no part %s (%s)", name, what);
	zip_file_t *f = zip_fopen_index(z->zip, (zip_uint64_t)i, 0);
	if (f == NULL)
		return PZ_FAIL(err, PZ_EDATA, name, "workbook part %s cannot be read (%s)", name,
			       zip_strerror(z->zip));
	struct xml_run run = {h, NULL, NULL};
	int rc = xml_start(&run) ? inflate_into(z, f, &run, name, err)
				 : PZ_FAIL(err, PZ_EDATA, name, "cannot create an XML parser");
	if (rc == 0 && h->failed && *h->failed)
		rc = -1; /* a bound hit at the last element: err says which */
	zip_fclose(f);
	if (run.parser)
		XML_ParserFree(run.parser);
	return rc;
}
