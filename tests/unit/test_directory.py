"""The member directory's terms: what a search box typed finds what staff stored."""

from hypothesis import given
from hypothesis import strategies as st

from renewal import directory


def test_accents_and_case_fold_to_one_term():
    assert directory.term("Díaz") == directory.term("DIAZ") == directory.term("diaz") == "diaz"
    assert directory.term("Ñúñez") == "nunez"
    assert directory.term("Straße") == "strasse"


def test_punctuation_is_not_part_of_a_term():
    assert directory.term("M-1001") == "m1001"
    assert directory.term("O'Brien") == "obrien"


def test_every_word_of_a_name_is_a_term_of_its_own():
    assert directory.name_terms("de la Cruz") == ["delacruz", "de", "la", "cruz"]
    assert directory.name_terms("Mary-Jane") == ["maryjane", "mary", "jane"]
    assert directory.name_terms("O'Brien") == ["obrien", "brien"]
    assert len(directory.name_terms("aa bb cc dd ee ff gg hh")) == 1 + directory.MAX_NAME_WORDS


def test_member_terms_are_unique():
    profile = {"member_id": "Ana", "first_name": "Ana", "last_name": "Ana"}
    assert directory.member_terms(profile) == ["ana"]


def test_email_compares_without_case():
    assert directory.email_key(" Ana.Diaz@Example.ORG ") == "ana.diaz@example.org"


LATIN_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéíóúñüçàèâêôöëïøåABCDEFGHIJKLMNOPQRSTUVWXYZÁÉÍÓÚÑÜÇ '-",
                      min_size=1, max_size=30)


@given(LATIN_NAMES)
def test_each_word_of_a_name_typed_in_any_case_finds_it(name):
    terms = directory.name_terms(name)
    words = [w for w in name.replace("-", " ").replace("'", " ").split() if len(directory.term(w)) >= 2]
    for word in words[: directory.MAX_NAME_WORDS]:
        for typed in (word, word.upper(), word.lower(), directory.fold(word)):
            query = directory.term(typed)
            if len(query) >= directory.MIN_QUERY:
                assert any(t.startswith(query) for t in terms), (name, typed, terms)


@given(st.text(alphabet=st.characters(categories=["L", "N", "M"]), min_size=1, max_size=20))
def test_folding_is_idempotent(text):
    assert directory.term(directory.term(text)) == directory.term(text)
