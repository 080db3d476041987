"""Every CSV the API writes neutralises cells a spreadsheet would run as formulas."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renewal import csvfiles


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_a_cell_that_starts_a_formula_is_prefixed_with_a_quote(cell):
    assert csvfiles.neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Ana Diaz", "2026-05-12", "", "a=b", "M-1001", 17500, 3.5, None])
def test_other_cells_are_left_alone(cell):
    assert csvfiles.neutralise(cell) == cell


@given(st.lists(st.lists(st.text(max_size=12) | st.integers(), min_size=1, max_size=4), max_size=5))
def test_no_written_cell_starts_a_formula_and_the_rest_survives(rows):
    text = csvfiles.text(["a", "b", "c", "d"], rows)
    read = list(csv.reader(io.StringIO(text)))
    assert read[0] == ["a", "b", "c", "d"] and len(read) == len(rows) + 1
    for written, original in zip(read[1:], rows):
        for cell, value in zip(written, original):
            if isinstance(value, int):
                assert cell == str(value)  # a number is never a formula, even a negative one
                continue
            assert not cell.startswith(csvfiles.FORMULA_STARTS)
            assert cell in (value, "'" + value)
