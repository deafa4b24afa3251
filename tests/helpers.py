"""Small helpers shared by the tests."""


def received(sio, name: str | None = None) -> list:
    """What a test client received since the last call, as (name, payload) pairs."""
    got = [(m["name"], m["args"][0] if m["args"] else None) for m in sio.get_received()]
    return [g for g in got if name is None or g[0] == name]


def docx_text(data: bytes) -> str:
    """A Word file read back: each paragraph with its style, each table row, in order."""
    import io

    from docx import Document
    from docx.table import Table

    lines = []
    for block in Document(io.BytesIO(data)).iter_inner_content():
        if isinstance(block, Table):
            lines += [" | ".join(c.text for c in row.cells) for row in block.rows]
        elif block.text:
            lines.append(f"[{block.style.name}] {block.text}")
    return "\n".join(lines) + "\n"
