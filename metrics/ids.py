"""Row ids as clients send them: in a JSON body, a query string, a CSV or XLSX cell.

An id is a whole number written with the digits 0–9, or a JSON integer. Python and the
ORM are more forgiving than that — `int()` takes "１２" (full-width) and 43.5, the ORM
turns 43.5 and True into 43 and 1, `str.isdigit()` says yes to "²" which `int()` then
refuses — so a reference like 43.5 would silently name row 43. `parse_id` takes only the
plain spellings."""

import re

# The id columns' range (BigAutoField).
MAX_ID = 2**63 - 1
# ASCII digits only: in a str pattern `\d` also matches every other script's digits.
DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value) -> int | None:
    """The id `value` spells, or None when it is not a plain whole number in the id range
    (a bool, a float, a number in other digits, a sign, spaces, a decimal point)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 0 <= number <= MAX_ID else None
