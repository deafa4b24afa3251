"""The one error type of the domain: a refusal with a stable code and a French message."""

MESSAGES = {
    "invalid_payload": "Message mal formé : un champ manque ou n'a pas le bon type.",
    "text_empty": "Le texte est vide.",
    "text_too_long": "Le texte dépasse {limit} caractères.",
    "unknown_session": "Aucune séance ne correspond à ce code.",
    "unknown_kit": "Ce déroulé de séance n'existe pas.",
    "bad_role": "Rôle inconnu : participant, tableau ou animation.",
    "bad_key": "Clé d'animation absente ou incorrecte.",
    "not_joined": "Rejoignez d'abord la séance.",
    "forbidden": "Cette action est réservée à l'animation.",
    "unknown_phase": "Cette étape n'existe pas dans le déroulé.",
    "unknown_lane": "Cette colonne n'existe pas à cette étape.",
    "unknown_note": "Ce post-it n'existe pas dans cette séance.",
    "note_id_taken": "Un autre post-it porte déjà cet identifiant.",
    "not_your_note": "Seul le téléphone qui a écrit ce post-it peut le retirer.",
    "unknown_theme": "Ce thème n'existe pas dans cette séance.",
    "unknown_item": "Cette idée ne fait pas partie du vote en cours.",
    "vote_closed": "Le vote n'est pas ouvert à cette étape.",
    "no_dots_left": "Vous avez placé toutes vos gommettes : retirez-en une pour changer d'avis.",
    "one_dot_per_item": "Une seule gommette par idée à cette étape.",
    "no_dot_here": "Vous n'avez pas de gommette sur cette idée.",
    "not_a_grid": "Cette étape n'a pas de grille d'analyse.",
    "unknown_column": "Cette colonne n'existe pas dans la grille.",
    "unknown_row": "Cette ligne n'existe pas dans la grille de cette table.",
    "unknown_table": "Choisissez d'abord une table existante.",
    "unknown_contribution": "Cette contribution n'existe pas dans la grille.",
    "edit_conflict": "Ce texte a changé entre-temps : relisez-le avant de le modifier.",
    "session_closed": "La séance est close : plus rien ne peut être ajouté.",
    "not_closed": "Clôturez d'abord la séance : seul un compte-rendu définitif se publie.",
    "unknown_action": "Cette action n'existe pas dans le plan d'action.",
    "owner_missing": "Indiquez la fonction ou le groupe qui porte l'action.",
    "bad_status": "Statut inconnu : à valider, validée, en cours, réalisée ou en attente.",
    "unknown_record": "Cet élément n'existe pas dans le compte-rendu.",
    "bad_record_kind": "Type inconnu : point de désaccord, question non résolue ou travail "
    "intersession.",
    "unknown_follows": "La séance à suivre est introuvable : vérifiez son code.",
    "unknown_event": "Action inconnue.",
    "slow_down": "Doucement : trop d'envois d'un coup. Réessayez dans quelques secondes.",
    "server_error": "Erreur du serveur : rien n'a été enregistré, réessayez.",
}


class Refusal(Exception):
    """Raised when a request breaks a rule; nothing has been written."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details
        self.message = MESSAGES[code].format(**details)

    def as_dict(self) -> dict:
        """The wire form, shared by Socket.IO acks and HTTP error bodies.

        `details` (only when the message has placeholders) lets a page say it in English too.
        """
        wire = {"code": self.code, "message": self.message}
        if self.details:
            wire["details"] = self.details
        return wire
