// The words people read for the action plan and the records; the codes are the protocol's
// (docs/protocol.md, "The action plan and the records"). Translated here, once: the language of a
// page never changes during its life.
import { t } from "./i18n.js";

export const STATUS_LABELS = {
  a_valider: t("à valider"),
  validee: t("validée"),
  en_cours: t("en cours"),
  realisee: t("réalisée"),
  en_attente: t("en attente"),
};

export const RECORD_TITLES = {
  disagreement: t("Points de désaccord"),
  question: t("Questions non résolues"),
  intersession: t("Travaux intersessions"),
};
