"""Session kits: a workshop's agenda as a TOML file a facilitator can read and edit."""

import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "session_kits"
PHASE_KINDS = (
    "rules",  # the ground rules, read together
    "notes",  # post-its from phones, optionally in lanes
    "group",  # the facilitator gathers notes into themes
    "vote",  # dots to spend, with a budget
    "grid",  # the analysis grid, by table
    "followup",  # "Où en est-on ?": the open priorities and actions of the session followed
    "actions",  # the action plan
    "rapporteurs",  # volunteers step forward on their own phones; only a count is kept
    "recap",  # what the group keeps, and what to prepare before next time
)
GRID_COLUMNS = ("situation", "contraintes", "ressources", "causes", "effets", "pistes_action")
AUDIENCES = ("journee-collective", "etablissement")

# key -> (type, required); the types are those tomllib produces.
KIT_KEYS = {
    "id": (str, True),
    "title": (str, True),
    "audience": (str, True),
    "description": (str, True),
    "rules": (list, True),
    "warn_above": (int, False),
    "phases": (list, True),
}
PHASE_KEYS = {
    "id": (str, True),
    "kind": (str, True),
    "title": (str, True),
    "prompt": (str, False),
    "minutes": (int, False),
    "budget": (int, False),
    "hold": (bool, False),
    "multiple": (bool, False),
    "lanes": (list, False),
    "columns": (list, False),
    "tables": (list, False),
    "guidance": (str, False),
}


class KitError(Exception):
    """A kit file that cannot be used; the message names the file and the key."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{self.path}: « {key} » : {problem}")


@dataclass(frozen=True)
class Phase:
    id: str
    kind: str
    title: str
    prompt: str = ""
    minutes: int | None = None
    budget: int | None = None
    multiple: bool = True
    hold: bool = False
    lanes: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    guidance: str = ""


@dataclass(frozen=True)
class Kit:
    id: str
    title: str
    audience: str
    description: str
    rules: tuple[str, ...]
    phases: tuple[Phase, ...] = field(default_factory=tuple)
    warn_above: int | None = None

    def phase(self, phase_id: str) -> Phase | None:
        """The phase with this id, or None."""
        return next((p for p in self.phases if p.id == phase_id), None)

    def to_dict(self) -> dict:
        """A plain dict, kept with each session so that editing the file never changes it."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Kit":
        """The inverse of `to_dict`."""
        phases = tuple(Phase(**_tuples(p)) for p in data["phases"])
        return cls(**{**data, "rules": tuple(data["rules"]), "phases": phases})


def _tuples(data: dict) -> dict:
    """Lists back to tuples, so a kit read from JSON equals the one read from TOML."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}


def _check_keys(path: Path, where: str, data: dict, schema: dict) -> None:
    for key in data:
        if key not in schema:
            raise KitError(path, f"{where}{key}", "clé inconnue")
    for key, (kind, required) in schema.items():
        if key not in data:
            if required:
                raise KitError(path, f"{where}{key}", "clé obligatoire absente")
            continue
        value = data[key]
        # bool is an int in Python: refuse true/false where a number is expected.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise KitError(path, f"{where}{key}", f"type attendu : {kind.__name__}")


def _parse_phase(path: Path, index: int, data: object) -> Phase:
    where = f"phases[{index}]."
    if not isinstance(data, dict):
        raise KitError(path, f"phases[{index}]", "une étape doit être une table [[phases]]")
    _check_keys(path, where, data, PHASE_KEYS)
    if data["kind"] not in PHASE_KINDS:
        raise KitError(path, where + "kind", f"type d'étape inconnu ({', '.join(PHASE_KINDS)})")
    if "budget" in data and data["kind"] != "vote":
        raise KitError(path, where + "budget", "seule une étape de vote a un budget")
    if data.get("budget", 1) < 1 or data.get("minutes", 1) < 1:
        raise KitError(
            path,
            where + ("budget" if data.get("budget", 1) < 1 else "minutes"),
            "doit être un entier positif",
        )
    for key in ("lanes", "columns", "tables"):
        if not all(isinstance(item, str) and item.strip() for item in data.get(key, [])):
            raise KitError(path, where + key, "une liste de textes non vides est attendue")
    unknown = [c for c in data.get("columns", []) if c not in GRID_COLUMNS]
    if unknown:
        raise KitError(path, where + "columns", f"colonnes possibles : {', '.join(GRID_COLUMNS)}")
    if data["kind"] == "vote":
        data = {"budget": 3, **data}
    if data["kind"] == "grid":
        data = {"columns": list(GRID_COLUMNS), **data}
    return Phase(**_tuples(data))


def parse_kit(path: Path, text: str) -> Kit:
    """Validate one kit file's text; raise KitError naming the file and the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise KitError(path, "toml", f"syntaxe invalide ({error})") from None
    _check_keys(path, "", data, KIT_KEYS)
    if data["audience"] not in AUDIENCES:
        raise KitError(path, "audience", f"valeurs possibles : {', '.join(AUDIENCES)}")
    if not all(isinstance(rule, str) for rule in data["rules"]):
        raise KitError(path, "rules", "une liste de textes est attendue")
    phases = tuple(_parse_phase(path, i, p) for i, p in enumerate(data["phases"]))
    if not phases:
        raise KitError(path, "phases", "au moins une étape est nécessaire")
    ids = [p.id for p in phases]
    if len(set(ids)) != len(ids):
        raise KitError(path, "phases", "deux étapes portent le même id")
    return Kit(**{**data, "rules": tuple(data["rules"]), "phases": phases})


def load_kits(*folders: Path) -> tuple[dict[str, Kit], list[KitError]]:
    """Every kit in these folders, by id, and the errors of the broken ones."""
    kits: dict[str, Kit] = {}
    broken: list[KitError] = []
    for folder in folders:
        for path in sorted(Path(folder).glob("*.toml")):
            try:
                kit = parse_kit(path, path.read_text(encoding="utf-8"))
            except KitError as error:
                broken.append(error)
                continue
            if kit.id in kits:
                broken.append(KitError(path, "id", f"l'id « {kit.id} » est déjà pris"))
                continue
            kits[kit.id] = kit
    return kits, broken
