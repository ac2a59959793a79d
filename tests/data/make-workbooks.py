#!/usr/bin/python3
"""make-workbooks.py - writes the workbook fixtures of tests/data/workbooks/ and the hostile
ones of tests/data/workbooks-hostile/. Needs python3-openpyxl and, for the LibreOffice-saved
copies, libreoffice-calc-nogui (soffice); neither is needed to run the tests, which read the
committed files. Run from anywhere: /usr/bin/python3 tests/data/make-workbooks.py [paac] [merges]
(naming writers runs only those, which need no LibreOffice).
"""
import csv
import datetime
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

import openpyxl
from openpyxl.styles import Alignment
from openpyxl.utils.datetime import CALENDAR_MAC_1904

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "workbooks")
HOSTILE = os.path.join(HERE, "workbooks-hostile")
SEED = os.path.join(HERE, "estrategia-rendicion-cuentas-2023.tsv")
GOLDEN = os.path.join(HERE, "seed-golden.txt")
SINGLE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def golden_by_line():
    """line -> the milestones the hand reading gives that row."""
    out = {}
    for line in open(GOLDEN, encoding="utf-8"):
        if line.startswith("#"):
            continue
        number, row, sub, offices, dates = line.rstrip("\n").split("|")
        out[int(row)] = dates.split()
    return out


def typed_date(cell, milestones):
    """A single date whose numbers the hand reading confirms, as a date; else None (the
    cell stays text: ranges, lists, 31/11/2023 which is no date)."""
    m = SINGLE.match(cell.strip())
    if not m or len(milestones) != 1 or ".." in milestones[0]:
        return None
    y, mo, d = (int(x) for x in milestones[0].split("-"))
    a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if year != y or {a, b} != {mo, d} and not (a == d and b == mo) and not (a == mo and b == d):
        return None
    if not ((a == d and b == mo) or (a == mo and b == d)):
        return None
    return datetime.datetime(y, mo, d)


def seed_rows():
    with open(SEED, encoding="utf-8", newline="") as f:
        return list(csv.reader(f, delimiter="\t"))


def strip_tags(s):
    return re.sub(r"</?b>", "", s)


def write_seed(path):
    gold = golden_by_line()
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Portada"
    cover["A1"] = "Gobernación del Valle del Cauca"
    cover["A2"] = "Plan Anticorrupción y de Atención al Ciudadano 2023"
    cover["A4"] = "Componente 3: Rendición de cuentas (hoja siguiente)"
    ws = wb.create_sheet("Rendición de cuentas")
    rows = seed_rows()
    sub_top = None
    for i, row in enumerate(rows, start=1):
        for j, cell in enumerate(row, start=1):
            if cell == "":
                continue
            value = strip_tags(cell)
            if j == 5 and " / " in value:
                value = value.replace(" / ", "\n")  # offices on lines of their own
            date = typed_date(cell, gold.get(i, [])) if j == 6 else None
            c = ws.cell(row=i, column=j, value=date or value)
            if date:
                c.number_format = "dd/mm/yyyy"
            if "\n" in value:
                c.alignment = Alignment(wrap_text=True)
    # The subcomponent merged over the data rows below it, up to the next blank row.
    for i, row in enumerate(rows, start=1):
        if row and row[0].startswith("<b>Subcomponente"):
            last = i
            while last < len(rows) and len(rows[last]) > 1 and rows[last][0] == "" and rows[last][1]:
                last += 1
            if last > i:
                ws.merge_cells(start_row=i, start_column=1, end_row=last, end_column=1)
    wb.save(path)


def soffice(src, fmt, dest):
    tmp = tempfile.mkdtemp()
    subprocess.run(["soffice", "--headless", "--convert-to", fmt, "--outdir", tmp, src],
                   check=True, stdout=subprocess.DEVNULL)
    base = os.path.splitext(os.path.basename(src))[0]
    shutil.move(os.path.join(tmp, base + "." + fmt), dest)
    shutil.rmtree(tmp)


def write_1904(path):
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Plan 2024"
    ws.append(["#", "Actividad", "Responsable", "Fecha límite"])
    ws.append([1, "Publicar el plan", "Secretaría General", datetime.datetime(2024, 1, 31)])
    ws.append([2, "Informe de seguimiento", "Oficina Comunicaciones", datetime.datetime(2024, 4, 30)])
    ws.append([3, "Audiencia pública", "Secretaría de Desarrollo Social y Participación", datetime.datetime(2024, 12, 20)])
    for r in range(2, 5):
        ws.cell(row=r, column=4).number_format = "yyyy-mm-dd"
    wb.save(path)


PAAC = (
    ("Gestión del riesgo", "Componente 1: Gestión del riesgo de corrupción",
     "Departamento Administrativo de Planeación", "Subcomponente 1 Política", ()),
    ("Rendición de cuentas", "Componente 3: Rendición de cuentas", "Secretaría General",
     "Subcomponente 1 Información",
     (("Subcomponente 2 Diálogo", "2.1", "Audiencia pública", "Audiencia realizada",
       datetime.datetime(2024, 11, 29)),)),
)


def write_paac(path):
    """One sheet per PAAC component, each titled with its component, the same activity
    numbers (1.1, 1.2) in both; 2.1 only in the second."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Portada"
    cover["A1"] = "Plan Anticorrupción y de Atención al Ciudadano 2024"
    for sheet, title, who, sub, more in PAAC:
        ws = wb.create_sheet(sheet)
        ws["A1"] = title
        ws.append([])
        ws.append(["Subcomponente", "#", "Actividades", "Meta o producto", "Responsable",
                   "Fecha programada"])
        ws.append([sub, "1.1", "Revisar la política", "Política revisada",
                   who, datetime.datetime(2024, 3, 31)])
        ws.append([None, "1.2", "Publicar la política", "Política publicada", who,
                   datetime.datetime(2024, 4, 30)])
        ws.merge_cells("A4:A5")
        for extra in more:
            ws.append([extra[0], extra[1], extra[2], extra[3], who, extra[4]])
        for r in range(4, ws.max_row + 1):
            ws.cell(row=r, column=6).number_format = "dd/mm/yyyy"
    wb.save(path)


def write_merges(path):
    """Merged regions across columns: the title and the "Fecha" header over Inicio/Fin, a
    subcomponent title row across the whole table, a date merged over Inicio and Fin."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Plan"
    ws["A1"] = "Plan de acción 2024"
    ws.merge_cells("A1:F1")
    ws.append(["Subcomponente", "#", "Actividad", "Responsable", "Fecha", None])
    ws.append([None, None, None, None, "Inicio", "Fin"])
    for col in "ABCD":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("E2:F2")
    ws.append(["Subcomponente 1 Planeación"])
    ws.merge_cells("A4:F4")
    ws.append([None, 1, "Publicar el plan", "Secretaría General",
               datetime.datetime(2024, 1, 31)])
    ws.merge_cells("E5:F5")
    ws.append([None, 2, "Informe de seguimiento", "Oficina Comunicaciones",
               datetime.datetime(2024, 2, 1), datetime.datetime(2024, 4, 30)])
    for r in (5, 6):
        for c in (5, 6):
            ws.cell(row=r, column=c).number_format = "dd/mm/yyyy"
    wb.save(path)


CT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/book/main.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rIdA" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
<Relationship Id="rIdB" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/book/main.xml"/>
</Relationships>"""
BOOK = """<?xml version="1.0" encoding="UTF-8"?>
<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<x:workbookPr/>
<x:sheets><x:sheet name="Instrucciones" sheetId="1" r:id="R9"/><x:sheet name="Seguimiento" sheetId="2" r:id="R3"/></x:sheets>
</x:workbook>"""
BOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="R3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="../tabs/t2.xml"/>
<Relationship Id="R9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="../tabs/t1.xml"/>
<Relationship Id="R4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings/text.xml"/>
<Relationship Id="R5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="look.xml"/>
</Relationships>"""
STRINGS = """<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="7" uniqueCount="7">
<si><t>Actividad</t></si>
<si><r><rPr><b/></rPr><t>Responsable</t></r></si>
<si><t>Fecha límite</t></si>
<si><r><t xml:space="preserve">Publicar el </t></r><r><rPr><i/></rPr><t>informe</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>
<si><t>Secretaría General
Oficina Comunicaciones</t></si>
<si><t>Audiencia pública</t></si>
<si><t>Leer estas instrucciones antes de diligenciar</t></si>
</sst>"""
STYLES = """<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="170" formatCode="[$-240A]d&quot; de &quot;mmmm&quot; de &quot;yyyy"/><numFmt numFmtId="171" formatCode="&quot;day&quot; 0"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="170"/><xf numFmtId="171"/></cellXfs>
</styleSheet>"""
SHEET1 = """<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>6</v></c></row></sheetData></worksheet>"""
SHEET2 = """<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c><c r="D2" t="s"><v>2</v></c></row>
<row r="3"><c r="B3" t="s"><v>3</v></c><c r="C3" t="s"><v>4</v></c><c r="D3" s="1"><v>45016</v></c></row>
<row r="4"><c r="B4" t="inlineStr"><is><t>Informe de gestión</t></is></c><c r="C4" t="str"><f>C3</f><v>Secretaría de Desarrollo Social y Participación</v></c><c r="D4" s="2"><v>45291.5</v></c></row>
<row r="5"><c r="B5" t="s"><v>5</v></c><c r="C5" t="inlineStr"><is><r><t>Protocolo </t></r><r><t>Secretaría General</t></r></is></c><c r="D5" s="3"><v>2023</v></c></row>
<row><c r="B6" t="inlineStr"><is><t>Mesa de trabajo</t></is></c><c t="inlineStr"><is><t>Oficina Comunicaciones</t></is></c><c s="1"><v>45107</v></c></row>
<row r="7"><c r="B7" t="inlineStr"><is><t>Encuesta de percepción</t></is></c><c r="C7" t="inlineStr"><is><t>Oficina para la Transparencia</t></is></c><c r="D7" s="1"><v>45260</v></c></row>
<row r="8"><c r="B8" t="inlineStr"><is><t>Boletín de resultados</t></is></c><c r="D8" s="1"><v>45275</v></c></row>
</sheetData><mergeCells count="1"><mergeCell ref="C7:C8"/></mergeCells></worksheet>"""


def write_hand(path, sheet2=SHEET2, strings=STRINGS, book=BOOK, book_rels=BOOK_RELS,
               extra=None, drop=()):
    parts = {
        "[Content_Types].xml": CT, "_rels/.rels": ROOT_RELS, "book/main.xml": book,
        "book/_rels/main.xml.rels": book_rels, "book/strings/text.xml": strings,
        "book/look.xml": STYLES, "tabs/t1.xml": SHEET1, "tabs/t2.xml": sheet2,
    }
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            if name not in drop:
                z.writestr(name, text)


SERIALS = """<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>Actividad</t></is></c><c r="B1" t="inlineStr"><is><t>Responsable</t></is></c><c r="C1" t="inlineStr"><is><t>Fecha</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>Uno</t></is></c><c r="B2" t="inlineStr"><is><t>Secretaría General</t></is></c><c r="C2" s="1"><v>59</v></c></row>
<row r="3"><c r="A3" t="inlineStr"><is><t>Dos</t></is></c><c r="B3" t="inlineStr"><is><t>Secretaría General</t></is></c><c r="C3" s="1"><v>60</v></c></row>
<row r="4"><c r="A4" t="inlineStr"><is><t>Tres</t></is></c><c r="B4" t="inlineStr"><is><t>Secretaría General</t></is></c><c r="C4" s="1"><v>61</v></c></row>
<row r="5"><c r="A5" t="inlineStr"><is><t>Cuatro</t></is></c><c r="B5" t="inlineStr"><is><t>Secretaría General</t></is></c><c r="C5" s="1"><v>1</v></c></row>
<row r="6"><c r="A6" t="inlineStr"><is><t>Cinco</t></is></c><c r="B6" t="inlineStr"><is><t>Secretaría General</t></is></c><c r="C6" s="2"><v>45016.75</v></c></row>
</sheetData></worksheet>"""


ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"')
HAND_ODS = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content %s><office:body><office:spreadsheet>
<table:table table:name="Listas"><table:table-row><table:table-cell office:value-type="string"><text:p>Dependencias</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>Secretaría General</text:p></table:table-cell></table:table-row></table:table>
<table:table table:name="Plan de acción">
<table:table-column table:number-columns-repeated="1024"/>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
<table:table-header-rows><table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="string"><text:p>Actividad</text:p></table:table-cell><table:table-cell><text:p>Responsable</text:p></table:table-cell><table:table-cell><text:p>Fecha</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1019"/></table:table-row></table:table-header-rows>
<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell><text:p>Informe<text:s/>anual<text:s text:c="3"/>de <text:span>gestión</text:span></text:p></table:table-cell><table:table-cell><office:annotation><dc:creator>Ana</dc:creator><text:p>Nota: revisar</text:p></office:annotation><text:p>Secretaría General<text:line-break/>Oficina Comunicaciones</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2023-03-31T00:00:00"><text:p>31/03/23</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell><text:p>Audiencia pública</text:p></table:table-cell><table:table-cell table:number-rows-spanned="2"><text:p>Oficina para la Transparencia</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="2023"><text:p>2023</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell><text:p>Encuesta</text:p></table:table-cell><table:covered-table-cell/><table:table-cell office:value-type="string"><text:p>15/12/2023</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell><text:p>Primera parte</text:p><text:p>segunda parte</text:p></table:table-cell><table:table-cell><text:p>Secretaría General</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2023-06-30"><text:p>30 jun. 2023</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell><text:p>Cierre</text:p></table:table-cell><table:table-cell table:number-columns-spanned="2"><text:p>Secretaría General</text:p></table:table-cell><table:covered-table-cell office:value-type="string"><text:p>31/12/2023</text:p></table:covered-table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>""" % ODS_NS


def write_hand_ods(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", HAND_ODS)


def lying_sizes(src, dest):
    """The same zip with every entry's uncompressed size written as 1000 bytes in its local
    and central headers: the bound must hold while inflating, whatever the headers say."""
    data = bytearray(open(src, "rb").read())
    for magic, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = data.find(magic)
        while i >= 0:
            struct.pack_into("<I", data, i + offset, 1000)
            i = data.find(magic, i + 4)
    open(dest, "wb").write(data)


def write_hostile():
    # a part that inflates to 300 MiB of zeros (about 300 KiB compressed)
    with zipfile.ZipFile(os.path.join(HOSTILE, "bomb.xlsx"), "w", zipfile.ZIP_DEFLATED,
                         compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("book/main.xml", b"<a>" + b" " * (300 << 20) + b"</a>")
    lying_sizes(os.path.join(HOSTILE, "bomb.xlsx"), os.path.join(HOSTILE, "bomb-lying-sizes.xlsx"))
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
              '<sst><si><t>&lol3;</t></si></sst>')
    write_hand(os.path.join(HOSTILE, "entities.xlsx"), strings=laughs)
    write_hand(os.path.join(HOSTILE, "missing-part.xlsx"), drop=("tabs/t2.xml",))
    huge = STRINGS.replace('uniqueCount="7"', 'uniqueCount="4294967295"')
    write_hand(os.path.join(HOSTILE, "huge-sst.xlsx"), strings=huge)
    rows = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
            '<office:spreadsheet><table:table table:name="Plan">'
            '<table:table-row table:number-rows-repeated="1048576">'
            '<table:table-cell table:number-columns-repeated="3"><text:p>x</text:p>'
            '</table:table-cell></table:table-row></table:table></office:spreadsheet>'
            '</office:body></office:document-content>')
    with zipfile.ZipFile(os.path.join(HOSTILE, "million-rows.ods"), "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", rows)
    with open(os.path.join(HOSTILE, "legacy.xls"), "wb") as f:
        f.write(bytes([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + bytes(504))


def main():
    os.makedirs(OUT, exist_ok=True)
    only = {"paac": lambda: write_paac(os.path.join(OUT, "paac-componentes.xlsx")),
            "merges": lambda: write_merges(os.path.join(OUT, "merges-across.xlsx"))}
    if sys.argv[1:]:  # only these (no LibreOffice needed): paac, merges
        for name in sys.argv[1:]:
            only[name]()
        return
    os.makedirs(HOSTILE, exist_ok=True)
    seed = os.path.join(OUT, "seed-openpyxl.xlsx")
    write_seed(seed)
    soffice(seed, "ods", os.path.join(OUT, "seed-libreoffice.ods"))
    ods = os.path.join(OUT, "seed-libreoffice.ods")
    soffice(ods, "xlsx", os.path.join(OUT, "seed-libreoffice.xlsx"))
    write_1904(os.path.join(OUT, "dates-1904.xlsx"))
    write_hand(os.path.join(OUT, "hand-excel-shape.xlsx"))
    write_hand(os.path.join(OUT, "serials-1900.xlsx"), sheet2=SERIALS)
    write_hand_ods(os.path.join(OUT, "hand.ods"))
    write_paac(os.path.join(OUT, "paac-componentes.xlsx"))
    write_merges(os.path.join(OUT, "merges-across.xlsx"))
    write_hostile()


if __name__ == "__main__":
    main()
