"""The review before the minutes go out: texts that name a person or single out a role.

The field's rule is to question organisations and functions, not people. This finds the texts
to reword; it is shown to the facilitator only, and rewording keeps a note's meaning and votes.
It is a helper, not a judge: it errs on the side of asking.
"""

import re

from .priorities import target_ref
from .workshop import Snapshot

NAMED = re.compile(
    r"\b(?:M\.|Mme|Mlle|Mr|Monsieur|Madame|Mademoiselle|Dr|Docteur|Docteure|Pr|Professeur)"
    r"\.?\s+[A-ZÀ-Ý][\w'’-]+"
)
ROLE = re.compile(
    r"\b(?:la|le|les|notre|votre|leur|nos|vos|leurs|cette|ce|sa|son|ses|ma|mon|mes)\s+"
    r"(?:cadres?(?:\s+de\s+santé)?|directeur|directrice|directeurs|DRH|chef|cheffe|chefs"
    r"|supérieure?s?|manager|managers|responsables?|surveillante?s?|médecin[- ]chef"
    r"|infirmière?[- ]chef|cadre sup)\b",
    re.IGNORECASE,
)
RANK = re.compile(r"\bN\s*[+-]\s*[12]\b")
# Frequent first names in French care teams; a hit asks, it does not accuse.
FIRST_NAMES = frozenset(
    """Marie Nathalie Isabelle Sylvie Catherine Christine Sophie Sandrine Valérie Céline Stéphanie
    Julie Aurélie Émilie Emilie Laura Camille Sarah Pauline Claire Anne Martine Françoise Monique
    Nicole Patricia Véronique Hélène Élodie Elodie Audrey Delphine Karine Virginie Laetitia Nadia
    Fatima Sabrina Léa Manon Chloé Inès Jean Pierre Michel Philippe Alain Nicolas Christophe Patrick
    Éric Eric Laurent Frédéric Thierry Olivier Stéphane David Julien Sébastien Thomas Mohamed Karim
    Kévin Kevin Mathieu Antoine Paul Luc Marc Franck Bruno Didier Pascal Yannick Jérôme
    Vincent""".split()
)
WORD = re.compile(r"[A-ZÀ-Ý][a-zà-ÿ'’-]+")


def reasons(text: str) -> list[str]:
    """Why a text should be reworded before the minutes go out; empty when it need not be."""
    found = []
    if NAMED.search(text):
        found.append("nomme une personne (civilité ou titre suivi d'un nom)")
    if any(word in FIRST_NAMES for word in WORD.findall(text)):
        found.append("contient un prénom")
    if ROLE.search(text) or RANK.search(text):
        found.append("désigne une fonction ou un rang plutôt que l'organisation")
    return found


def review(snapshot: Snapshot) -> list[dict]:
    """Every text of the minutes to reword, with what it is, where, and why."""
    out = []
    for item in _texts(snapshot):
        why = reasons(item["text"])
        if why:
            out.append({**item, "reasons": why})
    return out


def _texts(snapshot: Snapshot) -> list[dict]:
    """Each text the minutes will print, with what the console needs to reword it."""
    texts = [{"kind": "note", "id": n.id, "text": n.text} for n in snapshot.notes if not n.hidden]
    texts += [{"kind": "theme", "id": t.id, "text": t.title} for t in snapshot.themes]
    texts += [
        {"kind": "contribution", "id": c.id, "version": c.version, "text": c.text}
        for c in snapshot.contributions
    ]
    for a in snapshot.actions:
        for name in ("what", "owner", "due", "indicator"):
            if getattr(a, name):
                texts.append(
                    {"kind": "action", "id": a.id, "field": name, "text": getattr(a, name)}
                )
    texts += [{"kind": "record", "id": r.id, "text": r.text} for r in snapshot.records]
    for target, (decision, reason) in snapshot.decisions.items():
        for name, text in (("decision", decision), ("reason", reason)):
            texts.append({"kind": "decision", **target_ref(target), "field": name, "text": text})
    return texts
