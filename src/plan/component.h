/* component.h - the component a plan table's own title names, as a stable label for the
 * identities of its activities when another table of the plan uses the same refs.
 */
#ifndef PLAZO_COMPONENT_H
#define PLAZO_COMPONENT_H

#include <stddef.h>

#include "table.h"

/* A label's bound, NUL included. */
enum { COMPONENT_LABEL_SIZE = 24 };

/* The label of the component named in the lines above t's header (its title): "comp2" for
 * "Componente 2: Racionalización de trámites" (the number wins), else the folded words of
 * the name, joined by '-' and cut at a word to fit ("Componente: Rendición de cuentas" ->
 * "rendicion-de-cuentas"); "" when no title line names a component ("Subcomponente" does
 * not). Never a path, a file name or a sheet name. Writes out and returns it. */
const char *component_label(const struct table *t, char out[static COMPONENT_LABEL_SIZE]);

#endif
