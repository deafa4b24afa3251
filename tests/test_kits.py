"""Kit files: the shipped ones load, and a broken one says which file and which key."""

import pytest

from facilitate.kits import BUILTIN_DIR, KitError, load_kits, parse_kit

GOOD = """
id = "k"
title = "Titre"
audience = "etablissement"
description = "Une description"
rules = ["Parole libre"]

[[phases]]
id = "a"
kind = "notes"
title = "Idées"
"""


def test_shipped_kits_load():
    kits, broken = load_kits(BUILTIN_DIR)
    assert broken == [] and "atelier-court" in kits
    for kit in kits.values():
        assert kit.rules and kit.phases[0].kind == "rules"


def test_vote_phase_gets_a_default_budget():
    kit = parse_kit("k.toml", GOOD + '[[phases]]\nid = "v"\nkind = "vote"\ntitle = "Vote"\n')
    assert kit.phase("v").budget == 3


@pytest.mark.parametrize(
    "text, key",
    [
        (GOOD + 'colour = "red"\n', "phases[0].colour"),
        (GOOD.replace('title = "Titre"\n', ""), "title"),
        (GOOD.replace('title = "Titre"', "title = 3"), "title"),
        (GOOD.replace('kind = "notes"', 'kind = "dance"'), "phases[0].kind"),
        (GOOD.replace('audience = "etablissement"', 'audience = "ars"'), "audience"),
        (GOOD + "minutes = true\n", "phases[0].minutes"),
        (GOOD + "budget = 3\n", "phases[0].budget"),
        (GOOD.replace('rules = ["Parole libre"]', "rules = [1]"), "rules"),
        ('id = "k"\ntitle = ', "toml"),
    ],
)
def test_broken_kit_names_file_and_key(text, key):
    with pytest.raises(KitError) as caught:
        parse_kit("mon-kit.toml", text)
    assert caught.value.key == key and "mon-kit.toml" in str(caught.value)


def test_a_broken_file_does_not_hide_the_others(tmp_path):
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text("id = ", encoding="utf-8")
    (tmp_path / "c.toml").write_text(GOOD, encoding="utf-8")  # same id as a.toml
    kits, broken = load_kits(tmp_path)
    assert list(kits) == ["k"]
    assert [b.path.rsplit("/", 1)[1] for b in broken] == ["b.toml", "c.toml"]


def test_kit_round_trips_through_storage_form():
    from facilitate.kits import Kit

    kit = parse_kit("k.toml", GOOD)
    assert Kit.from_dict(kit.to_dict()) == kit
