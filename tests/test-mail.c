/* test-mail.c - the e-mail digest: Subject wording, Message-ID, Date, MIME structure,
 * quoted-printable and RFC 2047 encoding, header injection, golden messages.
 *
 * The expected texts below were written from the digest by hand (dates checked against a
 * calendar: 2023-03-01 is a Wednesday, 2023-03-19 a Sunday, 2023-03-20 Día de San José).
 * The messages are decoded by the small RFC 2047 and quoted-printable decoders of this file,
 * not by the code under test. Set PLAZO_UPDATE_GOLDEN=1 to rewrite tests/data/mail-*.eml
 * (then read them before keeping them); tests/integration/mail_parse.py checks them again with
 * Python's email package.
 */
#include "mail.h"
#include "flowed.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>

#include "test.h"

/* ---- fixtures -------------------------------------------------------------------------- */

static const char *const to_two[] = {"secretaria@example.gov.co", "jefe.secretaria@example.gov.co"};

static const struct mail_item three[] = {
	{.number = 12,
	 .activity = "Publicar el informe de gestión 2022 en la página web",
	 .goal = "Informe de gestión & anexos <2022>",
	 .due = {2023, 2, 27},
	 .days = -2,
	 .workdays = -2,
	 .stage = "overdue-1",
	 .late = true,
	 .others = "Oficina de Control Interno",
	 .source = "plan.tsv:24"},
	{.number = 7,
	 .activity = "Convocar a la audiencia pública de rendición de cuentas",
	 .goal = "Convocatoria enviada",
	 .due = {2023, 3, 1},
	 .stage = "due",
	 .others = "",
	 .source = "plan.tsv:18"},
	{.number = 15,
	 .activity = "Realizar la audiencia pública de \"rendición\" de cuentas",
	 .goal = "Audiencia realizada",
	 .has_start = true,
	 .start = {2023, 3, 6},
	 .due = {2023, 3, 19},
	 .days = 18,
	 .workdays = 12,
	 .due_closed = "domingo",
	 .stage = "lead-15d",
	 .others = "Oficina Asesora de Planeación, Oficina Jurídica",
	 .source = "plan.tsv:31"},
};

static struct mail_digest digest(const struct mail_item *items, size_t n)
{
	return (struct mail_digest){
		.office_id = "secretaria-general",
		.office_name = "Secretaría General",
		.from = "plazo@example.gov.co",
		.from_name = "Plazos — Alcaldía",
		.to = to_two,
		.n_to = 2,
		.cc = "despacho@example.gov.co",
		.feed_url = "https://plazo.example.gov.co/feeds/secretaria-general.ics?token=a&b",
		.page_url = "https://plazo.example.gov.co/oficinas/secretaria-general",
		.list_domain = "plazo.example.gov.co",
		.identity = "secretaria-general|2023-03-01T08:00|12/overdue-1,7/due,15/lead-15d",
		.date = 1677675600, /* 2023-03-01 13:00 UTC, 08:00 in Bogotá */
		.timezone = "America/Bogota",
		.today = {2023, 3, 1},
		.items = items,
		.n_items = n,
	};
}

static char *compose(const struct mail_digest *d)
{
	struct strbuf s;
	strbuf_init(&s);
	struct pz_error err = {0};
	if (mail_compose(d, &s, &err) < 0) {
		strbuf_finish(&s);
		return NULL;
	}
	return strbuf_steal(&s);
}

/* ---- a small reader of messages -------------------------------------------------------- */

static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t len = s[i] < 0x80	 ? 1
			     : (s[i] >> 5) == 6	 ? 2
			     : (s[i] >> 4) == 14 ? 3
			     : (s[i] >> 3) == 30 ? 4
						 : 0;
		if (len == 0 || i + len > n)
			return false;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

/* The unfolded value of the first top-level header called name, or NULL (free it). */
static char *header(const char *msg, const char *name)
{
	size_t n = strlen(name);
	const char *end = strstr(msg, "\r\n\r\n");
	for (const char *l = msg; l != NULL && l < end; l = strstr(l, "\r\n") + 2) {
		if (strncasecmp(l, name, n) != 0 || l[n] != ':')
			continue;
		struct strbuf v;
		strbuf_init(&v);
		const char *p = l + n + 1 + (l[n + 1] == ' ');
		while (!(p[0] == '\r' && p[1] == '\n' && p[2] != ' ' && p[2] != '\t')) {
			if (p[0] == '\r' && p[1] == '\n')
				p += 2;
			else
				strbuf_putc(&v, *p++);
		}
		return strbuf_steal(&v);
	}
	return NULL;
}

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

/* The "?=" that ends the encoded-word at v, or NULL when v does not start one. */
static const char *word_end(const char *v)
{
	if (strncmp(v, "=?UTF-8?Q?", 10) != 0)
		return NULL;
	for (v += 10; *v != '\0'; v++)
		if (v[0] == '?' && v[1] == '=')
			return v;
	return NULL;
}

/* Decodes a header value made of UTF-8 Q encoded-words (checking that each is at most 75
 * bytes and whole UTF-8 on its own) and plain text. */
static char *decode_2047(struct test_state *ts, const char *v)
{
	struct strbuf out, w;
	strbuf_init(&out);
	strbuf_init(&w);
	bool prev_word = false;
	while (*v != '\0') {
		const char *end = word_end(v);
		if (end == NULL) {
			size_t sp = strspn(v, " ");
			bool next_word = strncmp(v + sp, "=?UTF-8?Q?", 10) == 0;
			if (!(sp > 0 && prev_word && next_word))
				strbuf_append(&out, v, sp > 0 ? sp : 1);
			v += sp > 0 ? sp : 1;
			prev_word = prev_word && sp > 0;
			continue;
		}
		CHECK(ts, end + 2 - v <= 75);
		strbuf_reset(&w);
		for (const char *p = v + 10; p < end; p++) {
			if (*p == '_')
				strbuf_putc(&w, ' ');
			else if (*p == '=' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0)
				strbuf_putc(&w, (char)(hexval(p[1]) * 16 + hexval(p[2]))), p += 2;
			else
				strbuf_putc(&w, *p);
		}
		CHECK(ts, valid_utf8((const unsigned char *)w.data, w.len));
		strbuf_append(&out, w.data, w.len);
		v = end + 2;
		prev_word = true;
	}
	strbuf_finish(&w);
	return strbuf_steal(&out);
}

/* Decodes quoted-printable lines (CRLF) into text with "\n" line ends. */
static char *decode_qp(const char *s, size_t n)
{
	struct strbuf out;
	strbuf_init(&out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n')
			i += 2;
		else if (s[i] == '=' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0)
			strbuf_putc(&out, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]))), i += 2;
		else if (s[i] != '\r')
			strbuf_putc(&out, s[i]);
	}
	return strbuf_steal(&out);
}

/* The raw body of the part whose Content-Type starts with type (NULL when missing); *len is
 * its length, up to the CRLF before the next boundary. */
static const char *raw_part(const char *msg, const char *type, size_t *len)
{
	char *ct = header(msg, "Content-Type");
	const char *b = ct != NULL ? strstr(ct, "boundary=\"") : NULL;
	char delim[128] = "";
	if (b != NULL)
		snprintf(delim, sizeof delim, "\r\n--%.*s", (int)strcspn(b + 10, "\""), b + 10);
	free(ct);
	char want[64];
	snprintf(want, sizeof want, "\r\nContent-Type: %s;", type);
	const char *p = strstr(msg, want);
	const char *body = p != NULL ? strstr(p, "\r\n\r\n") : NULL;
	const char *end = body != NULL && delim[0] ? strstr(body + 4, delim) : NULL;
	if (end == NULL)
		return NULL;
	*len = (size_t)(end - body - 4);
	return body + 4;
}

/* RFC 3676 unwrapping (delsp=no, no quotes in a digest), written from the RFC and not from
 * the code under test: one leading space of a line is stuffing; a line ending in a space
 * (except the signature separator "-- ") flows into the next. */
static char *unflow(const char *s)
{
	struct strbuf out;
	strbuf_init(&out);
	while (*s != '\0') {
		size_t len = strcspn(s, "\n");
		const char *l = s;
		bool nl = s[len] == '\n';
		s += len + nl;
		bool sig = len == 3 && memcmp(l, "-- ", 3) == 0;
		if (len > 0 && l[0] == ' ')
			l++, len--;
		strbuf_append(&out, l, len);
		if (nl && (sig || len == 0 || l[len - 1] != ' '))
			strbuf_putc(&out, '\n');
	}
	return strbuf_steal(&out);
}

/* The decoded body of the part of that type; a text/plain one also unwrapped (RFC 3676). */
static char *part(const char *msg, const char *type)
{
	size_t len;
	const char *raw = raw_part(msg, type, &len);
	char *dec = raw != NULL ? decode_qp(raw, len) : NULL;
	if (dec == NULL || strcmp(type, "text/plain") != 0)
		return dec;
	char *text = unflow(dec);
	free(dec);
	return text;
}

/* CRLF only; header lines within 78 bytes, body lines within 76, no blank at a body line's
 * end. */
static void check_lines(struct test_state *ts, const char *msg)
{
	bool in_body = false;
	for (const char *l = msg; *l != '\0';) {
		const char *nl = strchr(l, '\n');
		CHECK(ts, nl != NULL && nl > l && nl[-1] == '\r');
		if (nl == NULL || nl == l)
			return;
		size_t len = (size_t)(nl - l) - 1;
		CHECK(ts, memchr(l, '\r', len) == NULL);
		if (len == 0)
			in_body = true;
		CHECK(ts, len <= (in_body ? 76u : 78u));
		if (in_body && len > 0)
			CHECK(ts, l[len - 1] != ' ' && l[len - 1] != '\t');
		l = nl + 1;
	}
}

/* A quoted-printable body: every '=' starts an escape or a soft break, no line starts with
 * "." or "From ", and each physical line decodes to whole UTF-8 characters. */
static void check_qp(struct test_state *ts, const char *raw, size_t n)
{
	for (const char *l = raw; l < raw + n;) {
		const char *nl = strstr(l, "\r\n");
		size_t len = nl != NULL && nl < raw + n ? (size_t)(nl - l) : (size_t)(raw + n - l);
		for (size_t i = 0; i < len; i++)
			if (l[i] == '=' && i + 1 < len)
				CHECK(ts, i + 2 < len && hexval(l[i + 1]) >= 0 &&
						  hexval(l[i + 2]) >= 0);
		CHECK(ts, l[0] != '.' && strncmp(l, "From ", 5) != 0);
		char *dec = decode_qp(l, len > 0 && l[len - 1] == '=' ? len - 1 : len);
		CHECK(ts, valid_utf8((const unsigned char *)dec, strlen(dec)));
		free(dec);
		l += len + 2;
	}
}

/* ---- Subject --------------------------------------------------------------------------- */

static void check_subject(struct test_state *ts, const struct mail_digest *d, const char *want)
{
	struct strbuf s;
	strbuf_init(&s);
	mail_subject(d, &s);
	CHECK_STR_EQ(ts, s.data, want);
	strbuf_finish(&s);
}

static void test_subject(struct test_state *ts)
{
	struct mail_item it[4] = {three[0], three[0], three[2], three[2]};
	struct mail_digest d = digest(three, 3);
	check_subject(ts, &d, "Plazos: 1 vencida, 1 vence hoy, 1 próxima — Secretaría General");
	d = digest(it, 4);
	check_subject(ts, &d, "Plazos: 2 vencidas, 2 próximas — Secretaría General");
	d = digest(it + 2, 2);
	check_subject(ts, &d, "Plazos: 2 próximas — Secretaría General");
	d = digest(it + 3, 1);
	check_subject(ts, &d, "Plazos: 1 próxima — Secretaría General");
	d = digest(it + 1, 1);
	check_subject(ts, &d, "Plazos: 1 vencida — Secretaría General");
	d = digest(three + 1, 1);
	check_subject(ts, &d, "Plazos: 1 vence hoy — Secretaría General");
	it[0] = it[1] = three[1];
	d = digest(it, 2);
	check_subject(ts, &d, "Plazos: 2 vencen hoy — Secretaría General");
	d = digest(NULL, 0);
	check_subject(ts, &d, "Plazos: sin pendientes — Secretaría General");
	d.office_name = "";
	check_subject(ts, &d, "Plazos: sin pendientes — secretaria-general");
	d.office_name = "  X\r\nBcc: evil@example.com\t";
	check_subject(ts, &d, "Plazos: sin pendientes — X Bcc: evil@example.com");
	d.office_name = "Caf\xE9 \xC3"; /* Latin-1 byte and a cut sequence */
	check_subject(ts, &d, "Plazos: sin pendientes — Caf\xEF\xBF\xBD \xEF\xBF\xBD");
}

/* ---- Message-ID ------------------------------------------------------------------------ */

static void test_message_id(struct test_state *ts)
{
	char buf[96];
	/* FNV-1a 64 of "" is the offset basis; of "a" and "foobar": the published vectors. */
	mail_message_id("", "example.gov.co", buf, sizeof buf);
	CHECK_STR_EQ(ts, buf, "<plazo.cbf29ce484222325.84222325cbf29ce4@example.gov.co>");
	mail_message_id("a", "example.gov.co", buf, sizeof buf);
	CHECK_STR_EQ(ts, buf, "<plazo.af63dc4c8601ec8c.789e3e398d3ff5ff@example.gov.co>");
	mail_message_id("foobar", "example.gov.co", buf, sizeof buf);
	CHECK_STR_EQ(ts, buf, "<plazo.85944171f73967e8.1af21521be519bf9@example.gov.co>");
	mail_message_id("foobar", " exa<mple>.gov.co\r\n", buf, sizeof buf);
	CHECK_STR_EQ(ts, buf, "<plazo.85944171f73967e8.1af21521be519bf9@example.gov.co>");
	mail_message_id("foobar", "exámple.gov.co", buf, sizeof buf); /* ASCII only */
	CHECK_STR_EQ(ts, buf, "<plazo.85944171f73967e8.1af21521be519bf9@exmple.gov.co>");
	mail_message_id("foobar", NULL, buf, sizeof buf);
	CHECK_STR_EQ(ts, buf, "<plazo.85944171f73967e8.1af21521be519bf9@localhost>");
	char small[50];
	memset(small, 'z', sizeof small);
	mail_message_id("", "example.gov.co", small, sizeof small);
	CHECK_STR_EQ(ts, small, "<plazo.cbf29ce484222325.84222325cbf29ce4@example>");
	char longer[300];
	memset(longer, 'd', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	mail_message_id("", longer, buf, sizeof buf);
	CHECK_INT_EQ(ts, strlen(buf), 95);
	CHECK(ts, buf[94] == '>');
}

/* ---- Date ------------------------------------------------------------------------------ */

static void check_date(struct test_state *ts, const char *tz, time_t t, const char *want)
{
	struct mail_digest d = digest(NULL, 0);
	d.timezone = tz;
	d.date = t;
	char *msg = compose(&d);
	char *date = msg != NULL ? header(msg, "Date") : NULL;
	CHECK_STR_EQ(ts, date, want);
	free(date);
	free(msg);
}

static void test_date(struct test_state *ts)
{
	check_date(ts, "America/Bogota", 1677675600, "Wed, 01 Mar 2023 08:00:00 -0500");
	check_date(ts, "America/Bogota", 1677639600, "Tue, 28 Feb 2023 22:00:00 -0500");
	check_date(ts, NULL, 1677675607, "Wed, 01 Mar 2023 13:00:07 +0000");
	check_date(ts, "Asia/Kolkata", 1677675600, "Wed, 01 Mar 2023 18:30:00 +0530");
	check_date(ts, "Europe/Madrid", 1688205600, "Sat, 01 Jul 2023 12:00:00 +0200");
	check_date(ts, "Europe/Madrid", 1677675600, "Wed, 01 Mar 2023 14:00:00 +0100");

	struct mail_digest d = digest(three, 3);
	d.timezone = "Nowhere/Nothing";
	struct strbuf s;
	strbuf_init(&s);
	struct pz_error err = {0};
	CHECK_INT_EQ(ts, mail_compose(&d, &s, &err), -1);
	CHECK_INT_EQ(ts, s.len, 0);
	/* the error says what failed: the daemon's log line is never an empty "send: " */
	CHECK(ts, err.msg[0] != '\0' && strstr(err.msg, "Nowhere/Nothing") != NULL);
	strbuf_finish(&s);
}

/* ---- the three-item digest ------------------------------------------------------------- */

static const char want_text[] =
	"Plazos — Secretaría General\n"
	"Fecha de corte: miércoles 1 de marzo de 2023\n"
	"\n"
	"Vencidas (1)\n"
	"------------\n"
	"\n"
	"Actividad 12: Publicar el informe de gestión 2022 en la página web\n"
	"  Meta: Informe de gestión & anexos <2022>\n"
	"  Venció: lunes 27 de febrero de 2023 — 2 días de retraso (2 días hábiles)\n"
	"  Compartida con: Oficina de Control Interno\n"
	"  Aviso enviado con retraso: plazo no estaba en servicio a la hora prevista.\n"
	"  Fuente: plan.tsv:24\n"
	"\n"
	"Vencen hoy (1)\n"
	"--------------\n"
	"\n"
	"Actividad 7: Convocar a la audiencia pública de rendición de cuentas\n"
	"  Meta: Convocatoria enviada\n"
	"  Vence hoy: miércoles 1 de marzo de 2023\n"
	"  Fuente: plan.tsv:18\n"
	"\n"
	"Próximas (1)\n"
	"------------\n"
	"\n"
	"Actividad 15: Realizar la audiencia pública de \"rendición\" de cuentas\n"
	"  Meta: Audiencia realizada\n"
	"  Inicia: lunes 6 de marzo de 2023\n"
	"  Vence: domingo 19 de marzo de 2023 — faltan 18 días (12 días hábiles)\n"
	"  La fecha cae en domingo; el plan la mantiene.\n"
	"  Compartida con: Oficina Asesora de Planeación, Oficina Jurídica\n"
	"  Fuente: plan.tsv:31\n"
	"\n"
	"-- \n"
	"Página de la oficina: https://plazo.example.gov.co/oficinas/secretaria-general\n"
	"Suscribirse al calendario de plazos: "
	"https://plazo.example.gov.co/oficinas/secretaria-general#suscribir\n"
	"Mensaje automático enviado por plazo. Por favor, no responda a este correo.";

static const char *const want_html[] = {
	"<html lang=\"es\">",
	"<title>Plazos: 1 vencida, 1 vence hoy, 1 próxima — Secretaría General</title>",
	"Vencidas (1)</h2>",
	"<strong>Actividad 12:</strong> Publicar el informe de gestión 2022 en la página web</p>",
	">Meta: Informe de gestión &amp; anexos &lt;2022&gt;</p>",
	"<strong>Venció:</strong> lunes 27 de febrero de 2023 — 2 días de retraso (2 días "
	"hábiles)</p>",
	">Compartida con: Oficina de Control Interno</p>",
	">Aviso enviado con retraso: plazo no estaba en servicio a la hora prevista.</p>",
	">Fuente: plan.tsv:24</p>",
	"Vencen hoy (1)</h2>",
	"<strong>Actividad 7:</strong> Convocar a la audiencia pública de rendición de cuentas</p>",
	"<strong>Vence hoy:</strong> miércoles 1 de marzo de 2023</p>",
	"Próximas (1)</h2>",
	"<strong>Actividad 15:</strong> Realizar la audiencia pública de &quot;rendición&quot; de "
	"cuentas</p>",
	">Inicia: lunes 6 de marzo de 2023</p>",
	"<strong>Vence:</strong> domingo 19 de marzo de 2023 — faltan 18 días (12 días "
	"hábiles)</p>",
	">La fecha cae en domingo; el plan la mantiene.</p>",
	">Compartida con: Oficina Asesora de Planeación, Oficina Jurídica</p>",
	">Fuente: plan.tsv:31</p>",
	"href=\"https://plazo.example.gov.co/oficinas/secretaria-general\">Página de la "
	"oficina</a>",
	"href=\"https://plazo.example.gov.co/oficinas/secretaria-general#suscribir\">"
	"Suscribirse al calendario de plazos</a>",
	"Mensaje automático enviado por plazo. Por favor, no responda a este correo.</p>",
	"</html>",
};

static int count_headers(const char *msg, const char *name)
{
	int n = 0;
	size_t len = strlen(name);
	const char *end = strstr(msg, "\r\n\r\n");
	for (const char *l = msg; l != NULL && l < end; l = strstr(l, "\r\n") + 2)
		n += strncasecmp(l, name, len) == 0 && l[len] == ':';
	return n;
}

static void check_header(struct test_state *ts, const char *msg, const char *name, const char *want)
{
	char *v = header(msg, name);
	char *dec = v != NULL ? decode_2047(ts, v) : NULL;
	CHECK_STR_EQ(ts, dec, want);
	CHECK_INT_EQ(ts, count_headers(msg, name), 1);
	free(dec);
	free(v);
}

static void test_digest_headers(struct test_state *ts)
{
	struct mail_digest d = digest(three, 3);
	char *msg = compose(&d), id[96];
	mail_message_id(d.identity, "example.gov.co", id, sizeof id);
	check_lines(ts, msg);
	check_header(ts, msg, "Date", "Wed, 01 Mar 2023 08:00:00 -0500");
	check_header(ts, msg, "From", "Plazos — Alcaldía <plazo@example.gov.co>");
	check_header(ts, msg, "To", "secretaria@example.gov.co, jefe.secretaria@example.gov.co");
	check_header(ts, msg, "Cc", "despacho@example.gov.co");
	check_header(ts, msg, "Subject",
		     "Plazos: 1 vencida, 1 vence hoy, 1 próxima — Secretaría General");
	check_header(ts, msg, "Message-ID", id);
	check_header(ts, msg, "List-Id",
		     "Secretaría General <secretaria-general.plazo.example.gov.co>");
	check_header(ts, msg, "Auto-Submitted", "auto-generated");
	check_header(ts, msg, "X-Auto-Response-Suppress", "All");
	check_header(ts, msg, "MIME-Version", "1.0");
	char *ct = header(msg, "Content-Type");
	const char *b = ct != NULL ? strstr(ct, "boundary=\"=_plazo_") : NULL;
	CHECK(ts, ct != NULL && strncmp(ct, "multipart/alternative;", 22) == 0);
	CHECK(ts, b != NULL && strspn(b + 18, "0123456789abcdef") == 32 && b[50] == '"');
	free(ct);
	free(msg);
}

static void test_digest_parts(struct test_state *ts)
{
	struct mail_digest d = digest(three, 3);
	char *msg = compose(&d);
	size_t n;
	const char *raw = raw_part(msg, "text/plain", &n);
	CHECK(ts, raw != NULL && strstr(msg, "\r\nContent-Type: text/plain; charset=UTF-8; format=flowed\r\n"
					     "Content-Transfer-Encoding: quoted-printable\r\n"));
	if (raw != NULL)
		check_qp(ts, raw, n);
	char *text = part(msg, "text/plain");
	CHECK_STR_EQ(ts, text, want_text);
	raw = raw_part(msg, "text/html", &n);
	CHECK(ts, raw != NULL);
	if (raw != NULL)
		check_qp(ts, raw, n);
	char *html = part(msg, "text/html");
	const char *at = html;
	for (size_t i = 0; i < sizeof want_html / sizeof want_html[0]; i++) {
		const char *found = at != NULL ? strstr(at, want_html[i]) : NULL;
		if (found == NULL)
			fprintf(stderr, "html lacks, in order: %s\n", want_html[i]);
		CHECK(ts, found != NULL);
		at = found != NULL ? found : at;
	}
	CHECK(ts, html != NULL && strstr(html, "<2022>") == NULL);
	free(html);
	free(text);
	free(msg);
}

/* ---- golden files ---------------------------------------------------------------------- */

static void check_golden(struct test_state *ts, const char *name, const char *msg)
{
	char *path = test_data_path(name);
	const char *update = getenv("PLAZO_UPDATE_GOLDEN");
	FILE *f = fopen(path, update != NULL && strcmp(update, "1") == 0 ? "wb" : "rb");
	CHECK(ts, f != NULL);
	if (f != NULL && update != NULL && strcmp(update, "1") == 0) {
		CHECK_INT_EQ(ts, fwrite(msg, 1, strlen(msg), f), strlen(msg));
		printf("wrote %s\n", path);
	} else if (f != NULL) {
		struct strbuf got;
		strbuf_init(&got);
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			strbuf_append(&got, buf, n);
		if (got.len != strlen(msg) || memcmp(got.data, msg, got.len) != 0)
			fprintf(stderr, "%s differs from the composed message\n", path);
		CHECK(ts, got.len == strlen(msg) && memcmp(got.data, msg, got.len) == 0);
		strbuf_finish(&got);
	}
	if (f != NULL)
		fclose(f);
	free(path);
}

static void test_golden_digest(struct test_state *ts)
{
	struct mail_digest d = digest(three, 3);
	char *msg = compose(&d);
	check_golden(ts, "mail-digest.eml", msg);
	free(msg);
}

static void test_deterministic(struct test_state *ts)
{
	struct mail_digest d = digest(three, 3);
	char *a = compose(&d), *b = compose(&d);
	CHECK_STR_EQ(ts, a, b);
	d.identity = "secretaria-general|2023-03-02T08:00|12/overdue-1,7/due,15/lead-15d";
	char *c = compose(&d);
	char *ida = header(a, "Message-ID"), *idc = header(c, "Message-ID");
	char *cta = header(a, "Content-Type"), *ctc = header(c, "Content-Type");
	CHECK(ts, ida != NULL && idc != NULL && strcmp(ida, idc) != 0);
	CHECK(ts, cta != NULL && ctc != NULL && strcmp(cta, ctc) != 0);
	free(ida);
	free(idc);
	free(cta);
	free(ctc);
	free(a);
	free(b);
	free(c);
}

/* ---- header injection ------------------------------------------------------------------ */

static const char *const known_headers[] = {
	"Date:",
	"From:",
	"To:",
	"Cc:",
	"Subject:",
	"Message-ID:",
	"List-Id:",
	"Auto-Submitted:",
	"X-Auto-Response-Suppress:",
	"Precedence:",
	"Content-Language:",
	"MIME-Version:",
	"Content-Type:",
};

/* Every line of the header block is a known header or a continuation. */
static void check_header_names(struct test_state *ts, const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	for (const char *l = msg; l != NULL && l < end; l = strstr(l, "\r\n") + 2) {
		bool ok = *l == ' ' || *l == '\t';
		for (size_t i = 0; !ok && i < sizeof known_headers / sizeof known_headers[0]; i++)
			ok = strncmp(l, known_headers[i], strlen(known_headers[i])) == 0;
		if (!ok)
			fprintf(stderr, "unexpected header line: %.40s\n", l);
		CHECK(ts, ok);
	}
}

static const char *const to_evil[] = {"a@example.com\r\nBcc: evil@example.com", "b@example.com"};

static const struct mail_item evil_item = {
	.number = 3,
	.activity = "Primera línea\r\nSegunda línea\r\n.\r\nFrom: x",
	.goal = "Meta\nBcc: y@example.com",
	.due = {2023, 3, 10},
	.days = 9,
	.workdays = 7,
	.stage = "lead-15d\r\nBcc: s",
	.others = "Oficina\r\nBcc: z@example.com",
	.source = "plan.tsv:3\r\nBcc: e",
};

static struct mail_digest evil_digest(void)
{
	struct mail_digest d = digest(&evil_item, 1);
	d.office_id = "x\r\nbcc";
	d.office_name = "X\r\nBcc: evil@example.com";
	d.from_name = "Plazos\r\nBcc: evil@example.com";
	d.to = to_evil;
	d.cc = "c@example.com\nX-Evil: 1";
	d.list_domain = "example.gov.co\r\nBcc: e@x";
	d.page_url = "https://x.example/\r\nBcc: e";
	d.feed_url = "javascript:alert(1)";
	d.identity = "evil\r\nBcc: x";
	return d;
}

static void test_injection(struct test_state *ts)
{
	struct mail_digest d = evil_digest();
	char *msg = compose(&d);
	check_lines(ts, msg);
	check_header_names(ts, msg);
	check_header(ts, msg, "Subject", "Plazos: 1 próxima — X Bcc: evil@example.com");
	check_header(ts, msg, "From", "\"Plazos Bcc: evil@example.com\" <plazo@example.gov.co>");
	check_header(ts, msg, "To", "a@example.comBccevil@example.com, b@example.com");
	check_header(ts, msg, "Cc", "c@example.comX-Evil1");
	check_header(ts, msg, "List-Id", "\"X Bcc: evil@example.com\" <xbcc.example.gov.coBccex>");
	CHECK_INT_EQ(ts, count_headers(msg, "Bcc"), 0);
	CHECK_INT_EQ(ts, count_headers(msg, "X-Evil"), 0);
	char *text = part(msg, "text/plain"), *html = part(msg, "text/html");
	CHECK(ts,
	      text != NULL && strstr(text, "\n\nActividad 3: Primera línea Segunda línea . "
					   "From: x\n"
					   "  Meta: Meta Bcc: y@example.com\n"
					   "  Vence: viernes 10 de marzo de 2023 — faltan 9 días "
					   "(7 días hábiles)\n"
					   "  Compartida con: Oficina Bcc: z@example.com\n"
					   "  Fuente: plan.tsv:3 Bcc: e\n"
					   "\n-- \n"
					   "Página de la oficina: https://x.example/ Bcc: e\n"
					   "Suscribirse al calendario de plazos: "
					   "https://x.example/ Bcc: e#suscribir\n"
					   "Mensaje automático") != NULL);
	CHECK(ts, html != NULL && strstr(html, "href=\"https://x.example/ Bcc: e\"") != NULL);
	CHECK(ts, html != NULL && strstr(html, "javascript") == NULL);
	CHECK(ts, text != NULL && strstr(text, "javascript") == NULL);
	check_golden(ts, "mail-injection.eml", msg);
	free(html);
	free(text);
	free(msg);
}

/* ---- quoted-printable edges ------------------------------------------------------------ */

static void check_activity_roundtrip(struct test_state *ts, const char *activity)
{
	struct mail_item it = three[2];
	it.activity = activity;
	struct mail_digest d = digest(&it, 1);
	char *msg = compose(&d);
	size_t n;
	const char *raw = raw_part(msg, "text/plain", &n);
	check_lines(ts, msg);
	CHECK(ts, raw != NULL);
	if (raw != NULL)
		check_qp(ts, raw, n);
	char *text = part(msg, "text/plain");
	struct strbuf want;
	strbuf_init(&want);
	strbuf_printf(&want, "\nActividad 15: %s\n  Meta:", activity);
	CHECK(ts, text != NULL && strstr(text, want.data) != NULL);
	strbuf_finish(&want);
	free(text);
	free(msg);
}

static void test_qp_edges(struct test_state *ts)
{
	/* Every alignment of 2-, 3- and 4-byte characters, '=', '.' and "From " against the
	 * soft breaks. */
	for (size_t k = 0; k < 80; k++) {
		struct strbuf act;
		strbuf_init(&act);
		for (size_t i = 0; i < k; i++)
			strbuf_putc(&act, 'a');
		for (int r = 0; r < 8; r++)
			strbuf_puts(&act, "ñ=€.From 𝄞 ñññ€€€𝄞𝄞==");
		strbuf_puts(&act, "fin=");
		check_activity_roundtrip(ts, act.data);
		strbuf_finish(&act);
	}
	char long_word[400];
	memset(long_word, 'x', sizeof long_word - 1);
	long_word[sizeof long_word - 1] = '\0';
	check_activity_roundtrip(ts, long_word);
}

/* The raw text part of a one-item digest whose goal is goal. */
static bool raw_has(const char *goal, const char *want)
{
	struct mail_item it = three[1];
	it.goal = goal;
	struct mail_digest d = digest(&it, 1);
	char *msg = compose(&d);
	size_t n;
	const char *raw = raw_part(msg, "text/plain", &n);
	bool found = raw != NULL && strstr(raw, want) != NULL && strstr(raw, want) < raw + n;
	free(msg);
	return found;
}

static void test_qp_lines(struct test_state *ts)
{
	char m66[67], m67[68], line[160];
	memset(m66, 'm', 66), m66[66] = '\0';
	memset(m67, 'm', 67), m67[67] = '\0';
	/* The row "  Meta: ..." is space-stuffed (format=flowed): "   Meta: " + 67 = 76
	 * columns: no soft break; one more needs one after column 75. */
	snprintf(line, sizeof line, "\r\n   Meta: %s\r\n", m67);
	CHECK(ts, raw_has(m67, line));
	char m68[69];
	memset(m68, 'm', 68), m68[68] = '\0';
	snprintf(line, sizeof line, "\r\n   Meta: %s=\r\nmm\r\n", m66);
	CHECK(ts, raw_has(m68, line));
	CHECK(ts, raw_has("a=b", "\r\n   Meta: a=3Db\r\n"));
	CHECK(ts, raw_has("  con espacios al final \t ", "\r\n   Meta: con espacios al final\r\n"));
	CHECK(ts, raw_has("gestión", "\r\n   Meta: gesti=C3=B3n\r\n"));
	CHECK(ts, raw_has("x", "\r\n--=20\r\n")); /* the signature line's trailing space */
	/* 85 characters: a flowed soft break after "ffffffffff " (75 characters), whose space
	 * survives the transfer encoding as "=20"; the quoted-printable soft break goes before
	 * a space near the end rather than inside a word */
	CHECK(ts, raw_has("aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff "
			  "gggggggggg",
			  "\r\n   Meta: aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee=\r\n"
			  " ffffffffff=20\r\ngggggggggg\r\n"));
}

/* ---- wording ----------------------------------------------------------------------------- */

static char *text_of(const struct mail_item *items, size_t n, struct mail_digest *d)
{
	*d = n > 0 ? digest(items, n) : digest(NULL, 0);
	char *msg = compose(d);
	char *text = msg != NULL ? part(msg, "text/plain") : NULL;
	free(msg);
	return text;
}

static void check_text_has(struct test_state *ts, const struct mail_item *it, const char *want)
{
	struct mail_digest d;
	char *text = text_of(it, 1, &d);
	if (text == NULL || strstr(text, want) == NULL)
		fprintf(stderr, "text lacks: %s\n", want);
	CHECK(ts, text != NULL && strstr(text, want) != NULL);
	free(text);
}

static void test_wording(struct test_state *ts)
{
	struct mail_item it = three[2];
	it.has_start = false;
	it.due = (struct date){2023, 3, 20};
	it.days = 19;
	it.due_closed = "Día de San José";
	check_text_has(ts, &it,
		       "\n  Vence: lunes 20 de marzo de 2023 — faltan 19 días (12 días "
		       "hábiles)\n  La fecha cae en día festivo (Día de San José); el plan "
		       "la mantiene.\n");
	it.due = (struct date){2023, 3, 10};
	it.due_closed = "cierre de la oficina";
	check_text_has(ts, &it,
		       "\n  La fecha cae en un día no hábil (cierre de la oficina); el "
		       "plan la mantiene.\n");
	it.due = (struct date){2023, 3, 2};
	it.days = 1, it.workdays = 1, it.due_closed = NULL;
	check_text_has(ts, &it,
		       "\n  Vence: jueves 2 de marzo de 2023 — falta 1 día (1 día "
		       "hábil)\n  Compartida");
	it.due = (struct date){2023, 2, 28};
	it.days = -1, it.workdays = -1;
	check_text_has(ts, &it,
		       "\n  Venció: martes 28 de febrero de 2023 — 1 día de retraso "
		       "(1 día hábil)\n");
	it.goal = NULL, it.others = NULL, it.source = NULL;
	check_text_has(ts, &it, "de cuentas\n  Venció: martes");
	check_text_has(ts, &it, "(1 día hábil)\n\n-- \n");
}

static void test_minimal(struct test_state *ts)
{
	struct mail_digest d = digest(NULL, 0);
	d.from_name = NULL, d.cc = NULL, d.n_to = 0, d.feed_url = NULL, d.page_url = NULL;
	d.list_domain = NULL;
	char *msg = compose(&d);
	check_lines(ts, msg);
	check_header_names(ts, msg);
	check_header(ts, msg, "From", "plazo@example.gov.co");
	check_header(ts, msg, "To", "undisclosed-recipients:;");
	check_header(ts, msg, "List-Id", "Secretaría General <secretaria-general.example.gov.co>");
	CHECK_INT_EQ(ts, count_headers(msg, "Cc"), 0);
	char *text = part(msg, "text/plain");
	CHECK_STR_EQ(ts, text,
		     "Plazos — Secretaría General\n"
		     "Fecha de corte: miércoles 1 de marzo de 2023\n"
		     "\n"
		     "No hay plazos pendientes.\n"
		     "\n"
		     "-- \n"
		     "Mensaje automático enviado por plazo. Por favor, no responda a este "
		     "correo.");
	free(text);
	free(msg);
}

/* A long office name: every encoded-word within 75 bytes and whole characters (checked by
 * decode_2047), header lines within 78 (check_lines). */
static void test_long_subject(struct test_state *ts)
{
	struct mail_digest d = digest(three, 3);
	d.office_name =
		"Secretaría de Planeación, Desarrollo Económico y Ordenamiento Territorial "
		"del Distrito Turístico y Cultural — Oficina de Gestión Documental “Archivo”";
	d.from_name = d.office_name;
	char *msg = compose(&d), *v = header(msg, "Subject");
	check_lines(ts, msg);
	struct strbuf want;
	strbuf_init(&want);
	strbuf_printf(&want, "Plazos: 1 vencida, 1 vence hoy, 1 próxima — %s", d.office_name);
	check_header(ts, msg, "Subject", want.data);
	strbuf_reset(&want);
	strbuf_printf(&want, "%s <plazo@example.gov.co>", d.office_name);
	check_header(ts, msg, "From", want.data);
	CHECK(ts, v != NULL && strlen(v) > 3 * 75);
	strbuf_finish(&want);
	free(v);
	free(msg);
}

/* A resend keeps its stored Message-ID; one that could change the header is not taken. */
static void test_stored_message_id(struct test_state *ts)
{
	struct mail_digest d = digest(three, 3);
	char id[96];
	mail_message_id(d.identity, "example.gov.co", id, sizeof id);
	d.message_id = "<plazo.first.attempt@example.gov.co>";
	char *msg = compose(&d);
	check_header(ts, msg, "Message-ID", "<plazo.first.attempt@example.gov.co>");
	free(msg);
	d.message_id = "<a@b>\r\nBcc: x@y";
	msg = compose(&d);
	check_header(ts, msg, "Message-ID", id);
	free(msg);
}

/* ---- format=flowed ---------------------------------------------------------------------- */

static size_t chars_of(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* Every line of flowed text within cols characters unless it is one word (a stuffing space
 * and the soft break's space aside), and unwrapping gives back want. Returns the longest
 * line in bytes. */
static size_t check_flowed(struct test_state *ts, const char *flowed, const char *want,
			   size_t cols)
{
	size_t widest = 0;
	for (const char *l = flowed; *l != '\0';) {
		size_t len = strcspn(l, "\n");
		size_t skip = l[0] == ' ' ? 1 : 0, end = len;
		while (end > skip && l[end - 1] == ' ')
			end--;
		bool one_word = memchr(l + skip, ' ', end - skip) == NULL;
		if (chars_of(l, len) > cols && !one_word)
			fprintf(stderr, "line over %zu characters: %.*s\n", cols, (int)len, l);
		CHECK(ts, chars_of(l, len) <= cols || one_word);
		widest = len > widest ? len : widest;
		l += len + (l[len] == '\n');
	}
	char *back = unflow(flowed);
	CHECK_STR_EQ(ts, back, want);
	free(back);
	return widest;
}

static char *wrap(const char *text)
{
	struct strbuf out;
	strbuf_init(&out);
	flowed_wrap(&out, text, FLOWED_COLS);
	return strbuf_steal(&out);
}

static void test_flowed_wrap(struct test_state *ts)
{
	struct strbuf para;
	strbuf_init(&para);
	for (int i = 0; i < 30; i++)
		strbuf_puts(&para, i ? " año señal niño" : "Información: año señal niño");
	strbuf_putc(&para, '\n');
	char *f = wrap(para.data);
	/* characters, not bytes: lines of accented words carry more than 78 bytes */
	CHECK(ts, check_flowed(ts, f, para.data, FLOWED_COLS) > FLOWED_COLS);
	size_t first = strcspn(f, "\n");
	CHECK(ts, first > 0 && f[first - 1] == ' ' && chars_of(f, first) >= 70);
	CHECK(ts, strlen(f) > 2 && f[strlen(f) - 2] != ' '); /* the last line: a hard break */
	free(f);
	/* a URL longer than a line stays whole on a line of its own */
	strbuf_reset(&para);
	strbuf_puts(&para, "Ver: https://example.gov.co/");
	for (int i = 0; i < 12; i++)
		strbuf_puts(&para, "documentos/");
	strbuf_puts(&para, "informe.pdf y nada más\n");
	f = wrap(para.data);
	check_flowed(ts, f, para.data, FLOWED_COLS);
	CHECK(ts, strstr(f, "\nhttps://example.gov.co/documentos/") != NULL);
	CHECK(ts, strstr(f, "informe.pdf \ny nada más\n") != NULL);
	CHECK(ts, strncmp(f, "Ver: \n", 6) == 0);
	free(f);
	strbuf_finish(&para);
}

static void test_flowed_stuffing(struct test_state *ts)
{
	char *f = wrap("> cita\nFrom here\n  sangría\nnormal   \n-- \n\nfin");
	CHECK_STR_EQ(ts, f, " > cita\n From here\n   sangría\nnormal\n-- \n\nfin\n");
	free(f);
	/* a soft break that leaves "From " at a line's start stuffs that line too */
	char line[100];
	memset(line, 'x', 75);
	snprintf(line + 75, sizeof line - 75, " From abc");
	f = wrap(line);
	char want[120];
	snprintf(want, sizeof want, "%.75s \n From abc\n", line);
	CHECK_STR_EQ(ts, f, want);
	free(f);
	/* the indent is no break point, and a stuffed line counts its stuffing space */
	char ind[120] = "  ";
	memset(ind + 2, 'y', 80);
	snprintf(ind + 82, sizeof ind - 82, " z");
	f = wrap(ind);
	snprintf(want, sizeof want, " %.82s \nz\n", ind);
	CHECK_STR_EQ(ts, f, want);
	free(f);
}

/* The digest's text part: declared flowed, its long rows soft-broken within 78 characters,
 * the soft breaks' spaces through quoted-printable, and unwrapped back to whole rows. */
static void test_flowed_digest(struct test_state *ts)
{
	struct mail_item it = three[1];
	it.activity = "Elaborar, publicar y socializar el informe pormenorizado del estado del "
		      "control interno de la entidad, con sus anexos y los soportes de cada "
		      "dependencia, en la sección de transparencia de la página web";
	it.link = "https://plazo.example.gov.co/oficinas/secretaria-general/"
		  "calendario-de-plazos-institucionales#actividad-7-hito-1";
	struct mail_digest d = digest(&it, 1);
	char *msg = compose(&d);
	CHECK(ts, strstr(msg, "Content-Type: text/plain; charset=UTF-8; format=flowed\r\n") != NULL);
	size_t n;
	const char *raw = raw_part(msg, "text/plain", &n);
	char *dec = raw != NULL ? decode_qp(raw, n) : NULL;
	char *text = part(msg, "text/plain");
	CHECK(ts, dec != NULL && text != NULL);
	if (dec != NULL && text != NULL) {
		check_flowed(ts, dec, text, FLOWED_COLS);
		CHECK(ts, strstr(dec, "Actividad 7: Elaborar, publicar ") != NULL);
		CHECK(ts, strstr(dec, " \nhttps://plazo.example.gov.co/oficinas/secretaria-general/"
				      "calendario-de-plazos-institucionales#actividad-7-hito-1\n"));
		struct strbuf want;
		strbuf_init(&want);
		strbuf_printf(&want, "\nActividad 7: %s\n", it.activity);
		CHECK(ts, strstr(text, want.data) != NULL);
		strbuf_reset(&want);
		strbuf_printf(&want, "\n  Ver en la página o marcar como entregada: %s\n", it.link);
		CHECK(ts, strstr(text, want.data) != NULL);
		strbuf_finish(&want);
	}
	CHECK(ts, raw != NULL && strstr(raw, "=20\r\n") != NULL); /* a soft break's space */
	free(text);
	free(dec);
	free(msg);
}

/* The welcome digest: its Subject and its opening before the items. */
static void test_welcome(struct test_state *ts)
{
	struct mail_digest d = digest(three, 3);
	d.welcome = true;
	check_subject(ts, &d, "Plazos: bienvenida, 1 vencida, 1 vence hoy, 1 próxima — "
			      "Secretaría General");
	char *msg = compose(&d);
	char *text = part(msg, "text/plain"), *html = part(msg, "text/html");
	const char *w = text ? strstr(text, "\nBienvenida a plazo\n\nplazo es el servicio") : NULL;
	CHECK(ts, w != NULL && strstr(w, "\nEsta es la situación de la oficina hoy:\n\nVencidas (1)"));
	CHECK(ts, html != NULL && strstr(html, ">Bienvenida a plazo</h2>") != NULL);
	free(html);
	free(text);
	free(msg);
	d = digest(NULL, 0);
	d.welcome = true;
	check_subject(ts, &d, "Plazos: bienvenida — Secretaría General");
	msg = compose(&d);
	text = part(msg, "text/plain");
	CHECK(ts, text != NULL && strstr(text, "hoy:\n\nNo hay plazos pendientes.\n") != NULL);
	free(text);
	free(msg);
}

TEST_MAIN(TEST(test_subject), TEST(test_long_subject), TEST(test_message_id), TEST(test_date),
	  TEST(test_digest_headers), TEST(test_digest_parts), TEST(test_golden_digest),
	  TEST(test_deterministic), TEST(test_injection), TEST(test_qp_edges), TEST(test_qp_lines),
	  TEST(test_wording), TEST(test_minimal), TEST(test_stored_message_id),
	  TEST(test_flowed_wrap), TEST(test_flowed_stuffing), TEST(test_flowed_digest),
	  TEST(test_welcome))
