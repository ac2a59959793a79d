#!/usr/bin/python3
"""Regenerates the table fixtures from the seed TSV (which is never edited).

    cd tests/data && /usr/bin/python3 make-fixtures.py

seed-excel-es.csv       the seed as Excel (Spanish locale) saves CSV: Windows-1252, ';',
                        CRLF, fields with ';', '"' or line breaks quoted, every row padded to
                        the six columns (empty rows become ';;;;;').
seed-reordered-bom.tsv  UTF-8 with BOM, columns in another order and header names spelled
                        as synonyms; same rows, same lines, LF, no final newline like the seed.
table-quoted.csv        small hand-made comma CSV with CRLF, a title, quoted header cells and
                        quoted fields holding ',', '""' and a CRLF line break.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = "estrategia-rendicion-cuentas-2023.tsv"
HEADER = ["Subcomponente", "#", "Actividades", "Meta", "Responsable", "Fecha Programada"]
NCOLS = len(HEADER)

# New position i takes the seed column ORDER[i]; NEW_HEADER[i] names it.
ORDER = [5, 4, 1, 2, 0, 3]
NEW_HEADER = ["FECHA LÍMITE", "Dependencia responsable", "N°", "Actividad", "Subcomponente",
              "Meta / Producto"]


def read_seed():
    with open(os.path.join(HERE, SEED), "rb") as f:
        text = f.read().decode("utf-8")
    assert "\r" not in text
    return [line.split("\t") for line in text.split("\n")]


def excel_field(cell):
    if any(c in cell for c in ';"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def write_excel(rows):
    lines = []
    for row in rows:
        cells = row + [""] * (NCOLS - len(row))
        lines.append(";".join(excel_field(c) for c in cells))
    data = "".join(line + "\r\n" for line in lines).encode("cp1252")
    with open(os.path.join(HERE, "seed-excel-es.csv"), "wb") as f:
        f.write(data)


def write_reordered(rows):
    lines = []
    for row in rows:
        if row == HEADER:
            row = NEW_HEADER
        elif len(row) == NCOLS:
            row = [row[i] for i in ORDER]
        lines.append("\t".join(row))
    data = ("\ufeff" + "\n".join(lines)).encode("utf-8")
    with open(os.path.join(HERE, "seed-reordered-bom.tsv"), "wb") as f:
        f.write(data)


def write_quoted():
    lines = [
        "Plan de acción 2024",
        "",
        '"N°","Actividad","Responsable","Fecha límite"',
        '1,"Revisar, aprobar y publicar",Oficina A,1/2/2024',
        '2,"Informe ""final""",Oficina B,2/2/2024',
        '3,"Primera línea\r\nSegunda línea",Oficina C,3/2/2024',
        '4,Sin comillas,"Oficina D",4/2/2024',
    ]
    with open(os.path.join(HERE, "table-quoted.csv"), "wb") as f:
        f.write("".join(line + "\r\n" for line in lines).encode("utf-8"))


def main():
    rows = read_seed()
    assert len(rows) == 106
    for row in rows:
        assert len(row) in (1, NCOLS), row
    write_excel(rows)
    write_reordered(rows)
    write_quoted()


if __name__ == "__main__":
    main()
