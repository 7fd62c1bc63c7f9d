"""Coverage-guided fuzzing of `logsense.parse` and `logsense.diagnose` with atheris.

Every input is fed as raw bytes (as an upload or a file would be) and, when it
decodes, also as a binary stream, which takes the incremental reading path. One input in four
is instead read as the numbers of one of issue 16's families (`fuzz/families.py`: huge integers,
power towers, deep nesting, huge histories, bad CSV rows, legacy encodings, symlink trees for
``scan``), so coverage guides the search through the work budgets and the guards too.
`UnusableInput` is the one error logsense raises on purpose; any other
exception escaping is a finding and atheris stops with the crashing input.

Run (see fuzz/README.md): ``python fuzz/fuzz_parse.py fuzz/corpus -max_total_time=600``
"""
from __future__ import annotations

import io
import os
import sys
import tempfile
import warnings
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))
import families  # the builders beside this file

with atheris.instrument_imports(include=["logsense"]):  # coverage of logsense's own code guides the search
    import logsense
    import logsense.causes  # diagnose imports these lazily; instrument them now
    import logsense.detect
    import logsense.report
    from logsense.errors import UnusableInput
    from logsense.scan import expand

warnings.simplefilter("ignore")  # numpy's RuntimeWarnings on nan/inf are not findings

#: Inputs past this size only slow the search down; the hypothesis tests cover large ones.
MAX_BYTES = 64 * 1024


def _family(fdp: atheris.FuzzedDataProvider) -> bytes | str | None:
    """One family member from the provider's numbers; None for a scan tree (checked here)."""
    kind = fdp.ConsumeIntInRange(0, 7)
    if kind == 0:
        return families.huge_integer_code(fdp.ConsumeIntInRange(1, 20_000), fdp.ConsumeBool())
    if kind == 1:
        return families.power_tower_code(fdp.ConsumeIntInRange(-1000, 10 ** 6), fdp.ConsumeIntInRange(-70, 5000),
                                         fdp.ConsumeIntInRange(1, 6), fdp.ConsumeIntInRange(0, 2))
    if kind == 2:
        return families.deep_json(fdp.ConsumeIntInRange(1, 20_000), fdp.ConsumeIntInRange(0, 2), fdp.ConsumeBool())
    if kind == 3:
        return families.huge_history(fdp.ConsumeIntInRange(1, 12_000), fdp.ConsumeIntInRange(0, 3),
                                     fdp.ConsumeBool())
    if kind == 4:
        rows = fdp.ConsumeIntInRange(2, 40)
        return families.bad_csv(rows, fdp.ConsumeIntListInRange(fdp.ConsumeIntInRange(0, rows), 0, rows - 1))
    if kind == 5:
        language = sorted(families.LANGUAGES)[fdp.ConsumeIntInRange(0, len(families.LANGUAGES) - 1)]
        encodings = families.LANGUAGES[language][4]
        text = families.translated_log(language, fdp.ConsumeIntInRange(1, 6), fdp.ConsumeIntInRange(0, 5))
        return text.encode(encodings[fdp.ConsumeIntInRange(0, len(encodings) - 1)])
    if kind == 6:
        with tempfile.TemporaryDirectory(dir=os.environ.get("FUZZ_TMP")) as tmp:
            families.symlink_tree(Path(tmp), fdp.ConsumeIntListInRange(fdp.ConsumeIntInRange(0, 40), 0, 200))
            for pattern in ("**/*", "*/*", ""):
                found = expand([os.path.join(tmp, pattern)] if pattern else [tmp])
                assert all(os.path.isfile(f) for f in found) and len(found) == len(set(found))
        return None
    return families.history_with_extras({fdp.ConsumeUnicodeNoSurrogates(6) or "x": fdp.ConsumeUnicodeNoSurrogates(4)})


def test_one_input(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        return
    if data[:1] and data[0] % 4 == 0:  # a family member built from the rest of the bytes
        member = _family(atheris.FuzzedDataProvider(data[1:]))
        if member is None:
            return
        data = member.encode("utf-8") if isinstance(member, str) else member
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
