// The words people read for the action plan and the records; the codes are the protocol's
// (docs/protocol.md, "The action plan and the records").

export const STATUS_LABELS = {
  a_valider: "à valider",
  validee: "validée",
  en_cours: "en cours",
  realisee: "réalisée",
  en_attente: "en attente",
};

export const RECORD_TITLES = {
  disagreement: "Points de désaccord",
  question: "Questions non résolues",
  intersession: "Travaux intersessions",
};
