from tests.factories import ContactFactory


def test_a_contact_links_a_cadre_and_a_talent_through_a_pairing(db):
    contact = ContactFactory()
    assert contact.pairing.cadre.pairings.get().talent == contact.pairing.talent
