import pytest

from groundswell.geography.postcodes import InvalidPostcode, normalise_postcode


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" SW1A  1AA ", "SW1A 1AA"),
        ("rg1 1aa", "RG1 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
    ],
)
def test_valid_postcodes_normalise(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["XX1 1XX", "", "   ", "12345", "SW1A 1A", "QA1 1AA", "RG1 1CI", "hello world"])
def test_junk_gets_a_clear_error(raw):
    with pytest.raises(InvalidPostcode) as excinfo:
        normalise_postcode(raw)
    assert "postcode" in str(excinfo.value).lower()
