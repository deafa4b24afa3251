"""The `facilitate` command: kits, new."""

import json

import pytest

from facilitate.cli import main

OWN_KIT = """
id = "maison"
title = "Notre réunion d'équipe"
audience = "etablissement"
description = "Le format maison."
rules = ["Parole libre"]

[[phases]]
id = "idees"
kind = "notes"
title = "Idées"
minutes = 10
"""


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("FACILITATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FACILITATE_DATABASE_URL", raising=False)
    return monkeypatch


def test_kits_lists_each_kit_with_its_phases(env, capsys):
    assert main(["kits"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] in {"appui-individuel", "atelier-court"}
    assert "\ncluster-j1\n    Cluster QVT" in out
    assert "    - Règles du jeu [rules, 15 min]" in out


def test_own_kits_folder_adds_kits_and_reports_broken_ones(env, tmp_path, capsys):
    folder = tmp_path / "kits"
    folder.mkdir()
    (folder / "maison.toml").write_text(OWN_KIT, encoding="utf-8")
    (folder / "casse.toml").write_text(OWN_KIT.replace('kind = "notes"', 'kind = "?"'), "utf-8")
    env.setenv("FACILITATE_KITS_DIR", str(folder))
    assert main(["kits"]) == 1
    captured = capsys.readouterr()
    assert "\nmaison\n    Notre réunion d'équipe" in captured.out
    assert "casse.toml" in captured.err and "phases[0].kind" in captured.err
    assert "cluster-j3" in captured.out  # the shipped kits are still there


def test_new_prints_the_session_json(env, capsys):
    env.setenv("FACILITATE_PUBLIC_URL", "http://10.0.0.5:8000")
    assert main(["new", "--kit", "copil-qvt", "--title", "COPIL de juin"]) == 0
    links = json.loads(capsys.readouterr().out)
    assert links["join_url"] == f"http://10.0.0.5:8000/j/{links['code']}"
    assert set(links) == {"code", "join_url", "board_url", "facilitator_url", "facilitator_key"}


def test_new_with_unknown_kit_fails_clearly(env, capsys):
    assert main(["new", "--kit", "inconnu"]) == 2
    assert json.loads(capsys.readouterr().err)["error"]["code"] == "unknown_kit"
