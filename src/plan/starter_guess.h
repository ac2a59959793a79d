/* starter_guess.h - a cell split into office names with no directory (`plazo init`). */
#ifndef PLAZO_STARTER_GUESS_H
#define PLAZO_STARTER_GUESS_H

#include <stddef.h>

/* Heuristic segmentation without a directory, for `plazo init` (starter.h): splits a cell
 * at the words that start an office name (Secretaría, Oficina, Departamento, Dirección,
 * Equipo, ...) and at double spaces or line breaks. A name starting with Equipo(s),
 * Grupo(s), Enlace(s) or Protocolo that has at most 2 words absorbs the next office once
 * ("Equipo comunicaciones Secretaría General"); "- Equipo ..." stays with what precedes.
 * Names are trimmed like office_split pieces. Appends owned strings to *out, growing it
 * through xgrow. */
void starter_guess_split(const char *cell, char ***out, size_t *n_out, size_t *cap_out);

#endif
