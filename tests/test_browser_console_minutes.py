"""The console's side of what a session leaves (#7), in Chromium against the real server: the
action plan, the records, the review before closing, the minutes and "Où en est-on ?"."""

import json
import re
import urllib.error
import urllib.request

import pytest
import socketio
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}

NAMED = "Mme Durand ne répond jamais aux demandes de planning"
REWORDED = "Les demandes de planning restent sans réponse"


def fetch(server, path: str, key: str | None = None) -> tuple[int, bytes]:
    """GET `path`, with the facilitator key as Bearer when given; (status, body)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    request = urllib.request.Request(server.url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def minutes_of(server, links: dict) -> dict:
    path = f"/api/sessions/{links['code']}/minutes.json"
    status, body = fetch(server, path, links["facilitator_key"])
    assert status == 200, body
    return json.loads(body)


def open_following(server, kit: str, earlier: dict, title: str) -> dict:
    """Open a session as the follow-up of `earlier`, as the start page does with its cookie."""
    fields = {"kit": kit, "title": title, "follows": earlier["code"]}
    fields["follows_key"] = earlier["facilitator_key"]
    request = urllib.request.Request(
        server.url + "/api/sessions",
        json.dumps(fields).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def open_console(browser, links: dict):
    console = browser.new_context(**LAPTOP).new_page()
    console.goto(links["facilitator_url"])
    expect(console.locator("#connection")).to_have_text("Connecté")
    return console


def go_to(console, title: str) -> None:
    """Click a step in the console's list of steps and wait for the server to agree."""
    console.locator("#phases").get_by_role("button", name=re.compile(re.escape(title))).click()
    expect(console.get_by_text(f"Étape en cours : {title}")).to_be_visible()


def said(console):
    return console.locator("#status")


def test_console_writes_the_plan_reviews_closes_and_publishes(live_server, browser, screenshot):
    links = live_server.open_session(kit="bilan-retex", title="Bilan de la démarche, SSR")
    code = links["code"]
    console = open_console(browser, links)

    # A session opened on its own follows nothing, and says how to open one that does.
    go_to(console, "Où en est-on ?")
    followup = console.get_by_role("region", name="Où en est-on ?")
    expect(followup.get_by_text("ne fait suite à aucune autre")).to_be_visible()
    expect(followup.get_by_role("link", name="la page d'ouverture des séances")).to_be_visible()
    screenshot(console, "console-followup-none-1280")

    # A phone names someone in a note: the review will catch it.
    go_to(console, "Ce qui a changé dans le travail")
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(links["join_url"])
    phone.get_by_label("Votre post-it").fill(NAMED)
    phone.get_by_label("Ce qui n'a pas bougé", exact=True).check()
    phone.get_by_role("button", name="Envoyer").tap()
    expect(phone.get_by_text("Envoyé ✓", exact=True)).to_be_visible()
    expect(console.get_by_text(NAMED)).to_be_visible()

    go_to(console, "Les suites à donner")
    plan = console.get_by_role("region", name=re.compile("Plan d'action"))
    expect(plan.get_by_text("Aucune action pour l'instant")).to_be_visible()
    expect(plan.get_by_text("Jamais le nom d'une personne")).to_be_visible()
    what = "Prévoir un temps de transmission à chaque relève de nuit"
    plan.get_by_label("Action à mener").fill(what)
    plan.get_by_role("button", name="Ajouter au plan d'action").click()
    expect(said(console)).to_contain_text("la fonction ou le groupe")  # no owner: refused here
    plan.get_by_label("Porté par (fonction ou groupe)").fill("L'encadrement de nuit")
    plan.get_by_label("Échéance", exact=True).fill("juin 2027")
    plan.get_by_label("Indicateur de suivi", exact=True).fill("Relèves faites à deux sur un mois")
    plan.get_by_role("button", name="Ajouter au plan d'action").click()
    action = plan.locator(".plan-item").filter(has_text=what)
    expect(action).to_contain_text("L'encadrement de nuit")
    action = plan.locator(f'.plan-item[data-id="{action.get_attribute("data-id")}"]')  # kept
    expect(action).to_contain_text("juin 2027")
    expect(plan.get_by_label("Action à mener")).to_have_value("")  # ready for the next one
    action.get_by_label("Statut").select_option(label="en cours")
    expect(said(console)).to_contain_text("en cours")

    # Reword a field, then add and delete a second action (two clicks).
    action.get_by_role("button", name=re.compile("^Modifier")).click()
    action.get_by_label("Échéance", exact=True).fill("septembre 2027")
    screenshot(console, "console-plan-edit-1280")
    action.get_by_role("button", name="Enregistrer l'action").click()
    expect(action).to_contain_text("septembre 2027")
    plan.get_by_label("Action à mener").fill("Une action en trop")
    plan.get_by_label("Porté par (fonction ou groupe)").fill("Le COPIL")
    plan.get_by_role("button", name="Ajouter au plan d'action").click()
    extra = plan.locator(".plan-item").filter(has_text="Une action en trop")
    expect(extra).to_be_visible()
    extra.get_by_role("button", name=re.compile("^Supprimer")).click()
    extra.get_by_role("button", name=re.compile("^Confirmer la suppression")).click()
    expect(extra).to_have_count(0)
    screenshot(console, "console-plan-1280")

    [saved] = minutes_of(live_server, links)["actions"]
    assert saved == {
        "what": what,
        "owner": "L'encadrement de nuit",
        "due": "septembre 2027",
        "status": "en_cours",
        "indicator": "Relèves faites à deux sur un mois",
    }

    go_to(console, "Ce que nous retenons")
    expect(plan).to_be_visible()  # the recap offers the plan too: some kits have no plan step
    records = console.get_by_role("region", name="Pour le compte-rendu")
    for kind, label, text in (
        ("Points de désaccord", "Nouveau point de désaccord", "Le rythme des réunions divise"),
        ("Questions non résolues", "Nouvelle question non résolue", "Qui suit les indicateurs ?"),
        (
            "Travaux intersessions",
            "Nouveau travail à mener d'ici la prochaine séance",
            "Le trinôme prépare la présentation au COPIL",
        ),
    ):
        group = records.get_by_role("region", name=kind)
        group.get_by_label(label).fill(text)
        group.get_by_role("button", name="Ajouter").click()
        expect(group.get_by_text(text)).to_be_visible()
    questions = records.get_by_role("region", name="Questions non résolues")
    questions.get_by_role("button", name=re.compile("^Reformuler")).click()
    questions.get_by_label("Nouvelle formulation").fill(
        "Qui suivra les indicateurs après la démarche ?"
    )
    questions.get_by_role("button", name="Enregistrer").click()
    expect(questions.get_by_text("Qui suivra les indicateurs après la démarche ?")).to_be_visible()
    screenshot(console, "console-records-1280")

    # Closing opens the review first: the named note is there, with why.
    console.get_by_role("button", name="Relire et clore la séance").click()
    review = console.get_by_role("region", name="Relecture avant clôture")
    flagged = review.locator(".review-item").filter(has_text=NAMED)
    expect(flagged).to_contain_text("nomme une personne")
    expect(flagged.get_by_label("Nouvelle formulation")).to_be_focused()
    screenshot(console, "console-review-1280")
    flagged.get_by_label("Nouvelle formulation").fill(REWORDED)
    flagged.get_by_role("button", name="Reformuler").click()
    expect(review.get_by_text("Rien à reformuler")).to_be_visible()
    expect(review.locator(".review-item")).to_have_count(0)
    screenshot(console, "console-review-clear-1280")
    review.get_by_role("button", name="Confirmer la clôture").click()

    minutes = console.get_by_role("region", name="Compte-rendu", exact=True)
    expect(minutes).to_be_visible()
    expect(minutes.get_by_text("Pas encore publié")).to_be_visible()
    expect(records.get_by_role("button")).to_have_count(0)  # read-only once closed
    shown = minutes_of(live_server, links)
    assert "Durand" not in json.dumps(shown, ensure_ascii=False)
    assert REWORDED in [note["text"] for note in shown["notes"]]
    assert shown["disagreements"] == ["Le rythme des réunions divise"]
    assert shown["questions"] == ["Qui suivra les indicateurs après la démarche ?"]
    assert shown["intersession"] == ["Le trinôme prépare la présentation au COPIL"]

    # Before publishing, only the console (its cookie) reads the minutes.
    html = f"/api/sessions/{code}/minutes.html"
    assert fetch(live_server, html)[0] == 401
    with console.context.expect_page() as opened:
        minutes.get_by_role("link", name=re.compile("Ouvrir le compte-rendu")).click()
    page = opened.value
    expect(page.get_by_text(REWORDED)).to_be_visible()
    page.close()
    with console.expect_download() as download:
        minutes.get_by_role("link", name=re.compile(r"Word \(\.docx\)")).click()
    assert download.value.suggested_filename == f"compte-rendu-{code}.docx"
    next_session = minutes.get_by_role("link", name="Préparer la séance suivante")
    expect(next_session).to_have_attribute("href", f"/animer?follows={code}")

    minutes.get_by_role("button", name="Publier pour les participants").click()
    expect(minutes.get_by_text("Publié :")).to_be_visible()
    status, body = fetch(live_server, html)
    assert status == 200 and REWORDED in body.decode() and "Durand" not in body.decode()
    screenshot(console, "console-minutes-1280")
    minutes.get_by_role("button", name="Retirer la publication").click()
    expect(minutes.get_by_role("button", name="Publier pour les participants")).to_be_visible()
    assert fetch(live_server, html)[0] == 401


def seed_first_day(server) -> dict:
    """A short session run by a script: a priority voted by three phones, a COPIL decision,
    one action done and one under way; closed."""
    links = server.open_session(kit="atelier-court", title="Groupe de travail, séance 1")
    clients = [socketio.Client() for _ in range(4)]
    for client in clients:
        client.connect(server.url, transports=["websocket"])
    facilitator, phones = clients[0], clients[1:]
    key = links["facilitator_key"]
    facilitator.call("join", {"code": links["code"], "role": "facilitator", "key": key})
    for phone in phones:
        phone.call("join", {"code": links["code"], "role": "participant"})
    facilitator.call("phase_set", {"phase": "idees"})
    note = phones[0].call("note_add", {"text": "Des relèves assises"})["note"]
    facilitator.call("phase_set", {"phase": "gommettes"})
    for phone in phones:
        assert phone.call("vote_cast", {"note_id": note["id"]})["ok"]
    facilitator.call("votes_reveal", {})
    decision = {"note_id": note["id"], "decision": "Retenue", "reason": "Sans coût, tout de suite"}
    assert facilitator.call("decision_set", decision)["ok"]
    for what, status in (
        ("Tester des sièges en salle de soins", "en_cours"),
        ("Lister les relèves", "realisee"),
    ):
        action = {"what": what, "owner": "Le groupe de travail", "status": status}
        assert facilitator.call("action_save", action)["ok"]
    assert facilitator.call("session_close", {})["ok"]
    for client in clients:
        client.disconnect()
    return links


def test_the_follow_up_shows_what_was_left_and_updates_its_status(live_server, browser, screenshot):
    day1 = seed_first_day(live_server)
    day2 = open_following(live_server, "groupe-de-travail", day1, "Groupe de travail, séance 2")
    console = open_console(browser, day2)
    go_to(console, "Où en est-on ?")

    followup = console.get_by_role("region", name="Où en est-on ?")
    expect(followup).to_contain_text("Cette séance fait suite à : Groupe de travail, séance 1")
    expect(followup.get_by_text("Des relèves assises")).to_be_visible()
    expect(followup.get_by_text("3 gommettes")).to_be_visible()
    expect(followup.get_by_text("Retenue")).to_be_visible()
    expect(followup.get_by_text("Sans coût, tout de suite")).to_be_visible()

    plan = console.get_by_role("region", name=re.compile("Plan d'action"))
    carried = plan.locator(".plan-item")
    expect(carried).to_have_count(1)  # the action done stays behind
    expect(carried).to_contain_text("Tester des sièges en salle de soins")
    expect(carried).to_contain_text("depuis : Groupe de travail, séance 1")
    expect(carried.get_by_label("Statut")).to_have_value("en_cours")
    screenshot(console, "console-followup-1280")
    other = open_console(browser, day2)  # a second console tab, to see the change arrive live
    expect(other.locator(".plan-item").get_by_label("Statut")).to_have_value("en_cours")
    carried.get_by_label("Statut").select_option(label="réalisée")
    expect(console.locator("#status")).to_contain_text("réalisée")

    [action] = minutes_of(live_server, day2)["actions"]
    assert action["status"] == "realisee"
    assert action["origin"].startswith("Groupe de travail, séance 1")
    expect(other.locator(".plan-item").get_by_label("Statut")).to_have_value("realisee")

    # From the keyboard: two presses in a row, the last one is what stays.
    select = carried.get_by_label("Statut")
    select.focus()
    select.press("ArrowUp")
    select.press("ArrowUp")
    expect(console.locator("#status")).to_contain_text("validée")
    expect(other.locator(".plan-item").get_by_label("Statut")).to_have_value("validee")
    assert minutes_of(live_server, day2)["actions"][0]["status"] == "validee"


def seed_every_kind_to_review(server) -> dict:
    """A session whose theme, COPIL reason, grid, action owner and record each single someone
    out, so that the review lists one text of every kind but notes (the first test has one)."""
    links = server.open_session(kit="atelier-court", title="Atelier à relire")
    clients = [socketio.Client() for _ in range(4)]
    for client in clients:
        client.connect(server.url, transports=["websocket"])
    facilitator, phones = clients[0], clients[1:]
    key = links["facilitator_key"]
    facilitator.call("join", {"code": links["code"], "role": "facilitator", "key": key})
    for phone in phones:
        phone.call("join", {"code": links["code"], "role": "participant"})
    facilitator.call("phase_set", {"phase": "idees"})
    note = phones[0].call("note_add", {"text": "Le planning change trop souvent"})["note"]
    facilitator.call("phase_set", {"phase": "themes"})
    theme = {"title": "Relation avec le directeur", "note_ids": [note["id"]]}
    theme_id = facilitator.call("theme_create", theme)["theme_id"]
    facilitator.call("phase_set", {"phase": "gommettes"})
    for phone in phones:
        assert phone.call("vote_cast", {"theme_id": theme_id})["ok"]
    facilitator.call("votes_reveal", {})
    decision = {"theme_id": theme_id, "decision": "Retenue", "reason": "Demandé par Mme Leroy"}
    assert facilitator.call("decision_set", decision)["ok"]
    facilitator.call("phase_set", {"phase": "grille"})
    cell = {"row": None, "column": "situation", "text": "Sylvie fait les plannings seule"}
    assert facilitator.call("grid_set", cell)["ok"]
    action = {"what": "Revoir les plannings", "owner": "Mme Martin"}
    assert facilitator.call("action_save", action)["ok"]
    record = {"kind": "question", "text": "Voir avec la cadre de nuit"}
    assert facilitator.call("record_save", record)["ok"]
    for client in clients:
        client.disconnect()
    return links


def test_the_review_rewords_every_kind_of_text(live_server, browser, screenshot):
    links = seed_every_kind_to_review(live_server)
    console = open_console(browser, links)
    console.get_by_role("button", name="Relire et clore la séance").click()
    review = console.get_by_role("region", name="Relecture avant clôture")
    items = review.locator(".review-item")
    expect(items).to_have_count(5)
    expect(review.get_by_text("5 textes à relire")).to_be_visible()
    screenshot(console, "console-review-kinds-1280")

    # By where each text lives; the theme first, so that its priority shows the new title.
    for place, flagged, reworded in (
        ("Titre de thème", "Relation avec le directeur", "Relation avec la direction"),
        (
            "Raison donnée aux équipes",
            "Sur la priorité « Relation avec la direction »",
            "Demandé par l'équipe de nuit",
        ),
        ("Grille d'analyse", "Sylvie fait les plannings", "Une seule personne fait les plannings"),
        ("Plan d'action · Porté par", "Mme Martin", "Le groupe de travail"),
    ):
        item = items.filter(has_text=place)
        expect(item).to_contain_text(flagged)
        item.get_by_label("Nouvelle formulation").fill(reworded)
        item.get_by_role("button", name="Reformuler").click()
        expect(items.filter(has_text=place)).to_have_count(0)
    # The last one is kept as it is: it stays out of the list, and the close goes on.
    kept = items.filter(has_text="Voir avec la cadre de nuit")
    expect(kept).to_contain_text("Questions non résolues")
    expect(kept.get_by_label("Nouvelle formulation")).to_be_focused()  # the next one to read
    kept.get_by_role("button", name=re.compile("^Garder tel quel")).click()
    expect(items).to_have_count(0)
    expect(review.get_by_text("1 texte gardé tel quel")).to_be_visible()
    expect(review.get_by_role("button", name="Confirmer la clôture")).to_be_focused()
    review.get_by_role("button", name="Confirmer la clôture").click()
    expect(console.get_by_role("region", name="Compte-rendu", exact=True)).to_be_visible()

    shown = minutes_of(live_server, links)
    assert [theme["title"] for theme in shown["themes"]] == ["Relation avec la direction"]
    [decision] = shown["decisions"]
    assert (decision["decision"], decision["reason"]) == ("Retenue", "Demandé par l'équipe de nuit")
    assert shown["grid"][0]["situation"] == ["Une seule personne fait les plannings"]
    assert shown["actions"][0]["owner"] == "Le groupe de travail"
    assert shown["questions"] == ["Voir avec la cadre de nuit"]
