"""The minutes as a Word document, for the COPILs and CSEs that edit them in Word or LibreOffice.

Built with python-docx from the same blocks as the Markdown (`minutes.blocks`). Text goes in as
text runs, never as markup, so hostile text stays text. The file is the same bytes on every
call: its properties carry the session's day and no author, and the zip entries a fixed date.
"""

import datetime
import io
import zipfile

from docx import Document
from docx.shared import Pt

from .minutes import blocks

HEADING_LEVELS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3}


def to_docx(m: dict) -> bytes:
    """The minutes as a .docx file."""
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    _properties(document, m)
    for block in blocks(m):
        _add(document, block)
    out = io.BytesIO()
    document.save(out)
    return _stable_zip(out.getvalue())


def _properties(document, m: dict) -> None:
    props = document.core_properties
    props.title = f"Compte-rendu : {m['session']['title']}"
    props.author = props.last_modified_by = "facilitate"
    props.comments = props.keywords = props.subject = props.category = ""
    day = datetime.date.fromisoformat(m["date"]) if m["date"] else datetime.date(2000, 1, 1)
    midnight = datetime.datetime.combine(day, datetime.time())  # the day, never a time
    props.created = props.modified = midnight
    props.last_printed = midnight
    props.revision = 1


def _add(document, block: tuple) -> None:
    kind = block[0]
    if kind in HEADING_LEVELS:
        document.add_heading(block[1], level=HEADING_LEVELS[kind])
    elif kind == "p":
        document.add_paragraph(block[1])
    elif kind == "ul":
        for text in block[1]:
            document.add_paragraph(text, style="List Bullet")
    elif kind == "ol":  # numbered by hand: Word's numbering would run on from list to list
        for number, text in enumerate(block[1], 1):
            document.add_paragraph(f"{number}. {text}")
    else:
        _table(document, block[1], block[2])


def _table(document, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(title).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    document.add_paragraph()


def _stable_zip(data: bytes) -> bytes:
    """The same archive with every entry dated alike, so that two exports are equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
