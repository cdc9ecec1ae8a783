"""The import's cached row checks give the verdicts of the rules they cache."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dinhdanh.population import names
from dinhdanh.population.csv_rows import COLUMNS, ImportReport, RowValidator, pid_key, validate_row
from dinhdanh.population.demo import generate_rows
from dinhdanh.population.rules import RuleError, check_personal_id


def _verdict(pid: str, sex: str | None, year: int | None) -> str:
    try:
        check_personal_id(pid, sex=sex, birth_year=year)
    except RuleError as exc:
        return exc.message
    return "ok"


@given(
    pid=st.one_of(
        st.from_regex(r"0[0-9]{11}", fullmatch=True),
        st.text(alphabet="0123456789 a٣", min_size=10, max_size=13),
    ),
    sex=st.sampled_from(["M", "F", None]),
    year=st.one_of(st.none(), st.integers(1900, 2099)),
)
def test_a_personal_id_has_the_verdict_of_its_key(pid, sex, year):
    assert _verdict(pid_key(pid), sex, year) == _verdict(pid, sex, year)


def test_folded_name_is_the_fold_of_the_full_name():
    report = ImportReport()
    validator = RowValidator()
    for line, row in enumerate(generate_rows(citizens=400, seed=4), start=2):
        record = validate_row(row, line, report)
        assert record is not None
        full = names.full_name(record["family_name"], record["middle_name"], record["given_name"])
        assert record["name_folded"] == names.fold(full)
        assert validator.validate([row[c] for c in COLUMNS], line, report) == tuple(record.values())
    assert report.ok


def test_every_bad_field_of_a_row_is_reported_in_order():
    row = next(iter(generate_rows(citizens=1, seed=8)))
    row.update(sex="X", given_name="Lan<b>", permanent_commune_code="00000", blood_type="Z")
    report = ImportReport()
    assert RowValidator().validate([row[c] for c in COLUMNS], 7, report) is None
    columns = [column for line, column, _message in report.errors]
    assert {line for line, _c, _m in report.errors} == {7}
    assert columns == [
        "sex",
        "given_name",
        "permanent_commune_code",
        "blood_type",
    ]
