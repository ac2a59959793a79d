#include "refusal.h"

#include <stdio.h>
#include <string.h>

#include "page.h"
#include "strbuf.h"

/* The words of a refusal: the page's (title, what, todo) and the plain text elsewhere. */
struct words {
	const char *title;
	const char *what;
	const char *todo;
	const char *text; /* the plain-text body, off the office pages */
	bool back; /* the office is known: link back to its page */
};

static const struct words reasons[] = {
	[REFUSAL_OTHER_SITE] =
		{"Solicitud rechazada",
		 "No se registró nada: la solicitud viene de otro sitio. plazo solo acepta los "
		 "formularios enviados desde la página de la oficina, abierta en la dirección "
		 "que plazo conoce.",
		 "Abra la página de la oficina con el enlace de su correo de plazos y repita. Si "
		 "la abrió así y vuelve a ver este mensaje, avise al administrador de plazo: la "
		 "dirección con que abrió la página debe agregarse a las direcciones aceptadas "
		 "([http] origins).",
		 "Solicitud rechazada: viene de otro sitio.\n", true},
	[REFUSAL_UNKNOWN] =
		{"Página no encontrada",
		 "Esta dirección no corresponde a la página de ninguna oficina: puede estar "
		 "incompleta o haber cambiado.",
		 "Use el enlace a la página de la oficina de su último correo de plazos.",
		 "No encontrado\n", false},
	[REFUSAL_MOVED] =
		{"Esta dirección ya no permite marcar entregas",
		 "No se registró nada: la página de la oficina cambió de dirección, y "
		 "desde esta ya no se pueden marcar entregas.",
		 "El enlace nuevo llega en el próximo correo de plazos de la oficina; marque la "
		 "entrega desde allí.",
		 "Esta dirección ya no permite marcar entregas: la página de la oficina "
		 "cambió de dirección y el enlace nuevo llega en su próximo correo de "
		 "plazos.\n",
		 true},
	[REFUSAL_MEDIA_TYPE] =
		{"Solicitud rechazada",
		 "No se registró nada: lo enviado no es un formulario de la página de la "
		 "oficina.",
		 "Vuelva a la página de la oficina y use sus formularios.",
		 "Se esperaba un formulario de la página (application/x-www-form-urlencoded).\n",
		 true},
	[REFUSAL_TOO_LARGE] =
		{"El formulario es demasiado largo",
		 "No se registró nada: el formulario enviado es demasiado largo.",
		 "Vuelva a la página de la oficina, acorte el nombre o el enlace a la evidencia y "
		 "envíelo de nuevo.",
		 "El formulario es demasiado largo.\n", true},
	[REFUSAL_BUSY] =
		{"Demasiadas conexiones",
		 "No se registró nada: hay demasiadas conexiones abiertas desde su dirección.",
		 "Espere un momento, vuelva a la página de la oficina y repita.",
		 "Demasiadas conexiones desde su dirección; intente de nuevo en un momento.\n",
		 true},
	[REFUSAL_STARTING] = {"plazo se está iniciando",
			      "plazo se está iniciando y todavía no atiende esta página.",
			      "Intente de nuevo en unos segundos.",
			      "Iniciando; intente de nuevo en unos segundos\n", true},
	[REFUSAL_METHOD] =
		{"Dirección solo para formularios",
		 "Esta dirección solo recibe los formularios de la página de la oficina; abrirla "
		 "no cambia nada.",
		 "Vuelva a la página de la oficina.", "Método no permitido\n", true},
};

/* The form handler's refusals, by status (http.h: http_form_reply). */
static struct words form_words(unsigned status)
{
	struct words w = {"No se registró el cambio", NULL,
			  "Vuelva a la página de la oficina, corrija el formulario y envíelo de "
			  "nuevo.",
			  NULL, true};
	switch (status) {
	case 403:
		w.what = "No se registró nada: el formulario no es el de la página vigente de la "
			 "oficina.";
		w.todo = "Vuelva a la página de la oficina, recárguela y repita.";
		break;
	case 404:
		return reasons[REFUSAL_UNKNOWN];
	case 409:
		w.what = "No se registró nada: la página que usó ya no está al día.";
		w.todo = "Vuelva a la página de la oficina, recárguela y repita si todavía hace "
			 "falta.";
		break;
	case 503:
		w.what = "No se registró nada: plazo no pudo guardarlo en este momento.";
		w.todo = "Espere un momento, vuelva a la página de la oficina y repita.";
		break;
	default:
		w.what = "No se registró nada: falta algo en el formulario o algo no está bien "
			 "escrito.";
	}
	return w;
}

char *refusal_body(enum refusal_reason why, unsigned status, const char *detail, const char *page,
		   size_t *len, bool *html)
{
	struct words w = why == REFUSAL_FORM ? form_words(status) : reasons[why];
	struct strbuf out;
	strbuf_init(&out);
	*html = page != NULL;
	if (page == NULL) {
		if (w.text != NULL)
			strbuf_puts(&out, w.text);
		else
			strbuf_printf(&out, "%s\n", detail != NULL ? detail : w.what);
	} else {
		char back[64];
		snprintf(back, sizeof(back), "/o/%.32s", page);
		struct page_refusal r = {w.title, w.what, detail, w.todo, w.back ? back : NULL};
		page_render_refusal(&r, &out);
	}
	*len = out.len;
	return strbuf_steal(&out);
}
