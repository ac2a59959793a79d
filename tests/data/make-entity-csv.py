#!/usr/bin/python3
"""Makes the Excel (Spanish locale) CSV variant of each entity fixture TSV:

    cd tests/data && /usr/bin/python3 make-entity-csv.py

Excel saves "CSV (delimitado por comas)" in a Spanish locale with ';' between fields,
Windows-1252 text and CRLF line ends; a field holding ';', '"' or a line break is quoted with
its quotes doubled, and a line break inside a cell stays a bare LF inside the quotes. Every
row is padded to the header's width, as Excel writes the used range. The TSVs are the
sources (hand-written); the .csv files are generated and committed.
"""
import csv
import io
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = ["paac-riesgos-2024", "plan-accion-2024", "seguimiento-oci-2024",
            "cronograma-rendicion-2024"]


def read_tsv(name):
    with open(os.path.join(HERE, name + ".tsv"), encoding="utf-8", newline="") as f:
        return list(csv.reader(f, delimiter="\t", quotechar='"'))


def excel_field(cell):
    if any(c in cell for c in ';"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def write_csv(name, rows):
    width = max(len(r) for r in rows)
    out = io.StringIO()
    for row in rows:
        cells = row + [""] * (width - len(row))
        out.write(";".join(excel_field(c) for c in cells) + "\r\n")
    with open(os.path.join(HERE, name + "-excel-es.csv"), "wb") as f:
        f.write(out.getvalue().encode("cp1252"))


def main():
    for name in FIXTURES:
        write_csv(name, read_tsv(name))


if __name__ == "__main__":
    main()
