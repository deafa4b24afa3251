"""Small helpers shared by the tests."""


def received(sio, name: str | None = None) -> list:
    """What a test client received since the last call, as (name, payload) pairs."""
    got = [(m["name"], m["args"][0] if m["args"] else None) for m in sio.get_received()]
    return [g for g in got if name is None or g[0] == name]
