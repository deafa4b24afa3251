"""The `facilitate` command. Light imports only: `serve` must patch eventlet before Flask loads."""

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="facilitate", description="Animer une séance en direct.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="lancer le serveur de séance")
    serve.add_argument("--host", default="0.0.0.0", help="adresse d'écoute (défaut : toutes)")
    serve.add_argument("--port", type=int, default=8000, help="port (défaut : 8000)")
    commands.add_parser("kits", help="lister les déroulés de séance")
    new = commands.add_parser("new", help="ouvrir une séance et afficher ses adresses en JSON")
    new.add_argument("--kit", required=True)
    new.add_argument("--title")
    new.add_argument("--follows", help="code de la séance dont celle-ci est la suite")
    export = commands.add_parser("export", help="écrire le compte-rendu d'une séance")
    export.add_argument("code")
    export.add_argument("--format", choices=("md", "html", "json", "docx"), default="md")
    export.add_argument("-o", "--output", help="fichier à écrire (défaut : la sortie standard)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        from .server import serve as run_server

        return run_server(args.host, args.port)
    return {"kits": list_kits, "new": new_workshop, "export": export_minutes}[args.command](args)


def list_kits(_args) -> int:
    """Print each kit, its phases indented below; report broken kits and fail if any."""
    from .app import create_app

    services = create_app().extensions["facilitate"]
    for kit in services.kits.values():
        print(f"{kit.id}\n    {kit.title} ({kit.audience})")
        for phase in kit.phases:
            minutes = f", {phase.minutes} min" if phase.minutes else ""
            print(f"    - {phase.title} [{phase.kind}{minutes}]")
    for error in services.broken_kits:
        print(f"déroulé invalide : {error}", file=sys.stderr)
    return 1 if services.broken_kits else 0


def new_workshop(args) -> int:
    """Open a workshop and print the same JSON as `POST /api/sessions`."""
    from .app import create_app
    from .errors import Refusal
    from .network import public_url
    from .web import followed, links, open_workshop

    app = create_app()
    base = app.config["PUBLIC_URL"] or public_url("0.0.0.0", 8000)
    with app.test_request_context(base_url=base):
        try:
            earlier = followed(args.follows, None, check_key=False)
            code, key = open_workshop(args.kit, args.title, earlier)
        except Refusal as refusal:
            print(json.dumps({"error": refusal.as_dict()}, ensure_ascii=False), file=sys.stderr)
            return 2
        print(json.dumps(links(code, key), ensure_ascii=False))
    return 0


def export_minutes(args) -> int:
    """Write a session's minutes, the same document as `GET /api/sessions/<code>/minutes.*`."""
    from pathlib import Path

    from .app import create_app
    from .errors import Refusal
    from .web import known_code, render_minutes

    app = create_app()
    with app.app_context():
        try:
            text = render_minutes(known_code(args.code), args.format)
        except Refusal as refusal:
            print(json.dumps({"error": refusal.as_dict()}, ensure_ascii=False), file=sys.stderr)
            return 2
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
