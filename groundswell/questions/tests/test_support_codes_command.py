from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from groundswell.questions.support_codes import our_codes, support_codes_for
from groundswell.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def test_support_codes_command(capsys):
    unit = UnitFactory(code="NAT")
    call_command("support_codes", "NAT", "--ours", "G")
    assert len(support_codes_for(unit)) == 12
    assert our_codes(unit) == {"G"}
    assert "Supports us\tGreen" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("support_codes", "NOPE")
    with pytest.raises(CommandError, match="not a party"):
        call_command("support_codes", "NAT", "--ours", "U")
