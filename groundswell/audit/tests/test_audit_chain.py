import pytest
from django.db import DatabaseError, transaction

from groundswell.audit.models import AuditEntry, AuditLogIsAppendOnly
from groundswell.audit.services import record, verify_chain
from groundswell.audit.testing import tamper
from groundswell.tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_entries_chain_and_verify():
    user = UserFactory()
    person = PersonFactory()
    first = record("viewed", actor=user, obj=person)
    second = record("exported", actor=user, query="tag=volunteer", reason="phonebank list", detail={"rows": 3})
    assert second.previous_hash == first.entry_hash
    assert second.sequence == first.sequence + 1
    result = verify_chain()
    assert result.ok and result.entries == 2


def test_labels_carry_no_personal_data():
    person = PersonFactory(given_name="Zebedee", family_name="Quux")
    entry = record("viewed", obj=person)
    assert "Zebedee" not in entry.object_label and "Quux" not in entry.object_label


def test_model_refuses_update_and_delete():
    entry = record("viewed", object_type="people.person", object_id=1)
    entry.reason = "changed"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()


def test_database_refuses_update_behind_the_models_back():
    record("viewed", object_type="people.person", object_id=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.update(reason="tampered")


def test_tampering_is_detected():
    record("viewed", object_type="people.person", object_id=1)
    record("exported", object_type="people.person", object_id=2, reason="audit")
    record("viewed", object_type="people.person", object_id=3)
    # Tamper with the raw table as an attacker with database access would, lifting the guard first.
    tamper(f"UPDATE {AuditEntry._meta.db_table} SET reason = 'nothing to see' WHERE sequence = 2")
    result = verify_chain()
    assert not result.ok
    assert result.first_bad_sequence == 2
