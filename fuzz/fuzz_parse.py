"""Coverage-guided fuzzing of `logsense.parse` and `logsense.diagnose` with atheris.

Every input is fed as raw bytes (as an upload or a file would be) and, when it
decodes, also as a binary stream, which takes the incremental reading path.
`UnusableInput` is the one error logsense raises on purpose; any other
exception escaping is a finding and atheris stops with the crashing input.

Run (see fuzz/README.md): ``python fuzz/fuzz_parse.py fuzz/corpus -max_total_time=600``
"""
from __future__ import annotations

import io
import sys
import warnings

import atheris

with atheris.instrument_imports(include=["logsense"]):  # coverage of logsense's own code guides the search
    import logsense
    import logsense.causes  # diagnose imports these lazily; instrument them now
    import logsense.detect
    import logsense.report
    from logsense.errors import UnusableInput

warnings.simplefilter("ignore")  # numpy's RuntimeWarnings on nan/inf are not findings

#: Inputs past this size only slow the search down; the hypothesis tests cover large ones.
MAX_BYTES = 64 * 1024


def test_one_input(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        return
    try:
        log = logsense.parse(data)
    except UnusableInput as err:
        assert "\n" not in str(err), f"UnusableInput message is not one line: {err!r}"
        return
    logsense.diagnose(log)
    # The same bytes read as a stream go through the chunked decoder.
    try:
        logsense.parse(io.BytesIO(data))
    except UnusableInput:
        pass


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
